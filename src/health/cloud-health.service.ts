import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { HEALTH_CHECK } from '../cloud/background-operations';
import { ConfigService } from '@nestjs/config';
import { CircuitStatus, CloudHandle } from '../cloud/cloud-handle';
import { CloudRegistry } from '../cloud/cloud-registry';
import { CloudError } from '../cloud/driver/cloud-error';
import { withTimeout } from '../cloud/driver/with-timeout';
import type { HealthSettings } from '../config/settings.schema';
import { MetricsService } from '../observability/metrics.service';

export interface CloudHealth {
  cloud: string;
  engine: string;
  status: 'up' | 'down' | 'unknown';
  latencyMs: number | null;
  checkedAt: string | null;
  error?: { kind: string; detail: string };
  /** The cloud's circuit breaker now: `open` means calls fail fast with 503 until a trial call succeeds. */
  circuit: CircuitStatus;
}

/**
 * Checks every cloud in the background with a cheap authenticated call, and serves the last results,
 * so dashboards never wait on a cloud and probes never depend on one.
 */
@Injectable()
export class CloudHealthService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('CloudHealth');
  private readonly results = new Map<string, CloudHealth>();
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private readonly settings: HealthSettings;

  constructor(
    private readonly clouds: CloudRegistry,
    private readonly metrics: MetricsService,
    @Inject(ConfigService) config: ConfigService,
  ) {
    this.settings = config.getOrThrow('settings').health;
  }

  onApplicationBootstrap(): void {
    for (const cloud of this.clouds.list()) {
      this.results.set(cloud.name, {
        cloud: cloud.name,
        engine: cloud.engine,
        status: 'unknown',
        latencyMs: null,
        checkedAt: null,
        circuit: cloud.circuit,
      });
    }
    void this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.settings.cloudCheckIntervalMs);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** Checks all clouds now (one round at a time; a caller during a round waits for that round). */
  refresh(): Promise<void> {
    this.running ??= Promise.all(this.clouds.list().map((cloud) => this.check(cloud)))
      .then(
        () => undefined,
        () => undefined,
      )
      .finally(() => (this.running = undefined));
    return this.running;
  }

  snapshot(): { status: 'ok' | 'degraded'; clouds: CloudHealth[] } {
    const clouds = [...this.results.values()].map((r) => ({
      ...r,
      circuit: this.clouds.get(r.cloud)?.circuit ?? r.circuit,
    }));
    return { status: clouds.every((c) => c.status === 'up') ? 'ok' : 'degraded', clouds };
  }

  private async check(cloud: CloudHandle): Promise<void> {
    const started = performance.now();
    const bound = Math.min(this.settings.cloudCheckTimeoutMs, cloud.timeoutMs);
    const previous = this.results.get(cloud.name)?.status;
    try {
      await withTimeout(
        cloud.read(HEALTH_CHECK, (d) => (d.ping ? d.ping() : d.listNodes({ limit: 1 }).then(() => undefined))),
        bound,
        () => new CloudError('timeout', `health check: no answer within ${bound} ms`),
      );
      this.record(cloud, { status: 'up', latencyMs: Math.round(performance.now() - started) });
    } catch (error) {
      const e = CloudError.is(error) ? error : new CloudError('unavailable', 'health check failed');
      this.record(cloud, {
        status: 'down',
        latencyMs: Math.round(performance.now() - started),
        error: { kind: e.kind, detail: e.message },
      });
    }
    const now = this.results.get(cloud.name)!.status;
    if (previous !== now && previous !== 'unknown') {
      this.logger.warn(
        { cloud: cloud.name, from: previous, to: now },
        `cloud ${cloud.name} is now ${now} (was ${previous})`,
      );
    }
  }

  private record(cloud: CloudHandle, result: Pick<CloudHealth, 'status' | 'latencyMs' | 'error'>): void {
    this.results.set(cloud.name, {
      cloud: cloud.name,
      engine: cloud.engine,
      checkedAt: new Date().toISOString(),
      circuit: cloud.circuit,
      ...result,
    });
    this.metrics.cloudUp.set({ cloud: cloud.name }, result.status === 'up' ? 1 : 0);
  }
}
