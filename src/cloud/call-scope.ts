import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * What one cloud call knows about itself while it runs, carried with the async context so the
 * transport under any driver can see it without every driver method taking extra parameters.
 */
export interface CallScope {
  /** Aborted at the call's deadline or when the caller gave up: nothing may be sent after that. */
  signal: AbortSignal;
  /** Set by a transport that reports its requests; without it, nothing is known of what was sent. */
  tracked: boolean;
  /** Requests that changed or may change the cloud (not GET/HEAD), written to a socket and not answered yet. */
  unansweredWrites: number;
}

const calls = new AsyncLocalStorage<CallScope>();
const callers = new AsyncLocalStorage<AbortSignal>();

/** Runs `work` as one cloud call with this scope (CloudHandle does this for every call). */
export function runInCallScope<T>(scope: CallScope, work: () => T): T {
  return calls.run(scope, work);
}

/** The scope of the cloud call running now, if any (read by transports). */
export function currentCallScope(): CallScope | undefined {
  return calls.getStore();
}

/**
 * Runs `work` on behalf of a caller that may give up (an HTTP request whose client went away): cloud
 * calls started inside it are aborted with that signal as well as at their own deadline.
 */
export function runForCaller<T>(signal: AbortSignal, work: () => T): T {
  return callers.run(signal, work);
}

export function currentCallerSignal(): AbortSignal | undefined {
  return callers.getStore();
}

/**
 * Runs `work` on behalf of no caller: work that several callers share (a single-flight read) or that
 * outlives the request that started it (a background pass scheduled from a handler) must not stop
 * because that one request's client went away. Its cloud calls keep their own deadlines.
 */
export function runDetached<T>(work: () => T): T {
  return callers.exit(work);
}
