/**
 * Every error the server answers, in one shape, `{ error }` (with `problems`
 * for rows that do not fit): its own refusals and fastify's (a body over the
 * limit, not JSON, of another content type), each saying what to do.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { messageOf } from "../errors";
import { RequestRefused } from "./errors";
import type { ErrorBody } from "./errors";

/** How much a request asks of the server, in words: "1 MiB (1048576 bytes)". */
export function formatLimit(bytes: number): string {
  const mib = bytes / 2 ** 20;
  const kib = bytes / 2 ** 10;
  const size = mib >= 1 ? `${round(mib)} MiB` : kib >= 1 ? `${round(kib)} KiB` : `${bytes} bytes`;
  return size.endsWith("bytes") ? size : `${size} (${bytes} bytes)`;
}

function round(n: number): string {
  return String(Math.round(n * 100) / 100);
}

/** fastify's errors as the status and the message the server answers with. */
export function answerOf(error: FastifyError | RequestRefused | Error, request: FastifyRequest, bodyLimit: number): { status: number; body: ErrorBody } {
  if (error instanceof RequestRefused) return { status: error.status, body: error.problems === undefined ? { error: error.message } : { error: error.message, problems: error.problems } };
  const code = (error as FastifyError).code;
  switch (code) {
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return { status: 413, body: { error: `the body is over the limit of ${formatLimit(bodyLimit)}: send fewer rows a request (or serve with a larger body limit)` } };
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE": {
      const type = request.headers["content-type"];
      return { status: 415, body: { error: `${type === undefined ? "no content type" : `the content type ${JSON.stringify(type)}`} is not JSON: send the body as JSON, with Content-Type: application/json` } };
    }
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
      return { status: 400, body: { error: "the body is empty: send JSON, such as {\"records\": [{column: value, ...}]}" } };
    case "FST_ERR_CTP_INVALID_CONTENT_LENGTH":
      return { status: 400, body: { error: "the body is not as long as its Content-Length says" } };
  }
  const status = (error as FastifyError).statusCode;
  if (status !== undefined && status >= 400 && status < 500) return { status, body: { error: messageOf(error) } };
  return { status: 500, body: { error: `the server failed to answer: ${messageOf(error)}` } };
}

/** Sends an error answer. */
export function sendError(reply: FastifyReply, status: number, body: ErrorBody): void {
  void reply.code(status).type("application/json; charset=utf-8").send(body);
}
