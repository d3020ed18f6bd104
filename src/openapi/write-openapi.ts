import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createApp } from '../app.factory';
import { buildOpenApi } from './openapi';

/**
 * Writes the committed openapi.json from the code (npm run openapi). Clients are generated from that
 * file, so a test fails whenever the code and the file disagree. Uses the shipped default config.
 */
export async function main(): Promise<void> {
  const app = await createApp({ settings: { clouds: { default: { engine: 'dummy' } } }, logger: false });
  await app.init();
  const file = join(process.cwd(), 'openapi.json');
  writeFileSync(file, `${JSON.stringify(buildOpenApi(app), null, 2)}\n`);
  await app.close();
  process.stdout.write(`wrote ${file}\n`);
}

if (require.main === module) void main();
