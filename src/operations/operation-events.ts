import type { FastifyReply, FastifyRequest } from 'fastify';
import type { OperationsService } from './operations.service';

const KEEPALIVE_MS = 15_000;

/** An operation event's `id:`: the operation's `updatedAt` instant in epoch milliseconds. */
export function eventId(operation: { updatedAt: string }): string {
  return String(Date.parse(operation.updatedAt));
}

/**
 * Streams an operation as server-sent events (text/event-stream): one `operation` event now and one
 * per change, ending after the event that says `done: true` or when the client goes away.
 *
 * A reconnecting EventSource sends the last `id:` it saw as `Last-Event-ID` (WHATWG HTML §9.2.4);
 * the event it already has is not sent again. Since an operation's events are snapshots of it, the
 * current one is a complete resume; the caller answers 204 instead when the client already holds the
 * final event (see `alreadySeenFinal`), which is what makes an EventSource stop reconnecting.
 */
export async function streamOperation(
  operations: OperationsService,
  id: string,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<void> {
  const lastEventId = request.headers['last-event-id'];
  const gone = new AbortController();
  request.raw.once('close', () => gone.abort());
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, {
    ...(reply.getHeaders() as Record<string, string>),
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-store',
    Connection: 'keep-alive',
    'X-Accel-Buffering': 'no',
  });
  const keepalive = setInterval(() => raw.write(': keep-alive\n\n'), KEEPALIVE_MS);
  try {
    let first = true;
    for await (const op of operations.watch(id, gone.signal)) {
      const seen = first && eventId(op) === lastEventId;
      first = false;
      if (!seen) raw.write(`event: operation\nid: ${eventId(op)}\ndata: ${JSON.stringify(op)}\n\n`);
    }
  } catch (error) {
    raw.write(`event: error\ndata: ${JSON.stringify({ detail: (error as Error).message })}\n\n`);
  } finally {
    clearInterval(keepalive);
    raw.end();
  }
}

/**
 * True when a reconnecting client's `Last-Event-ID` is the id of this finished operation's final
 * event: it has everything, and a 204 tells an EventSource not to reconnect (WHATWG HTML §9.2.3:
 * a 204 fails the connection without reestablishing it); a 200 that ends at once would make it
 * reconnect every few seconds for ever.
 */
export function alreadySeenFinal(operation: { done: boolean; updatedAt: string }, lastEventId: unknown): boolean {
  return operation.done && typeof lastEventId === 'string' && lastEventId === eventId(operation);
}
