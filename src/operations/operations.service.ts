import { BeforeApplicationShutdown, Inject, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { randomUUID } from 'node:crypto';
import { EventEmitter, on, setMaxListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { ProblemException } from '../api/problem/problem.exception';
import { CloudError } from '../cloud/driver/cloud-error';
import { boundedInteger, CursorScope, CursorSeal } from '../cursors/cursor-seal';
import { DEFAULT_WAIT_TIMEOUT_MS, Settings } from '../config/settings.schema';
import { STATE_STORE } from '../store/state-store';
import type { OperationKind, OperationRecord, OperationState, StateStore } from '../store/state-store';
import { operationView, OperationView } from './operation-view';
import { PendingOperations } from './pending-operations';

/** Longest `?wait=` a caller may ask for, in seconds. */
export const MAX_WAIT_SECONDS = 60;
/** While waiting, the store is re-read this often too: another replica may finish the operation. */
const REREAD_MS = 1_000;

export interface OperationPage {
  items: OperationView[];
  nextCursor?: string;
}

/**
 * Operations (Google AIP-151): every accepted write starts one; the watcher, or the service's own
 * sight of the node (OperationSightings), finishes it. This service creates, reads, lists and waits
 * for them; changes made in this process are announced at once, changes made by another replica are
 * seen within REREAD_MS.
 */
@Injectable()
export class OperationsService implements BeforeApplicationShutdown {
  private readonly changes = new EventEmitter();
  /** The running node operations, by node: what the service's reads are checked against (OperationSightings). */
  readonly pending = new PendingOperations();
  /**
   * Aborted when the application starts closing (after shutdownDelayMs): long polls answer with the
   * operation as it is and event streams end, instead of holding the drain for up to 60 s (or for
   * ever) until shutdownTimeoutMs kills the process and resets them. Callers poll again elsewhere.
   */
  private readonly closing = new AbortController();
  private readonly settings: Settings;

  constructor(
    @Inject(STATE_STORE) private readonly store: StateStore,
    @Inject(ConfigService) config: ConfigService,
    private readonly seal: CursorSeal,
  ) {
    this.settings = config.getOrThrow<Settings>('settings');
    this.changes.setMaxListeners(0);
    setMaxListeners(0, this.closing.signal); // one listener per wait in progress
  }

  /** A new running operation (not yet stored: it is stored with the answer, in one transaction). */
  start(kind: OperationKind, cloud: string, target: string, nodeState: string | null): OperationRecord {
    const now = Date.now();
    const wait = this.settings.clouds[cloud]?.waitTimeoutMs ?? DEFAULT_WAIT_TIMEOUT_MS;
    return {
      id: randomUUID(),
      kind,
      cloud,
      target,
      state: 'running',
      createdAt: now,
      updatedAt: now,
      deadline: now + wait,
      nodeState,
      result: null,
      error: null,
    };
  }

  async get(id: string): Promise<OperationView> {
    return operationView(await this.record(id));
  }

  async list(query: {
    cloud?: string;
    state?: OperationState;
    limit: number;
    cursor?: string;
  }): Promise<OperationPage> {
    const scope: CursorScope = {
      listing: 'operations',
      selection: JSON.stringify([query.cloud ?? null, query.state ?? null]),
    };
    const after = query.cursor ? decodeCursor(this.seal, scope, query.cursor) : undefined;
    const rows = await this.store.listOperations({
      cloud: query.cloud,
      state: query.state,
      limit: query.limit + 1,
      after,
    });
    const items = rows.slice(0, query.limit);
    const last = items[items.length - 1];
    return {
      items: items.map(operationView),
      ...(rows.length > query.limit ? { nextCursor: encodeCursor(this.seal, scope, last.createdAt, last.id) } : {}),
    };
  }

  beforeApplicationShutdown(): void {
    this.closing.abort();
  }

  /** The operation once done, or as it is after `seconds` (long polling) or when the service closes. */
  async wait(id: string, seconds: number, caller?: AbortSignal): Promise<OperationView> {
    const { signal, release } = this.untilClosing(caller);
    try {
      const until = Date.now() + Math.min(seconds, MAX_WAIT_SECONDS) * 1000;
      let op = await this.record(id);
      while (op.state === 'running' && Date.now() < until && !signal.aborted) {
        await this.nextChange(id, Math.min(REREAD_MS, until - Date.now()), signal);
        op = await this.record(id);
      }
      return operationView(op);
    } finally {
      release();
    }
  }

  /** Every new version of the operation, the current one first, until it is done or the service closes. */
  async *watch(id: string, caller: AbortSignal): AsyncGenerator<OperationView> {
    const { signal, release } = this.untilClosing(caller);
    try {
      let op = await this.record(id);
      yield operationView(op);
      while (op.state === 'running' && !signal.aborted) {
        await this.nextChange(id, REREAD_MS, signal);
        const next = await this.record(id);
        if (next.updatedAt !== op.updatedAt || next.state !== op.state) yield operationView(next);
        op = next;
      }
    } finally {
      release();
    }
  }

  /** Called once an operation this process started is in the store (recorded with its write's answer). */
  recorded(op: OperationRecord): void {
    if (op.state === 'running') this.pending.add(op);
  }

  /** Called after this process changed an operation; `done`: it no longer runs, so nothing waits on its node. */
  announce(id: string, done = false): void {
    if (done) this.pending.remove(id);
    this.changes.emit(id);
  }

  /**
   * A signal that fires when the caller goes or the service closes. Listeners rather than
   * AbortSignal.any: each wait's link to the long-lived closing signal is removed by `release`.
   */
  private untilClosing(caller?: AbortSignal): { signal: AbortSignal; release: () => void } {
    const either = new AbortController();
    const abort = () => either.abort();
    if (caller?.aborted || this.closing.signal.aborted) abort();
    caller?.addEventListener('abort', abort, { once: true });
    this.closing.signal.addEventListener('abort', abort, { once: true });
    return {
      signal: either.signal,
      release: () => {
        caller?.removeEventListener('abort', abort);
        this.closing.signal.removeEventListener('abort', abort);
      },
    };
  }

  private async nextChange(id: string, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    const stop = new AbortController();
    const abort = () => stop.abort();
    signal?.addEventListener('abort', abort, { once: true });
    try {
      await Promise.race([
        on(this.changes, id, { signal: stop.signal })
          .next()
          .catch(() => undefined),
        sleep(Math.max(0, timeoutMs), undefined, { signal: stop.signal }).catch(() => undefined),
      ]);
    } finally {
      stop.abort();
      signal?.removeEventListener('abort', abort);
    }
  }

  private async record(id: string): Promise<OperationRecord> {
    const op = await this.store.getOperation(id);
    if (!op) throw new ProblemException(404, `operation ${id} not found`);
    return op;
  }
}

/** A (createdAt, id) position in a newest-first listing, as an opaque sealed cursor (operations, node sets). */
export function encodeCursor(seal: CursorSeal, scope: CursorScope, createdAt: number, id: string): string {
  return seal.seal(scope, [createdAt, id]);
}

/**
 * Reads a cursor `encodeCursor` sealed for this listing; `invalid_cursor` (400, the same problem as
 * the node listings') for anything else. Such a cursor never expires: the position is a key, not a
 * row, so it holds whatever was deleted since.
 */
export function decodeCursor(seal: CursorSeal, scope: CursorScope, cursor: string): { createdAt: number; id: string } {
  const value = seal.open(scope, cursor);
  if (Array.isArray(value) && value.length === 2) {
    const [createdAt, id] = value as [unknown, unknown];
    // Milliseconds since 1970, at most Number.MAX_SAFE_INTEGER.
    const at = boundedInteger(createdAt, 0, Number.MAX_SAFE_INTEGER);
    if (at !== undefined && typeof id === 'string' && id) return { createdAt: at, id };
  }
  throw new CloudError('invalid_cursor', 'cursor is not one this service issued (pass nextCursor unchanged)');
}
