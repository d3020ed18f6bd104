import { CloudError } from './driver/cloud-error';
import type { ComputeDriver } from './driver/compute-driver';
import { withTimeout } from './driver/with-timeout';

export interface CloudCallEvent {
  cloud: string;
  operation: string;
  durationMs: number;
  outcome: 'ok' | CloudError['kind'];
}

/**
 * One configured cloud: its driver, connected once and shared. Every call goes through `call`, which
 * connects if needed (concurrent callers share one login; a failed login lets the next call retry),
 * bounds the whole call by the cloud's timeout, and turns anything unexpected into a CloudError
 * that names this cloud.
 */
export class CloudHandle {
  private connecting?: Promise<void>;

  constructor(
    readonly name: string,
    readonly engine: string,
    readonly provider: string,
    readonly isDefault: boolean,
    readonly driver: ComputeDriver,
    readonly timeoutMs: number,
    private readonly observe: (event: CloudCallEvent) => void = () => {},
  ) {}

  async call<T>(operation: string, work: (driver: ComputeDriver) => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      const result = await withTimeout(
        this.connected().then(() => work(this.driver)),
        this.timeoutMs,
        () => new CloudError('timeout', `${operation}: no answer within ${this.timeoutMs} ms`),
      );
      this.observe({ cloud: this.name, operation, durationMs: performance.now() - started, outcome: 'ok' });
      return result;
    } catch (error) {
      const cloudError = this.asCloudError(error, operation);
      this.observe({ cloud: this.name, operation, durationMs: performance.now() - started, outcome: cloudError.kind });
      throw cloudError;
    }
  }

  private connected(): Promise<void> {
    if (!this.connecting) {
      const attempt = this.driver.connect();
      this.connecting = attempt;
      // A failed login is forgotten so the next call tries again instead of failing forever.
      attempt.catch(() => {
        if (this.connecting === attempt) this.connecting = undefined;
      });
    }
    return this.connecting;
  }

  /** Forget the login, e.g. when the cloud rejected a token it had issued (drivers may call this). */
  reset(): void {
    this.connecting = undefined;
  }

  private asCloudError(error: unknown, operation: string): CloudError {
    const cloudError = CloudError.is(error)
      ? error
      : new CloudError('unavailable', `${operation}: the driver failed unexpectedly`, { cause: error });
    cloudError.cloud = this.name;
    // A login that timed out must not stay pending for every later caller.
    if (cloudError.kind === 'timeout' || cloudError.kind === 'auth_failed') this.resetIfPending();
    return cloudError;
  }

  private resetIfPending(): void {
    const pending = this.connecting;
    if (!pending) return;
    let settled = false;
    pending.then(
      () => (settled = true),
      () => (settled = true),
    );
    queueMicrotask(() => {
      if (!settled && this.connecting === pending) this.connecting = undefined;
    });
  }
}
