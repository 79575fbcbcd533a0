/**
 * The rich form of a value, found in one order: the value's own
 * MIME_BUNDLE method, then pipelab's kinds of values.
 */
import { ownBundle } from "./bundle";
import type { MimeBundle } from "./bundle";
import { danfoBundle } from "./frame";
import { planBundle } from "./plan";
import { reportBundle } from "./report";
import { runsBundle } from "./runs";
import { tensorBundle } from "./tensor";

/** Each returns the bundle of the values it knows, and undefined for the others. */
const KINDS: readonly ((value: unknown) => MimeBundle | undefined)[] = [danfoBundle, tensorBundle, reportBundle, runsBundle, planBundle];

/**
 * The rich form of a value, or undefined when it has none (the kernel then
 * shows util.inspect text). Rich forms: a value's own `[MIME_BUNDLE]()`;
 * danfo frames and series; tensors; evaluate()'s reports; runs, lists of
 * runs and comparisons from the store; `wb.plan()`. Each is an HTML table
 * (every string escaped) with a plain-text one beside it; long tables show
 * their first and last 10 rows, as pandas does.
 *
 * @example
 * ```ts
 * const bundle = richBundle(loadDataset("penguins"));
 * bundle?.["text/html"]; // "<table class=\"pipelab-table\">…</table><p>344 rows × 7 columns</p>"
 * richBundle([1, 2, 3]); // undefined: a plain array is shown as text
 * ```
 */
export function richBundle(value: unknown): MimeBundle | undefined {
  if (value === null || (typeof value !== "object" && typeof value !== "function")) return undefined;
  const own = ownBundle(value);
  if (own) return own.bundle;
  for (const kind of KINDS) {
    const bundle = kind(value);
    if (bundle) return bundle;
  }
  return undefined;
}
