import type { IncomingMessage } from 'node:http';
import { requestIdFor } from './request-id';

const req = (id?: string) =>
  ({ headers: id === undefined ? {} : { 'x-request-id': id } }) as unknown as IncomingMessage;

describe('requestIdFor', () => {
  it('keeps a sane caller id', () => {
    expect(requestIdFor(req('trace-42.a:b_c'))).toBe('trace-42.a:b_c');
  });

  it.each([undefined, '', 'has space', 'x'.repeat(129), 'evil\nline', '{"json":1}'])(
    'replaces %p with a UUID',
    (id) => {
      expect(requestIdFor(req(id))).toMatch(/^[0-9a-f-]{36}$/);
    },
  );
});
