/**
 * Jupyter's wire protocol (messaging spec 5.3): a message is a ZeroMQ
 * multipart of routing identities, the `<IDS|MSG>` delimiter, an HMAC-SHA256
 * signature, then four JSON frames (header, parent header, metadata,
 * content) and optional binary buffers.
 */
import { createHmac, randomUUID, timingSafeEqual } from "node:crypto";

/** The protocol version the pipelab kernel speaks. */
export const PROTOCOL_VERSION = "5.3";

const DELIMITER = Buffer.from("<IDS|MSG>");

/** A message header, as the spec describes it. */
export interface Header {
  msg_id: string;
  session: string;
  username: string;
  date: string;
  msg_type: string;
  version: string;
}

/** One message, received or to send. */
export interface KernelMessage {
  /** ZeroMQ routing identities: a reply goes back with its request's. */
  identities: Buffer[];
  header: Header;
  /** The header of the message this one answers (empty for none). */
  parent: Partial<Header>;
  metadata: Record<string, unknown>;
  content: Record<string, unknown>;
  buffers: Buffer[];
}

/** A message frame the wire protocol could not read. */
export class WireError extends Error {
  override name = "WireError";
}

function sign(key: string, frames: readonly (Buffer | string)[]): string {
  if (key === "") return "";
  const hmac = createHmac("sha256", key);
  for (const frame of frames) hmac.update(frame);
  return hmac.digest("hex");
}

/** Reads a multipart message, checking its signature with the connection's key. */
export function parseMessage(key: string, frames: readonly Buffer[]): KernelMessage {
  const at = frames.findIndex((f) => f.equals(DELIMITER));
  if (at < 0) throw new WireError("a message without the <IDS|MSG> delimiter");
  if (frames.length < at + 6) throw new WireError(`a message with ${frames.length - at - 2} frames after its signature (at least 4 expected)`);
  const signature = (frames[at + 1] as Buffer).toString();
  const parts = frames.slice(at + 2);
  const expected = sign(key, parts);
  if (key !== "" && (signature.length !== expected.length || !timingSafeEqual(Buffer.from(signature), Buffer.from(expected)))) {
    throw new WireError("a message with a wrong signature (is the connection file's key the client's?)");
  }
  const json = (i: number): Record<string, unknown> => JSON.parse((parts[i] as Buffer).toString("utf8")) as Record<string, unknown>;
  return {
    identities: frames.slice(0, at),
    header: json(0) as unknown as Header,
    parent: json(1) as Partial<Header>,
    metadata: json(2),
    content: json(3),
    buffers: parts.slice(4),
  };
}

/** The frames of a message, signed with the connection's key. */
export function encodeMessage(key: string, message: KernelMessage): Buffer[] {
  const parts = [message.header, message.parent, message.metadata, message.content].map((part) => Buffer.from(JSON.stringify(part), "utf8"));
  const all = [...parts, ...message.buffers];
  return [...message.identities, DELIMITER, Buffer.from(sign(key, all)), ...all];
}

/** A new message of `msgType` answering (or published on behalf of) `parent`. */
export function messageFor(parent: KernelMessage, msgType: string, content: Record<string, unknown>): KernelMessage {
  return {
    identities: parent.identities,
    header: {
      msg_id: randomUUID(),
      session: parent.header.session,
      username: parent.header.username,
      date: new Date().toISOString(),
      msg_type: msgType,
      version: PROTOCOL_VERSION,
    },
    parent: parent.header,
    metadata: {},
    content,
    buffers: [],
  };
}
