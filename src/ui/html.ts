/**
 * HTML built from templates that escape by default: every interpolated value
 * is text (escaped with escapeHtml) unless it is already `Html`, made by the
 * `html` tag itself or by `trusted` for markup pipelab produced (a chart's
 * SVG). Forgetting to escape a user string is then not possible by accident.
 */
import { escapeHtml } from "../util";

/** Markup that is safe to send: built by `html`, or declared so with `trusted`. */
export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

/** What a template may interpolate: text (escaped), markup, numbers, lists of them; null, undefined and false are left out. */
export type Part = Html | string | number | boolean | null | undefined | readonly Part[];

/**
 * A template whose interpolations are escaped unless they are Html.
 *
 * @example
 * ```ts
 * html`<td>${run.name}</td>`.text; // "<td>&#60;script&#62;...</td>" for a hostile name
 * ```
 */
export function html(strings: TemplateStringsArray, ...parts: readonly Part[]): Html {
  let out = strings[0] ?? "";
  parts.forEach((part, i) => {
    out += partText(part) + (strings[i + 1] ?? "");
  });
  return new Html(out);
}

/** Markup pipelab produced itself (a chart's serialized SVG): sent as is. */
export function trusted(markup: string): Html {
  return new Html(markup);
}

function partText(part: Part): string {
  if (part === null || part === undefined || part === false) return "";
  if (part instanceof Html) return part.text;
  if (Array.isArray(part)) return part.map(partText).join("");
  return escapeHtml(String(part));
}

/** A query string from `params` (entries with an empty or undefined value left out), "" when none. */
export function queryString(params: Readonly<Record<string, string | number | undefined>>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== "") search.set(key, String(value));
  const text = search.toString();
  return text === "" ? "" : `?${text}`;
}
