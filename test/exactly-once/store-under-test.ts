import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The store the exactly-once suites run on: the PostgreSQL server that test/exactly-once/run-postgres.sh
 * started (TEST_STATE_URL), otherwise a real SQLite file in a fresh temporary folder.
 */
export function storeUnderTest(): { state: { path: string } | { url: string }; label: string; cleanup(): void } {
  if (process.env.TEST_STATE_URL)
    return { state: { url: process.env.TEST_STATE_URL }, label: 'PostgreSQL', cleanup: () => undefined };
  const dir = mkdtempSync(join(tmpdir(), 'co-state-'));
  return {
    state: { path: join(dir, 'state.db') },
    label: 'SQLite file',
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
