import { connect } from 'node:net';

/** Writes raw bytes to the service and parses the one HTTP answer (status, headers, JSON body). */
export async function rawHttp(
  base: string,
  text: string,
): Promise<{ status: number; headers: Headers; body: any; raw: string }> {
  const url = new URL(base);
  const raw = await new Promise<string>((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname, () => socket.end(text));
    let out = '';
    socket.on('data', (d: Buffer) => (out += d.toString()));
    socket.on('close', () => resolve(out));
    socket.on('error', reject);
  });
  const [head, ...rest] = raw.split('\r\n\r\n');
  const [statusLine, ...headerLines] = head.split('\r\n');
  const headers = new Headers();
  for (const line of headerLines) {
    const i = line.indexOf(':');
    headers.append(line.slice(0, i).trim(), line.slice(i + 1).trim());
  }
  const text2 = rest.join('\r\n\r\n');
  let body: unknown = text2;
  try {
    body = JSON.parse(text2);
  } catch {
    /* keep text */
  }
  return { status: Number(statusLine.split(' ')[1]), headers, body, raw };
}
