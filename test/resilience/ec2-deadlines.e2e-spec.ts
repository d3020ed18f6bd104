import { setTimeout as sleep } from 'node:timers/promises';
import { call, ONE_ANSWER_PER_CALL, startApp, TestApp, waitFor } from '../support/app';
import { Exchange, FixtureServer, RecordedRequest } from '../support/fixture-server';
import { expectProblem } from '../support/problem';
import { openFds } from './fake-openstack';

/**
 * Deadlines down to the socket on EC2 (aws-sdk v2 under pkgcloud's amazon client), against a hung
 * EC2 Query API endpoint on loopback: a request queued behind the driver's socket pool is never sent
 * after its call's deadline, one in flight is aborted with its socket, and only a write that really
 * went out is reported "outcome unknown".
 */
describe('EC2 calls end at their deadline, queued or in flight (hung EC2 on loopback)', () => {
  let fx: FixtureServer;
  let t: TestApp;
  const ec2 = (action: string, answer: Partial<Exchange>): Exchange => ({
    name: action,
    method: 'POST',
    path: '/',
    when: (req) => req.form?.get('Action') === action,
    ...answer,
  });
  const runInstances = () => fx.received('POST', '/').filter((r) => r.form?.get('Action') === 'RunInstances');
  const nameOf = (req: RecordedRequest) =>
    [...(req.form?.entries() ?? [])].find(([k]) => /^TagSpecification\.1\.Tag\.\d+\.Value$/.test(k))?.[1];

  beforeAll(async () => {
    fx = await FixtureServer.start();
    fx.on(
      ec2('DescribeAvailabilityZones', {
        body: '<DescribeAvailabilityZonesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><availabilityZoneInfo/></DescribeAvailabilityZonesResponse>',
      }),
    );
    const cloud = (timeoutMs: number) => ({
      engine: 'amazon',
      user: 'AKIAIOSFODNN7EXAMPLE',
      password: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYzSECRETKEY',
      timeoutMs,
      catalogTtlMs: 0,
      resilience: ONE_ANSWER_PER_CALL,
      extraParams: { region: 'eu-west-1', endpoint: fx.url },
    });
    // Health checks (DescribeAvailabilityZones) answer; launches and listings hang.
    t = await startApp({
      health: { cloudCheckIntervalMs: 3_600_000 },
      rateLimit: { enabled: false },
      clouds: {
        default: { engine: 'dummy', default: true, extraParams: { nodes: 1, transitionMs: 20 } },
        ec2ghost: cloud(800),
        ec2leave: cloud(20_000),
      },
    });
    fx.on(ec2('RunInstances', { hang: true }), ec2('DescribeInstances', { hang: true }));
  });
  afterAll(async () => {
    await fx?.close();
    const started = performance.now();
    await t?.close();
    process.stdout.write(`EC2 deadlines: app.close() took ${Math.round(performance.now() - started)} ms\n`);
  }, 30_000);

  it('60 concurrent creates against a hung EC2: none is sent after its deadline, and a plain timeout was never sent', async () => {
    const names = Array.from({ length: 60 }, (_, i) => `ec2ghost-${i}`);
    const answers = await Promise.all(
      names.map(async (name) => ({
        name,
        answer: await call(t.url, 'POST', '/api/v1/clouds/ec2ghost/nodes', { name, image: 'ami-1', size: 't3.micro' }),
      })),
    );
    const unknown: string[] = [];
    const timedOut: string[] = [];
    for (const { name, answer } of answers) {
      const problem = expectProblem(answer, 504);
      if (problem.type === 'urn:cloud-orchestrator:problem:cloud-outcome-unknown') unknown.push(name);
      else if (problem.type === 'urn:cloud-orchestrator:problem:cloud-timeout') timedOut.push(name);
    }
    expect(unknown.length + timedOut.length).toBe(60);
    // Bytes already written are still being read by the fixture (same process): let it catch up. Then
    // wait past the socket timeout, when the aws-sdk would have sent what was queued behind the pool.
    await sleep(300);
    const receivedByDeadline = runInstances().length;
    await sleep(1_500);
    const received = runInstances().map(nameOf);
    expect(received.length).toBe(receivedByDeadline);
    // What the service answered as a plain timeout never reached the cloud.
    expect(received.filter((n) => timedOut.includes(String(n)))).toEqual([]);
    process.stdout.write(
      `EC2 fault 1: 60 creates -> ${unknown.length} outcome-unknown, ${timedOut.length} timeout; ` +
        `${received.length} reached EC2, none after the deadline\n`,
    );
  }, 20_000);

  it('callers that leave end their EC2 calls at once: queued writes are never sent, even once EC2 recovers, and sockets are destroyed (fds back to baseline)', async () => {
    await sleep(200);
    const baseline = openFds();
    const launched = runInstances().length;
    const callers = Array.from({ length: 60 }, () => new AbortController());
    const leaving = callers.map((controller, i) =>
      fetch(`${t.url}/api/v1/clouds/ec2leave/nodes`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: `ec2leave-${i}`, image: 'ami-1', size: 't3.micro' }),
        signal: controller.signal,
      }).catch(() => undefined),
    );
    // The driver's pool (32 sockets) is full of hung launches; the rest wait in its queue.
    await waitFor(async () => runInstances().length >= launched + 32, 10_000, 20);
    await sleep(200);
    const sent = runInstances().length - launched;
    const during = openFds();
    // Callers still queued leave first (the server sees each close on its own), then the rest: a
    // socket freed by one caller leaving must not carry the launch of a caller that is gone.
    const inFlight = new Set(runInstances().map(nameOf));
    callers.forEach((controller, i) => inFlight.has(`ec2leave-${i}`) || controller.abort());
    await sleep(300);
    for (const controller of callers) controller.abort();
    await Promise.all(leaving);
    // The cloud's socket timeout is 20 s: only the abort can free these sockets this soon.
    const after = await waitFor(
      async () => {
        const n = openFds();
        return n <= baseline + 4 ? n : undefined;
      },
      5_000,
      50,
    );
    // EC2 recovers and answers what it holds: a socket freed now must not carry a queued launch.
    fx.releaseHung(500);
    await sleep(1_000);
    const sentInAll = runInstances().length - launched;
    process.stdout.write(
      `EC2 callers gone: 60 launches, ${sent} sent before the callers left, ${sentInAll} in all; ` +
        `fds baseline ${baseline}, during ${during}, after ${after}\n`,
    );
    expect(sent).toBe(32);
    expect(sentInAll).toBe(sent);
    expect(during).toBeGreaterThan(baseline + 32);
  }, 30_000);
});
