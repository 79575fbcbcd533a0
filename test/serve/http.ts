/** Small HTTP calls for the serving tests: real requests over loopback. */
import { request } from "node:http";

export interface Answer<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

/** POSTs `body` (JSON unless a string is given with its own content type) and reads the JSON answer. */
export async function post<T = unknown>(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Answer<T>> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as T };
}

export async function get<T = unknown>(url: string, headers: Record<string, string> = {}): Promise<Answer<T>> {
  const response = await fetch(url, { headers });
  return { status: response.status, headers: response.headers, body: (await response.json()) as T };
}

/** What became of a request sent on a connection of its own: an answer, or the connection's error code. */
export type Outcome = { status: number; at: number; body: string } | { error: string; at: number };

/** POSTs `body` on a new connection (no keep-alive agent), never rejecting: the outcome says what happened. */
export function postAlone(url: string, body: string): Promise<Outcome> {
  return new Promise((done) => {
    const req = request(url, { method: "POST", agent: false, headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => done({ status: res.statusCode ?? 0, at: Date.now(), body: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", (error: NodeJS.ErrnoException) => done({ error: error.code ?? error.message, at: Date.now() }));
    });
    req.on("error", (error: NodeJS.ErrnoException) => done({ error: error.code ?? error.message, at: Date.now() }));
    req.end(body);
  });
}
