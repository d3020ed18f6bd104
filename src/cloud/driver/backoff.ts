/**
 * Exponential backoff with jitter for "not again yet" decisions (logins after a failure): each
 * failure doubles the pause from `initialMs` up to `maxMs`, drawn from its upper half so that clients
 * that failed together do not retry together; a success resets it. Time only, no timers.
 */
export class Backoff {
  private failures = 0;
  private until = 0;

  constructor(
    private readonly initialMs: number,
    private readonly maxMs: number,
  ) {}

  /** True while the pause after the last failure lasts. */
  get active(): boolean {
    return Date.now() < this.until;
  }

  failed(): void {
    this.failures++;
    const pause = Math.min(this.initialMs * 2 ** (this.failures - 1), this.maxMs);
    this.until = Date.now() + pause * (0.5 + Math.random() / 2);
  }

  succeeded(): void {
    this.failures = 0;
    this.until = 0;
  }
}
