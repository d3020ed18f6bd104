import type { FastifyReply, FastifyRequest } from 'fastify';
import type { OperationsService } from './operations.service';

const KEEPALIVE_MS = 15_000;

/**
 * Streams an operation as server-sent events (text/event-stream): one `operation` event now and one
 * per change, ending after the event that says `done: true` or when the client goes away.
 */
export async function streamOperation(
  operations: OperationsService,
  id: string,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<void> {
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
    for await (const op of operations.watch(id, gone.signal)) {
      raw.write(`event: operation\nid: ${Date.parse(op.updatedAt)}\ndata: ${JSON.stringify(op)}\n\n`);
    }
  } catch (error) {
    raw.write(`event: error\ndata: ${JSON.stringify({ detail: (error as Error).message })}\n\n`);
  } finally {
    clearInterval(keepalive);
    raw.end();
  }
}
