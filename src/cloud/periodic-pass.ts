import type { Logger } from '@nestjs/common';
import { runDetached } from './call-scope';

/**
 * A background pass repeated every `intervalMs` (the operation watcher, the node-set runner, the
 * refresh of the running-operations index): one pass at a time, the next one `intervalMs` after the
 * last one ended, each run detached from any request (a pass started by a handler must not run under
 * that request's signal), a failing pass logged as a warning and the loop kept going, and the timer
 * unref'd so it never holds the process open.
 *
 * `wake()` asks for a pass now: at once when none is running, otherwise right after the one running
 * (never two at a time, never a second timer chain beside the first).
 */
export class PeriodicPass {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private again = false;
  private stopped = false;

  /** `failure` names the pass in the warning: `${failure}: ${error message}`. */
  constructor(
    private readonly pass: () => Promise<void>,
    private readonly intervalMs: number,
    private readonly logger: Logger,
    private readonly failure: string,
  ) {}

  /** The first pass, at once. */
  start(): void {
    this.schedule(0);
  }

  /** A pass as soon as possible: now when idle, right after the current one otherwise. */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    clearTimeout(this.timer);
    this.schedule(0);
  }

  /** No pass starts any more; resolves once the one running, if any, has ended. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = runDetached(() => setTimeout(() => this.run(), delayMs));
    this.timer.unref();
  }

  private run(): void {
    this.running = this.pass()
      .catch((error: unknown) =>
        this.logger.warn(`${this.failure}: ${error instanceof Error ? error.message : String(error)}`),
      )
      .finally(() => {
        this.running = undefined;
        const delayMs = this.again ? 0 : this.intervalMs;
        this.again = false;
        this.schedule(delayMs);
      });
  }
}
