/**
 * An HTTP server whose close answers every request it accepted. Node's
 * `server.close()` stops listening and destroys the connections it deems
 * idle, which includes a connection accepted a moment ago whose request is
 * still on its way: that request would be lost. Here closing destroys at once
 * only the connections that already answered a request and wait for another
 * (closing those is what HTTP keep-alive allows); a connection that has not
 * sent its first request gets `graceMs` to send it, and it is answered.
 *
 * Connections still in the kernel's accept queue when the server stops
 * listening are reset: the process never accepted them. (Node accepts about
 * one connection a turn of the event loop, so under load that queue is not
 * empty.)
 */
import { createServer } from "node:http";
import type { IncomingMessage, RequestListener, Server, ServerResponse } from "node:http";
import type { Socket } from "node:net";

/** fastify's default: longer than the idle timeout of the usual load balancers (60 s). */
const KEEP_ALIVE_MS = 72_000;

interface SocketState {
  /** Requests of the connection being answered. */
  active: number;
  /** Requests it has answered. */
  answered: number;
  grace: NodeJS.Timeout | undefined;
}

/** The server, how many requests it is answering now, and how many connections it has accepted. */
export interface DrainingServer {
  readonly server: Server;
  inFlight(): number;
  connections(): number;
}

/** A server for fastify's `serverFactory`: `handler` answers its requests. */
export function drainingServer(handler: RequestListener, graceMs: number): DrainingServer {
  const server = createServer();
  server.keepAliveTimeout = KEEP_ALIVE_MS;
  const sockets = new Map<Socket, SocketState>();
  let inFlight = 0;
  let accepted = 0;
  server.on("connection", (socket: Socket) => {
    accepted++;
    const state: SocketState = { active: 0, answered: 0, grace: undefined };
    sockets.set(socket, state);
    socket.once("close", () => {
      clearTimeout(state.grace);
      sockets.delete(socket);
    });
  });
  // Counted before fastify's handler runs: a request is in flight from the moment its headers are read.
  server.on("request", (request: IncomingMessage, response: ServerResponse) => {
    const state = sockets.get(request.socket);
    inFlight++;
    if (state !== undefined) {
      state.active++;
      clearTimeout(state.grace);
      state.grace = undefined;
    }
    response.once("close", () => {
      inFlight--;
      if (state === undefined) return;
      state.active--;
      state.answered++;
    });
  });
  server.on("request", handler);
  // Called by server.close() (Node 19+) and by fastify's close.
  server.closeIdleConnections = () => {
    for (const [socket, state] of sockets) {
      if (state.active > 0) continue;
      if (state.answered > 0) socket.destroy();
      else state.grace ??= setTimeout(() => state.active === 0 && socket.destroy(), graceMs);
    }
  };
  return { server, inFlight: () => inFlight, connections: () => accepted };
}
