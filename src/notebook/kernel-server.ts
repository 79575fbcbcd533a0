/**
 * The kernel's side of Jupyter's channels: the shell and control routers,
 * the iopub publisher, the heartbeat, as the messaging spec (5.3) describes.
 * It reads and signs messages, publishes `busy` and `idle` around each
 * request, and hands the request to the handler registered for its type.
 *
 * The requests themselves (execute, complete, history...) are answered by
 * handlers registered by kernel-main.ts; this file knows no TypeScript.
 */
import { readFileSync } from "node:fs";
import { encodeMessage, messageFor, parseMessage } from "./wire";
import type { KernelMessage } from "./wire";
import type { ZmqModule, ZmqSocket } from "./tslab-adapter";

/** A connection file's content (written by Jupyter, passed on the kernel's command line). */
export interface ConnectionInfo {
  transport: string;
  ip: string;
  key: string;
  signature_scheme?: string;
  shell_port: number;
  iopub_port: number;
  control_port: number;
  stdin_port: number;
  hb_port: number;
}

/** What a handler answers with: the reply on the request's channel, outputs on iopub. */
export interface Reply {
  /** The request being answered. */
  readonly request: KernelMessage;
  /** Sends `<type>` on the channel the request came from (shell or control). */
  reply(msgType: string, content: Record<string, unknown>): void;
  /** Publishes an output or state message on iopub, as a child of the request. */
  publish(msgType: string, content: Record<string, unknown>): void;
}

/** Answers one request type (`execute_request` → an `execute_reply`, and outputs). */
export type RequestHandler = (reply: Reply) => Promise<void> | void;

/** One ZeroMQ socket whose sends are queued: zeromq allows one send in flight per socket. */
class Outbox {
  private last: Promise<void> = Promise.resolve();
  constructor(
    readonly socket: ZmqSocket,
    private readonly failed: (error: unknown) => void,
  ) {}
  send(frames: Buffer[]): void {
    this.last = this.last.then(() => this.socket.send(frames)).catch(this.failed);
  }
}

/** The kernel's sockets and the dispatch of requests to handlers. */
export class KernelServer {
  private readonly conn: ConnectionInfo;
  private readonly sockets: Record<"shell" | "control" | "iopub" | "stdin" | "hb", Outbox>;
  private closed = false;

  /**
   * @param connectionFile the connection file Jupyter wrote
   * @param warn where the kernel's own troubles go (its log, not a cell)
   */
  constructor(
    connectionFile: string,
    zmq: ZmqModule,
    private readonly handlers: Record<string, RequestHandler>,
    private readonly warn: (message: string) => void,
  ) {
    this.conn = JSON.parse(readFileSync(connectionFile, "utf8")) as ConnectionInfo;
    if (this.conn.signature_scheme && this.conn.key !== "" && this.conn.signature_scheme !== "hmac-sha256") {
      throw new Error(`the connection file asks for signature scheme ${this.conn.signature_scheme}; the pipelab kernel signs with hmac-sha256`);
    }
    const failed = (error: unknown): void => this.warn(`pipelab kernel: a message could not be sent: ${String(error)}`);
    this.sockets = {
      shell: new Outbox(new zmq.Router(), failed),
      control: new Outbox(new zmq.Router(), failed),
      iopub: new Outbox(new zmq.Publisher(), failed),
      stdin: new Outbox(new zmq.Router(), failed),
      hb: new Outbox(new zmq.Reply(), failed),
    };
  }

  /** Binds the five sockets and starts serving requests. */
  async start(): Promise<void> {
    const { transport, ip } = this.conn;
    const address = (port: number): string => (transport === "ipc" ? `ipc://${ip}-${port}` : `${transport}://${ip}:${port}`);
    await Promise.all([
      this.sockets.shell.socket.bind(address(this.conn.shell_port)),
      this.sockets.control.socket.bind(address(this.conn.control_port)),
      this.sockets.iopub.socket.bind(address(this.conn.iopub_port)),
      this.sockets.stdin.socket.bind(address(this.conn.stdin_port)),
      this.sockets.hb.socket.bind(address(this.conn.hb_port)),
    ]);
    void this.serve(this.sockets.shell);
    void this.serve(this.sockets.control);
    void this.echo(this.sockets.hb);
  }

  /** Publishes on iopub a message that answers no request of its own (a status at start-up). */
  publish(parent: KernelMessage, msgType: string, content: Record<string, unknown>): void {
    const message = messageFor(parent, msgType, content);
    // A PUB socket's first frame is the topic subscribers filter on.
    message.identities = [Buffer.from(`kernel.${msgType}`)];
    this.sockets.iopub.send(encodeMessage(this.conn.key, message));
  }

  /** Closes the sockets; the process can then exit. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const outbox of Object.values(this.sockets)) outbox.socket.close();
  }

  private async serve(channel: Outbox): Promise<void> {
    try {
      for await (const frames of channel.socket) {
        // Not awaited: a completion or an interrupt is answered while a cell runs.
        void this.dispatch(channel, frames);
      }
    } catch (error) {
      if (!this.closed) this.warn(`pipelab kernel: a channel stopped: ${String(error)}`);
    }
  }

  private async echo(hb: Outbox): Promise<void> {
    try {
      // A REP socket answers each ping before it may receive the next one.
      for await (const frames of hb.socket) await hb.socket.send(frames);
    } catch (error) {
      if (!this.closed) this.warn(`pipelab kernel: the heartbeat stopped: ${String(error)}`);
    }
  }

  private async dispatch(channel: Outbox, frames: Buffer[]): Promise<void> {
    let request: KernelMessage;
    try {
      request = parseMessage(this.conn.key, frames);
    } catch (error) {
      this.warn(`pipelab kernel: a message was dropped: ${String(error)}`);
      return;
    }
    const type = request.header.msg_type;
    const handler = this.handlers[type];
    this.publish(request, "status", { execution_state: "busy" });
    try {
      if (handler) {
        await handler({
          request,
          reply: (msgType, content) => channel.send(encodeMessage(this.conn.key, messageFor(request, msgType, content))),
          publish: (msgType, content) => this.publish(request, msgType, content),
        });
      } else {
        this.warn(`pipelab kernel: no handler for ${type}; ignored`);
      }
    } catch (error) {
      this.warn(`pipelab kernel: ${type} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    } finally {
      this.publish(request, "status", { execution_state: "idle" });
    }
  }
}
