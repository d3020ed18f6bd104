import { Writable } from 'node:stream';
import pino from 'pino';
import { censorSecrets, pinoOptionsFor } from './logging';

/** A logger with the service's options writing JSON lines into an array. */
function capture(): { logger: pino.Logger; lines: Array<Record<string, any>> } {
  const lines: Array<Record<string, any>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: pino({ ...pinoOptionsFor(), level: 'info' }, sink), lines };
}

describe('log redaction', () => {
  it('censors every secret-named field one level down in a log object, and nothing else', () => {
    const { logger, lines } = capture();
    const fields = ['password', 'token', 'apiKey', 'key', 'secret', 'authorization'];
    for (const field of fields) {
      logger.info({ cloud: { name: 'c1', [field]: 'hunter2' }, other: 'kept', [field]: 'top' }, 'line');
    }
    expect(lines).toHaveLength(fields.length);
    for (const line of lines) expect(JSON.stringify(line)).not.toContain('hunter2');
    expect(lines[0]).toMatchObject({ cloud: { name: 'c1', password: '[redacted]' }, other: 'kept', password: 'top' });
    expect(lines[5]).toMatchObject({ cloud: { name: 'c1', authorization: '[redacted]' } });
  });

  it("censors an error's secret fields and keeps its message, type and stack", () => {
    const { logger, lines } = capture();
    const error = Object.assign(new TypeError('login failed'), { token: 'hunter2', status: 401 });
    logger.error({ err: error }, 'failed');
    expect(lines[0].err).toMatchObject({
      type: 'TypeError',
      message: 'login failed',
      token: '[redacted]',
      status: 401,
    });
    expect(lines[0].err.stack).toContain('login failed');
    expect(error.token).toBe('hunter2'); // the caller's object is not changed
  });

  it("writes a request as its method and path only, never its headers or query (pino-http's binding)", () => {
    const { logger, lines } = capture();
    const headers = { authorization: 'Bearer hunter2', 'x-api-key': 'hunter2', cookie: 'sid=hunter2' };
    logger.child({ req: { method: 'GET', url: '/api/v1/nodes?token=hunter2', headers } }).info('request');
    expect(lines[0].req).toEqual({ method: 'GET', url: '/api/v1/nodes' });
    expect(JSON.stringify(lines[0])).not.toContain('hunter2');
  });

  it('leaves objects without secrets as they are (same object, no copy)', () => {
    const line = { requestId: 'r1', status: 200, cloud: { name: 'c1' }, ips: ['192.0.2.1'] };
    expect(censorSecrets(line)).toBe(line);
    const withSecret = { cloud: { name: 'c1', key: 'k' } };
    const censored = censorSecrets(withSecret);
    expect(censored).toEqual({ cloud: { name: 'c1', key: '[redacted]' } });
    expect(withSecret.cloud.key).toBe('k');
  });
});
