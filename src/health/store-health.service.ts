import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { withTimeout } from '../cloud/driver/with-timeout';
import type { HealthSettings } from '../config/settings.schema';
import { STATE_STORE } from '../store/state-store';
import type { StateStore } from '../store/state-store';

/** The state store's health as readiness reports it (terminus' `details.store`). */
export interface StoreVerdict {
  status: 'up' | 'down';
  dialect: string;
  /** Why it is down: `unreachable: …`, or that no check has finished for too long. */
  error?: string;
}

/**
 * Checks the state store in the background (a trivial query every `health.storeCheckIntervalMs`,
 * bounded by `health.storeCheckTimeoutMs`) and keeps the last verdict, so readiness probes cost no
 * query: kubelets and load balancers probe every replica every few seconds, and a query per probe
 * made /health/ready five times dearer than the answer itself. The verdict is never older than
 * interval + timeout: a check that has not finished by then counts as a failure, so readiness turns
 * 503 within that bound of the store going away.
 */
@Injectable()
export class StoreHealthService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly settings: HealthSettings;
  private last: StoreVerdict;
  private checkedAt = 0;
  private running?: Promise<void>;
  private timer?: NodeJS.Timeout;

  constructor(
    @Inject(STATE_STORE) private readonly store: StateStore,
    @Inject(ConfigService) config: ConfigService,
  ) {
    this.settings = config.getOrThrow('settings').health;
    this.last = { status: 'down', dialect: store.dialect, error: 'not checked yet' };
  }

  /** The first verdict before the app counts as bootstrapped, then one per interval. */
  async onApplicationBootstrap(): Promise<void> {
    await this.check();
    this.timer = setInterval(() => void this.check(), this.settings.storeCheckIntervalMs);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** The last verdict, or down when no check has finished within interval + timeout. */
  get verdict(): StoreVerdict {
    const bound = this.settings.storeCheckIntervalMs + this.settings.storeCheckTimeoutMs;
    const age = performance.now() - this.checkedAt;
    if (this.checkedAt && age > bound) {
      return { status: 'down', dialect: this.store.dialect, error: `no check finished for ${Math.round(age)} ms` };
    }
    return this.last;
  }

  /** Asks the store now (one check at a time; a caller during a check waits for that one). */
  check(): Promise<void> {
    this.running ??= this.ping().finally(() => (this.running = undefined));
    return this.running;
  }

  private async ping(): Promise<void> {
    const ms = this.settings.storeCheckTimeoutMs;
    const dialect = this.store.dialect;
    try {
      await withTimeout(this.store.ping(), ms, () => new Error(`no answer within ${ms} ms`));
      this.last = { status: 'up', dialect };
    } catch (error) {
      this.last = { status: 'down', dialect, error: `unreachable: ${(error as Error).message}` };
    }
    this.checkedAt = performance.now();
  }
}
