/**
 * MIME bundles, and the hook by which a value gives its own (IPython's
 * `_repr_mimebundle_`).
 */
import { messageOf } from "../errors";
import { warnOnce } from "../util";

/** A Jupyter MIME bundle: text/plain always, text/html (and others) where the value has a rich form. */
export type MimeBundle = Record<string, string> & { "text/plain": string };

/**
 * The symbol a value's own display method is found under (like IPython's
 * `_repr_mimebundle_`). A symbol of the global registry, so that every copy
 * of pipelab in a process (a kernel's and a notebook's) agrees.
 *
 * @example
 * ```ts
 * class Vocabulary {
 *   constructor(readonly words: string[]) {}
 *   [MIME_BUNDLE](): MimeBundle {
 *     return { "text/plain": `${this.words.length} words`, "text/html": `<b>${this.words.length}</b> words` };
 *   }
 * }
 * ```
 */
export const MIME_BUNDLE: unique symbol = Symbol.for("pipelab.mimeBundle") as typeof MIME_BUNDLE;

/** A value that displays itself: its method under MIME_BUNDLE returns its bundle, or undefined for no rich form. */
export interface RichDisplay {
  [MIME_BUNDLE](): MimeBundle | undefined;
}

/** Whether a value is a MIME bundle: an object of strings, with text/plain. */
export function isMimeBundle(value: unknown): value is MimeBundle {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const entries = Object.entries(value);
  return typeof (value as Record<string, unknown>)["text/plain"] === "string" && entries.every(([, v]) => typeof v === "string");
}

/**
 * What a value's MIME_BUNDLE method returns; undefined when it has none.
 * As in IPython, a method that throws or returns something other than a
 * bundle is reported once, and the value is shown as text.
 */
export function ownBundle(value: object): { bundle: MimeBundle | undefined } | undefined {
  const method = (value as Partial<Record<typeof MIME_BUNDLE, unknown>>)[MIME_BUNDLE];
  if (typeof method !== "function") return undefined;
  const owner = value.constructor?.name ?? "an object";
  let bundle: unknown;
  try {
    bundle = method.call(value);
  } catch (error) {
    warnOnce(`the [MIME_BUNDLE]() method of ${owner} threw: ${messageOf(error)}; showing the value as text`);
    return { bundle: undefined };
  }
  if (bundle === undefined || isMimeBundle(bundle)) return { bundle };
  warnOnce(
    `the [MIME_BUNDLE]() method of ${owner} returned ${describe(bundle)}, not a MIME bundle: return an object of strings with a "text/plain" entry, or undefined; showing the value as text`,
  );
  return { bundle: undefined };
}

function describe(value: unknown): string {
  if (typeof value !== "object" || value === null) return String(value);
  const keys = Object.keys(value);
  return `an object with ${keys.length === 0 ? "no keys" : `keys ${keys.slice(0, 5).map((k) => JSON.stringify(k)).join(", ")}`}`;
}
