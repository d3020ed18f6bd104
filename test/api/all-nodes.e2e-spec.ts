import { call, startApp, TestApp } from '../support/app';
import { expectProblem } from '../support/problem';

describe('nodes of every cloud, and a slow cloud', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startApp({
      clouds: {
        default: { engine: 'dummy', extraParams: { nodes: 2 } },
        eu: { engine: 'dummy', extraParams: { nodes: 3 } },
        // Answers after 10 s but is given 150 ms: it must time out without holding the others back.
        slow: { engine: 'dummy', timeoutMs: 150, extraParams: { nodes: 1, latencyMs: 10_000 } },
      },
    });
  });
  afterAll(() => t.close());

  it('merges the clouds that answer and reports the one that does not', async () => {
    const started = performance.now();
    const res = await call(t.url, 'GET', '/api/v1/nodes');
    const elapsed = performance.now() - started;
    expect(res.status).toBe(200);
    expect(res.body.items.map((n: any) => `${n.cloud}/${n.name}`).sort()).toEqual([
      'default/demo-1',
      'default/demo-2',
      'eu/demo-1',
      'eu/demo-2',
      'eu/demo-3',
    ]);
    expect(res.body.errors).toEqual([
      {
        cloud: 'slow',
        status: 504,
        title: 'Cloud timed out',
        detail: expect.stringMatching(/^cloud "slow": .*no answer within 150 ms/),
      },
    ]);
    // Bounded by the slow cloud's timeout, far below its 10 s answer.
    expect(elapsed).toBeLessThan(5000);
  });

  it('answers 504 with the cloud named when one cloud times out, and the others still work', async () => {
    const problem = expectProblem(await call(t.url, 'GET', '/api/v1/clouds/slow/sizes'), 504, /cloud "slow"/);
    expect(problem).toMatchObject({ cloud: 'slow', title: 'Cloud timed out' });
    expect((await call(t.url, 'GET', '/api/v1/clouds/eu/sizes')).status).toBe(200);
  });
});
