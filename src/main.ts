import { Logger } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { createApp } from './app.factory';
import { ConfigError } from './config/config-error';
import { loadSettings } from './config/settings.loader';
import { ReadinessService } from './health/readiness.service';
import { checkExposure } from './security/exposure';
import { releaseBootMemory } from './boot-memory';

async function main(): Promise<void> {
  const started = performance.now();
  const port = Number(process.env.PORT ?? 3000);
  const host = process.env.HOST ?? '127.0.0.1';
  const settings = loadSettings();
  const warning = checkExposure(host, settings.auth); // refuses to run open off loopback

  const app = await createApp({ settings });
  const logger = new Logger('Main');
  if (warning) logger.warn(warning);
  const readiness = app.get(ReadinessService);

  // SIGTERM: readiness says 503 at once; keep serving for shutdownDelayMs so load balancers stop
  // sending; then stop accepting, let in-flight requests finish (bounded), and exit 0.
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    readiness.markStopping();
    logger.log(
      `${signal}: draining (delay ${settings.http.shutdownDelayMs} ms, bound ${settings.http.shutdownTimeoutMs} ms)`,
    );
    const force = setTimeout(() => {
      logger.error(`in-flight requests still running after ${settings.http.shutdownTimeoutMs} ms; exiting`);
      process.exit(1);
    }, settings.http.shutdownDelayMs + settings.http.shutdownTimeoutMs);
    force.unref();
    await sleep(settings.http.shutdownDelayMs);
    await app.close();
    logger.log('stopped');
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));

  releaseBootMemory(); // start-up's garbage, before the first request (see boot-memory.ts)
  await app.listen(port, host);
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  logger.log(
    `listening on ${url} (API ${url}/api/v1, Swagger UI ${url}/docs) after ${Math.round(performance.now() - started)} ms`,
  );
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
