import { PipelabError } from "../errors";
import type { InputError } from "../deploy";

/** Starting or configuring the server: a bad port, host, token or sample rate; a port in use. */
export class ServeError extends PipelabError {}

/**
 * A request the server refuses: the HTTP status, and the message of the
 * `{ error }` body it answers with (with `problems` naming rows and columns
 * where the body's values do not fit the signature). Internal to serve/: it
 * never leaves the request it was thrown in.
 */
export class RequestRefused extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly problems?: readonly InputError[],
  ) {
    super(message);
  }
}

/** The body of every error answer: `{ error }`, with the problems when there are. */
export interface ErrorBody {
  error: string;
  problems?: readonly InputError[];
}

/** The answer to rows that do not fit the signature: the first problems in the message, all of them listed. */
export function rowsRefused(problems: readonly InputError[]): RequestRefused {
  const shown = problems.slice(0, 3).map((p) => p.message);
  const more = problems.length - shown.length;
  return new RequestRefused(400, `the rows do not fit the model's signature: ${shown.join("; ")}${more > 0 ? `; and ${more} more (see problems)` : ""}`, problems);
}
