import {
  BrokenCircuitError,
  circuitBreaker,
  CircuitBreakerPolicy,
  CircuitState,
  ConsecutiveBreaker,
  ExponentialBackoff,
  handleWhen,
  retry,
  RetryPolicy,
} from 'cockatiel';
import { CallScope, currentCallerSignal, runInCallScope } from './call-scope';
import { Backoff } from './driver/backoff';
import { CloudError, CloudErrorKind } from './driver/cloud-error';
import type { ComputeDriver } from './driver/compute-driver';

export interface CloudCallEvent {
  cloud: string;
  operation: string;
  durationMs: number;
  /** `cancelled`: the caller went away before the answer, so the call was abandoned (not the cloud's fault). */
  outcome: 'ok' | 'cancelled' | CloudError['kind'];
}

/** How a cloud is protected from overload and how it protects callers from its own failures. */
export interface CloudCallPolicy {
  /** Consecutive failures (timeouts, 5xx, unreadable answers, rejected logins) that open the circuit. */
  consecutiveFailures: number;
  /** How long an open circuit fails calls fast before letting one trial call through (half-open). */
  halfOpenAfterMs: number;
  /** Extra attempts for a read that failed transiently, with jittered exponential backoff; writes get none. */
  readRetries: number;
  /** First wait before a read is retried; grows exponentially with decorrelated jitter. */
  retryDelayMs: number;
  /** First pause after a failed login before the next one may start; doubles up to halfOpenAfterMs. */
  loginBackoffMs: number;
}

export const DEFAULT_CALL_POLICY: CloudCallPolicy = {
  consecutiveFailures: 5,
  halfOpenAfterMs: 30_000,
  readRetries: 2,
  retryDelayMs: 100,
  loginBackoffMs: 1_000,
};

export type CircuitStatus = 'closed' | 'open' | 'half-open';

/** Failures that say something about the cloud's health (not about the request) and feed the breaker. */
const CLOUD_FAULTS = new Set<CloudErrorKind>(['timeout', 'unavailable', 'outcome_unknown', 'auth_failed']);
/** Failures a read may be retried after: the request surely did no harm, and another try may work. */
const TRANSIENT = new Set<CloudErrorKind>(['unavailable']);

/**
 * One configured cloud: its driver, connected once and shared. Every call goes through `call` (or
 * `read`), which:
 * - gives the call a deadline (the cloud's timeoutMs) as an AbortSignal, joined with the caller's own
 *   signal (an HTTP request whose client left), visible to the transport through the call scope, so
 *   no request leaves after it and in-flight ones are torn down;
 * - runs it through this cloud's circuit breaker (cockatiel): after `consecutiveFailures` cloud
 *   faults it fails fast with `circuit_open` (503 + Retry-After) until a half-open trial succeeds;
 * - retries reads, never writes, after transient failures with jittered backoff inside the deadline;
 * - logs in single-flight (concurrent callers share one login) with exponential backoff after a
 *   failed login, so a broken identity service is not hammered once per request;
 * - says `outcome_unknown` instead of `timeout` when a write was sent and never answered;
 * - turns anything unexpected into a CloudError that names this cloud.
 */
export class CloudHandle {
  private connecting?: Promise<void>;
  private readonly loginBackoff: Backoff;
  private lastLoginError?: CloudError;
  private readonly breaker: CircuitBreakerPolicy;
  private readonly retries: RetryPolicy;
  private openedAt = 0;
  private lastFault?: CloudError;
  readonly policy: CloudCallPolicy;

  constructor(
    readonly name: string,
    readonly engine: string,
    readonly provider: string,
    readonly isDefault: boolean,
    readonly driver: ComputeDriver,
    readonly timeoutMs: number,
    private readonly observe: (event: CloudCallEvent) => void = () => {},
    policy: Partial<CloudCallPolicy> = {},
  ) {
    this.policy = { ...DEFAULT_CALL_POLICY, ...policy };
    this.loginBackoff = new Backoff(this.policy.loginBackoffMs, this.policy.halfOpenAfterMs);
    this.breaker = circuitBreaker(
      handleWhen((e) => CloudError.is(e) && CLOUD_FAULTS.has(e.kind) && !e.options.callerGaveUp),
      {
        halfOpenAfter: this.policy.halfOpenAfterMs,
        breaker: new ConsecutiveBreaker(this.policy.consecutiveFailures),
      },
    );
    this.breaker.onBreak(() => (this.openedAt = Date.now()));
    // A failed login is not retried here: its backoff already decides when the next one may run.
    this.retries = retry(
      handleWhen((e) => CloudError.is(e) && TRANSIENT.has(e.kind) && e !== this.lastLoginError),
      {
        maxAttempts: this.policy.readRetries,
        backoff: new ExponentialBackoff({ initialDelay: this.policy.retryDelayMs, maxDelay: this.timeoutMs }),
      },
    );
  }

  /** The breaker's state, for /health/clouds and metrics. */
  get circuit(): CircuitStatus {
    switch (this.breaker.state) {
      case CircuitState.Closed:
        return 'closed';
      case CircuitState.HalfOpen:
        return 'half-open';
      default:
        return 'open';
    }
  }

  /** A call that changes the cloud: bounded, guarded by the breaker, never retried. */
  call<T>(operation: string, work: (driver: ComputeDriver) => Promise<T>): Promise<T> {
    return this.run(operation, work, 'write');
  }

  /** A call that only reads: like `call`, and retried after transient failures while its deadline allows. */
  read<T>(operation: string, work: (driver: ComputeDriver) => Promise<T>): Promise<T> {
    return this.run(operation, work, 'read');
  }

  private async run<T>(
    operation: string,
    work: (driver: ComputeDriver) => Promise<T>,
    kind: 'read' | 'write',
  ): Promise<T> {
    const started = performance.now();
    const deadline = new Deadline(this.timeoutMs, currentCallerSignal());
    try {
      const attempt = () => this.attempt(operation, work, deadline, kind);
      const result = await (kind === 'read' && this.policy.readRetries > 0
        ? this.retries.execute(() => attempt(), deadline.signal)
        : attempt());
      this.observe({ cloud: this.name, operation, durationMs: performance.now() - started, outcome: 'ok' });
      return result;
    } catch (error) {
      const cloudError = this.asCloudError(error, operation);
      const outcome = cloudError.options.callerGaveUp ? 'cancelled' : cloudError.kind;
      this.observe({ cloud: this.name, operation, durationMs: performance.now() - started, outcome });
      throw cloudError;
    } finally {
      deadline.dispose();
    }
  }

  /** One attempt through the breaker, raced against the deadline (the transport aborts on the same signal). */
  private async attempt<T>(
    operation: string,
    work: (driver: ComputeDriver) => Promise<T>,
    deadline: Deadline,
    kind: 'read' | 'write',
  ): Promise<T> {
    try {
      return await this.breaker.execute(() => {
        const scope: CallScope = { signal: deadline.signal, tracked: false, unansweredWrites: 0 };
        const running = runInCallScope(scope, () => this.connected().then(() => work(this.driver)));
        return deadline.race(running, () => this.expired(operation, scope, deadline, kind));
      });
    } catch (error) {
      if (error instanceof BrokenCircuitError) throw this.circuitOpen(operation);
      const cloudError = this.asCloudError(error, operation);
      if (CLOUD_FAULTS.has(cloudError.kind)) this.lastFault = cloudError;
      throw cloudError;
    }
  }

  /** Why the deadline ended the call: the caller left, a write's fate is unknown, or a plain timeout. */
  private expired(operation: string, scope: CallScope, deadline: Deadline, kind: 'read' | 'write'): CloudError {
    if (deadline.callerGaveUp) {
      return new CloudError('timeout', `${operation}: abandoned because the caller went away`, { callerGaveUp: true });
    }
    // A transport that tracks requests knows whether a write went out; without one, assume it may have.
    if (scope.unansweredWrites > 0 || (!scope.tracked && kind === 'write')) {
      return new CloudError(
        'outcome_unknown',
        `${operation}: the request was sent but the cloud did not answer within ${this.timeoutMs} ms; ` +
          'it may or may not have taken effect, so check before repeating it',
      );
    }
    return new CloudError('timeout', `${operation}: no answer within ${this.timeoutMs} ms`);
  }

  private circuitOpen(operation: string): CloudError {
    const remainingMs = Math.max(0, this.openedAt + this.policy.halfOpenAfterMs - Date.now());
    const last = this.lastFault ? ` (last: ${this.lastFault.message})` : '';
    return new CloudError(
      'circuit_open',
      `${operation}: not attempted, the cloud failed ${this.policy.consecutiveFailures} times in a row${last}; ` +
        'calls resume after a successful trial',
      { retryAfterSeconds: Math.max(1, Math.ceil(remainingMs / 1000)) },
    );
  }

  /**
   * The shared login. One login runs at a time for all callers, under its own deadline (not a
   * caller's, since others share it). After a failure, logins pause with exponential backoff and
   * callers meanwhile get the last login error at once.
   */
  private connected(): Promise<void> {
    if (this.connecting) return this.connecting;
    if (this.loginBackoff.active && this.lastLoginError) {
      return Promise.reject(this.lastLoginError);
    }
    const login = new Deadline(this.timeoutMs);
    const scope: CallScope = { signal: login.signal, tracked: false, unansweredWrites: 0 };
    const attempt: Promise<void> = login
      .race(
        runInCallScope(scope, () => this.driver.connect()),
        () => new CloudError('timeout', `log in: no answer within ${this.timeoutMs} ms`),
      )
      .finally(() => login.dispose())
      .then(
        () => this.loginBackoff.succeeded(),
        (error: unknown) => {
          // A failed login is forgotten so a later call tries again, but not at once.
          if (this.connecting === attempt) this.connecting = undefined;
          this.loginBackoff.failed();
          this.lastLoginError = this.asCloudError(error, 'log in');
          throw this.lastLoginError;
        },
      );
    this.connecting = attempt;
    return attempt;
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
    return cloudError;
  }
}

/**
 * A call's deadline as an AbortSignal: aborted after `ms`, or as soon as the caller's own signal
 * aborts. Listeners and the timer are released by `dispose`, so long-lived caller signals leak nothing.
 */
class Deadline {
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;
  callerGaveUp = false;
  private readonly onCallerAbort = () => {
    this.callerGaveUp = true;
    this.controller.abort();
  };

  constructor(
    ms: number,
    private readonly caller?: AbortSignal,
  ) {
    this.timer = setTimeout(() => this.controller.abort(), ms);
    this.timer.unref();
    if (caller?.aborted) this.onCallerAbort();
    else caller?.addEventListener('abort', this.onCallerAbort, { once: true });
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Settles with `work`, or rejects with `onExpiry()` once the signal aborts, whichever comes first. */
  race<T>(work: Promise<T>, onExpiry: () => Error): Promise<T> {
    const signal = this.controller.signal;
    if (signal.aborted) {
      work.catch(() => {});
      return Promise.reject(onExpiry());
    }
    let onAbort = () => {};
    const expiry = new Promise<never>((_, reject) => {
      onAbort = () => reject(onExpiry());
      signal.addEventListener('abort', onAbort, { once: true });
    });
    return Promise.race([work, expiry]).finally(() => signal.removeEventListener('abort', onAbort));
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.caller?.removeEventListener('abort', this.onCallerAbort);
  }
}
