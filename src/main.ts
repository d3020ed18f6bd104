import { Logger } from '@nestjs/common';
import { createApp } from './app.factory';
import { ConfigError } from './config/config-error';
import { ReadinessService } from './health/readiness.service';

async function main(): Promise<void> {
  const started = performance.now();
  const logger = new Logger('Main');
  const app = await createApp();
  app.enableShutdownHooks();
  const readiness = app.get(ReadinessService);
  process.once('SIGTERM', () => readiness.markStopping());

  const port = Number(process.env.PORT ?? 3000);
  const host = process.env.HOST ?? '127.0.0.1';
  await app.listen(port, host);
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  logger.log(`listening on ${url} (API ${url}/api/v1, Swagger UI ${url}/docs) after ${Math.round(performance.now() - started)} ms`);
}

main().catch((error: unknown) => {
  // A configuration mistake is the operator's to fix: say what it is, without a stack trace.
  if (error instanceof ConfigError) {
    process.stderr.write(`cloud-orchestrator: ${error.message}\n`);
  } else {
    process.stderr.write(`cloud-orchestrator failed to start: ${(error as Error)?.stack ?? String(error)}\n`);
  }
  process.exit(1);
});
