/**
 * Who may call the server: anyone on this machine when it listens on a
 * loopback address; only holders of the bearer token anywhere else. The
 * token is compared in constant time, as SHA-256 digests (equal lengths
 * whatever was sent, so neither the token's bytes nor its length leak
 * through timing).
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { isIP } from "node:net";
import { ServeError } from "./errors";

/** The environment variable a token may come from when none is given. */
export const TOKEN_ENV = "PIPELAB_SERVE_TOKEN";

/** Whether `host` is reachable from this machine only: localhost, 127.0.0.0/8, ::1. */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, "");
  if (h === "localhost" || h === "::1" || h === "0:0:0:0:0:0:0:1") return true;
  if (h.startsWith("::ffff:")) return isLoopback(h.slice("::ffff:".length));
  return isIP(h) === 4 && h.startsWith("127.");
}

/** The token the server requires, if any, and whether it was generated here (then it must be shown to the user once). */
export interface TokenChoice {
  readonly token: string | undefined;
  readonly generated: boolean;
}

/**
 * The token: the one given, else the environment's, else (off loopback
 * only) a new random one. On loopback without either, none is required.
 */
export function chooseToken(host: string, given: string | undefined, env: NodeJS.ProcessEnv): TokenChoice {
  const token = given ?? (env[TOKEN_ENV] || undefined);
  if (token !== undefined) {
    if (token.length < 16 || /\s/.test(token)) throw new ServeError(`invalid token: it needs 16 characters or more and no spaces (got ${token.length} characters); leave it out to have one generated`);
    return { token, generated: false };
  }
  if (isLoopback(host)) return { token: undefined, generated: false };
  return { token: randomBytes(32).toString("base64url"), generated: true };
}

/** What an Authorization header is against the token. */
export type Credentials = "ok" | "missing" | "wrong";

/** A check of Authorization headers against `token` ("Bearer <token>"), in constant time. */
export function bearerCheck(token: string): (header: string | undefined) => Credentials {
  const expected = digest(token);
  return (header) => {
    if (header === undefined || !/^bearer /i.test(header)) return "missing";
    return timingSafeEqual(digest(header.slice("bearer ".length).trim()), expected) ? "ok" : "wrong";
  };
}

function digest(text: string): Buffer {
  return createHash("sha256").update(text, "utf8").digest();
}
