import type { Server } from 'node:http';
import type { Socket } from 'node:net';

/**
 * Destroys, when the service closes, the connections that have not sent a request yet. Why: Node
 * counts a connection as busy from the moment it opens until its first request has arrived (its
 * headersTimeout guard), so closing idle connections (Fastify's `forceCloseConnections: 'idle'`)
 * leaves it, and the close waits until the client drops it or headersTimeout (60 s) expires. Clients
 * open such connections ahead of use: browsers preconnect, and Node's fetch (undici) opens a fresh
 * one in place of the one an aborted request tore down, keeping it for the keep-alive time the
 * service announced (72 s). Returns the hook to run when the server starts closing.
 */
export function trackUnusedConnections(server: Server): () => void {
  const unused = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    unused.add(socket);
    socket.once('close', () => unused.delete(socket));
  });
  server.on('request', (req: { socket: Socket }) => unused.delete(req.socket));
  return () => {
    for (const socket of unused) socket.destroy();
    unused.clear();
  };
}
