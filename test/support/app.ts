import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp, CreateAppOptions } from '../../src/app.factory';

export interface TestApp {
  app: NestFastifyApplication;
  /** e.g. http://127.0.0.1:41234 */
  url: string;
  close(): Promise<void>;
}

/**
 * The state store tests use unless they name one: TEST_STATE_URL (the PostgreSQL the store suite's
 * script starts), else a private in-memory SQLite database per app.
 */
export function testState(): { path: string } | { url: string } {
  return process.env.TEST_STATE_URL ? { url: process.env.TEST_STATE_URL } : { path: ':memory:' };
}

/** Boots the real application on an ephemeral loopback port, with the given settings object. */
export async function startApp(settings: unknown, options: Omit<CreateAppOptions, 'settings'> = {}): Promise<TestApp> {
  // Suites that do not configure operations keep the watcher quiet, so their fixture clouds see only
  // the requests the suite itself causes.
  const withState =
    settings && typeof settings === 'object'
      ? {
          ...('state' in settings ? {} : { state: testState() }),
          ...('operations' in settings ? {} : { operations: { pollIntervalMs: 600_000 } }),
          ...settings,
        }
      : settings;
  const app = await createApp({ settings: withState, logger: false, ...options });
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { app, url: `http://127.0.0.1:${port}`, close: () => app.close() };
}

/** fetch + JSON, returning status, headers and the parsed body (or text when not JSON). */
export async function call(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; body: any }> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON: keep the text */
  }
  return { status: response.status, headers: response.headers, body: parsed };
}

/** Polls until `check` returns a truthy value or the time runs out. */
export async function waitFor<T>(
  check: () => Promise<T | undefined | false>,
  timeoutMs = 10_000,
  everyMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/**
 * For suites that check one provider answer per test (driver mappings): no circuit breaker, no read
 * retries, no login backoff, so one test's failures cannot change the next test's answer. Those
 * behaviours have their own suite (test/resilience).
 */
export const ONE_ANSWER_PER_CALL = { consecutiveFailures: 1000, readRetries: 0, loginBackoffMs: 1 };
