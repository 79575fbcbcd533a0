/**
 * Who may open the pages: anyone on this machine when the server listens on
 * loopback (requests must name a loopback host, so that a web page whose
 * domain was rebound to 127.0.0.1 cannot read the runs); only holders of the
 * token anywhere else. A browser brings the token once in the URL
 * (`?token=...`, the link `pipelab ui` prints): it is then kept in a cookie
 * and the URL is cleaned. Scripts may send `Authorization: Bearer <token>`.
 * The token is compared in constant time by serve's check.
 */
import type { FastifyReply, FastifyRequest } from "fastify";
// serve's index does not export its auth helpers; they are the one rule for tokens, used as they are.
import { bearerCheck, isLoopback } from "../serve";
import { html } from "./html";
import { page } from "./layout";

/** The cookie a browser keeps the token in. */
export const TOKEN_COOKIE = "pipelab_ui_token";

/** A fastify onRequest hook that admits a request or answers it with 403 (or, for a token in the URL, a redirect that keeps it in a cookie). */
export function accessHook(token: string | undefined): (request: FastifyRequest, reply: FastifyReply) => Promise<void> {
  const check = token === undefined ? undefined : bearerCheck(token);
  return async (request, reply) => {
    if (check === undefined) {
      if (!isLoopback(hostName(request.headers.host ?? ""))) await refuse(reply, "this server answers requests to a loopback address (127.0.0.1, localhost) only");
      return;
    }
    const url = new URL(request.url, "http://ui.invalid");
    const fromUrl = url.searchParams.get("token");
    if (fromUrl !== null) {
      if (check(`Bearer ${fromUrl}`) !== "ok") return refuse(reply, "wrong token");
      url.searchParams.delete("token");
      const cookie = `${TOKEN_COOKIE}=${encodeURIComponent(fromUrl)}; Path=/; HttpOnly; SameSite=Strict`;
      await reply.code(303).header("set-cookie", cookie).header("location", url.pathname + url.search).send();
      return;
    }
    const header = request.headers.authorization ?? (cookieValue(request.headers.cookie, TOKEN_COOKIE) === undefined ? undefined : `Bearer ${cookieValue(request.headers.cookie, TOKEN_COOKIE)}`);
    if (check(header) !== "ok") await refuse(reply, "this page needs the token: open the link `pipelab ui` printed (it ends in ?token=...)");
  };
}

async function refuse(reply: FastifyReply, why: string): Promise<void> {
  await reply.code(403).type("text/html; charset=utf-8").send(page("Forbidden", html`<h1>Forbidden</h1><p>${why}</p>`).text);
}

/** The host name of a Host header: `127.0.0.1:5000` -> `127.0.0.1`, `[::1]:5000` -> `::1`. */
function hostName(host: string): string {
  const bracketed = /^\[([^\]]*)\]/.exec(host);
  if (bracketed) return bracketed[1] as string;
  return host.replace(/:\d*$/, "");
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? "").split(";")) {
    const [key, ...rest] = part.trim().split("=");
    if (key === name) {
      try {
        return decodeURIComponent(rest.join("="));
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}
