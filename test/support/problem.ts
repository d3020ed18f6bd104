/** Asserts an answer is an RFC 9457 problem with this status, and returns its body. */
export function expectProblem(
  response: { status: number; headers: Headers; body: any },
  status: number,
  detail?: RegExp | string,
): any {
  expect({ status: response.status, type: response.headers.get('content-type') }).toEqual({
    status,
    type: expect.stringContaining('application/problem+json'),
  });
  expect(response.body).toMatchObject({
    type: expect.any(String),
    title: expect.any(String),
    status,
    detail: expect.any(String),
  });
  // Never a stack trace.
  expect(JSON.stringify(response.body)).not.toMatch(/\n\s+at |\.ts:\d+|node_modules/);
  if (detail) expect(response.body.detail).toMatch(detail);
  return response.body;
}
