/**
 * Text for a terminal. Run names, param keys, step names and every other user
 * string reach the CLI's output through here, so that none of them can clear
 * the screen, set the window title, move the cursor or reorder the text around
 * it. The rule, in one place:
 *
 * - a C0 control U+0000..U+001F becomes its Unicode control picture
 *   U+2400..U+241F: ESC is "␛", CR "␍", BS "␈", LF "␊", TAB "␉";
 * - DEL U+007F becomes "␡" (U+2421);
 * - any other character that draws nothing by itself becomes `\u{hex}`:
 *   C1 controls U+0080..U+009F ("\u{9b}"), bidi controls ("\u{202e}"),
 *   zero-width and other format characters, line and paragraph separators,
 *   lone surrogates. A format character inside a character (the joiner of 👩‍💻,
 *   the tags of a flag) stays.
 *
 * The visible form is for reading, not for parsing back: `--json` output is
 * the exact text. Widths count terminal columns of the visible form: a
 * made-visible control is as wide as its picture or escape, an emoji or a CJK
 * character two columns, and cutting a text never splits a character or an escape.
 */

/** A unit that truncation never splits: one character (grapheme), or one made-visible control. */
interface Piece {
  text: string;
  width: number;
}

/** Code points that draw nothing: controls, format characters, lone surrogates, line and paragraph separators. */
const INVISIBLE = /^[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]$/u;
/** Of those, the ones that never belong inside a character. */
const NEVER_IN_CHARACTER = /^[\p{Cc}\p{Cs}\p{Zl}\p{Zp}]$/u;
/** Printable ASCII: the common case, one column per character and nothing to do. */
const PLAIN = /^[\x20-\x7e]*$/;
const EMOJI = /\p{Emoji_Presentation}|\uFE0F/u;
/** East Asian Wide and Fullwidth ranges (as in Markus Kuhn's wcwidth): two columns each. */
const WIDE: ReadonlyArray<readonly [number, number]> = [
  [0x1100, 0x115f],
  [0x2e80, 0x303e],
  [0x3041, 0x33ff],
  [0x3400, 0x4dbf],
  [0x4e00, 0x9fff],
  [0xa000, 0xa4cf],
  [0xac00, 0xd7a3],
  [0xf900, 0xfaff],
  [0xfe30, 0xfe4f],
  [0xff00, 0xff60],
  [0xffe0, 0xffe6],
  [0x20000, 0x3fffd],
];

let segmenter: Intl.Segmenter | undefined;

function madeVisible(codePoint: number): string {
  if (codePoint < 0x20) return String.fromCodePoint(0x2400 + codePoint);
  if (codePoint === 0x7f) return "\u2421";
  return `\\u{${codePoint.toString(16)}}`;
}

function characterWidth(grapheme: string): number {
  if (EMOJI.test(grapheme)) return 2;
  const first = grapheme.codePointAt(0) ?? 0;
  return WIDE.some(([from, to]) => first >= from && first <= to) ? 2 : 1;
}

function pieces(text: string): Piece[] {
  segmenter ??= new Intl.Segmenter(undefined, { granularity: "grapheme" });
  const result: Piece[] = [];
  for (const { segment } of segmenter.segment(text)) {
    const codePoints = [...segment];
    // Unicode keeps controls out of characters (except CR LF); checking each code point does not rely on that.
    const alone = codePoints.every((c) => INVISIBLE.test(c));
    if (!alone && !codePoints.some((c) => NEVER_IN_CHARACTER.test(c))) {
      result.push({ text: segment, width: characterWidth(segment) });
      continue;
    }
    for (const c of codePoints) {
      const shown = alone || NEVER_IN_CHARACTER.test(c) ? madeVisible(c.codePointAt(0) ?? 0) : c;
      result.push({ text: shown, width: shown === c ? characterWidth(c) : shown.length });
    }
  }
  return result;
}

/**
 * The text with its control characters made visible (see the rule above);
 * printable text comes back unchanged, and `visible(visible(t)) === visible(t)`.
 *
 * @example
 * ```ts
 * visible("run\x1b[2J");      // "run␛[2J"
 * visible("a\u202Eb");        // "a\\u{202e}b"
 * ```
 */
export function visible(text: string): string {
  return PLAIN.test(text) ? text : pieces(text).map((p) => p.text).join("");
}

/**
 * How many terminal columns `visible(text)` takes.
 *
 * @example
 * ```ts
 * textWidth("a\x1b");  // 2 ("a␛")
 * textWidth("🐧");     // 2
 * ```
 */
export function textWidth(text: string): number {
  return PLAIN.test(text) ? text.length : pieces(text).reduce((sum, p) => sum + p.width, 0);
}

/**
 * `visible(text)`, cut to at most `width` columns with a final "…" when it is
 * longer. Give it the original text, not its visible form, so that it cuts
 * between characters and made-visible controls, never inside one.
 *
 * @example
 * ```ts
 * truncate("learning-rate", 6);  // "learn…"
 * truncate("ab\x9bcd", 5);       // "ab…" (not "ab\\u{…")
 * ```
 */
export function truncate(text: string, width: number): string {
  if (PLAIN.test(text)) return text.length <= width ? text : width < 1 ? "" : `${text.slice(0, width - 1)}…`;
  const all = pieces(text);
  if (all.reduce((sum, p) => sum + p.width, 0) <= width) return all.map((p) => p.text).join("");
  if (width < 1) return "";
  let kept = "";
  let used = 0;
  for (const p of all) {
    if (used + p.width > width - 1) break;
    kept += p.text;
    used += p.width;
  }
  return `${kept}…`;
}

/**
 * A table cell: `truncate(text, width)` padded with spaces to exactly `width` columns.
 *
 * @example
 * ```ts
 * fit("lr", 4);  // "lr  "
 * ```
 */
export function fit(text: string, width: number): string {
  const cut = truncate(text, width);
  return cut + " ".repeat(Math.max(0, width - textWidth(cut)));
}
