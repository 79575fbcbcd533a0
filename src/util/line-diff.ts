/**
 * A line diff of two texts in hunks, as `diff -u` shows them: what a run diff
 * shows of a step's code when its hash changed. Step functions are short, so
 * the middle that differs (after the common first and last lines) is aligned
 * by a longest common subsequence; a middle too big for that (more than
 * MAX_CELLS line pairs) is shown as removed, then added.
 */

/** One line of a hunk: kept (" "), removed from the first text ("-"), added in the second ("+"). */
export interface DiffLine {
  op: " " | "-" | "+";
  text: string;
}

/** Lines that changed with up to `context` unchanged lines around them; `aStart`/`bStart` count from 1. */
export interface DiffHunk {
  aStart: number;
  aLines: number;
  bStart: number;
  bLines: number;
  lines: DiffLine[];
}

const MAX_CELLS = 4_000_000;

/** The texts' lines: "\r\n" and "\n" end a line; a final line ending adds no empty line. */
function splitLines(text: string): string[] {
  if (text === "") return [];
  const lines = text.split(/\r?\n/);
  if (lines.at(-1) === "") lines.pop();
  return lines;
}

/** Every line of both texts in order, each marked kept, removed or added. */
function align(a: readonly string[], b: readonly string[]): DiffLine[] {
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const kept = (lines: readonly string[]): DiffLine[] => lines.map((text) => ({ op: " ", text }));
  return [...kept(a.slice(0, start)), ...alignMiddle(a.slice(start, endA), b.slice(start, endB)), ...kept(a.slice(endA))];
}

function alignMiddle(a: readonly string[], b: readonly string[]): DiffLine[] {
  const removed = (lines: readonly string[]): DiffLine[] => lines.map((text) => ({ op: "-", text }));
  const added = (lines: readonly string[]): DiffLine[] => lines.map((text) => ({ op: "+", text }));
  if (a.length === 0 || b.length === 0 || a.length * b.length > MAX_CELLS) return [...removed(a), ...added(b)];
  // lcs[i * w + j]: the longest common subsequence of a[i..] and b[j..].
  const w = b.length + 1;
  const lcs = new Uint32Array((a.length + 1) * w);
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      lcs[i * w + j] = a[i] === b[j] ? (lcs[(i + 1) * w + j + 1] as number) + 1 : Math.max(lcs[(i + 1) * w + j] as number, lcs[i * w + j + 1] as number);
    }
  }
  const out: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      out.push({ op: " ", text: a[i] as string });
      i++;
      j++;
    } else if ((lcs[(i + 1) * w + j] as number) >= (lcs[i * w + j + 1] as number)) {
      out.push({ op: "-", text: a[i++] as string });
    } else {
      out.push({ op: "+", text: b[j++] as string });
    }
  }
  return [...out, ...removed(a.slice(i)), ...added(b.slice(j))];
}

/**
 * The hunks that turn text `a` into text `b`, each with up to `context`
 * unchanged lines before and after; none when the texts have the same lines.
 *
 * @example
 * ```ts
 * for (const h of lineDiff("x => x * 2", "x => x * 3")) console.log(h.lines.map((l) => l.op + l.text).join("\n"));
 * ```
 */
export function lineDiff(a: string, b: string, context = 3): DiffHunk[] {
  const lines = align(splitLines(a), splitLines(b));
  const changed = lines.flatMap((l, i) => (l.op === " " ? [] : [i]));
  const hunks: DiffHunk[] = [];
  let k = 0;
  while (k < changed.length) {
    const first = changed[k++] as number;
    let last = first;
    // Changes with at most twice the context between them share a hunk.
    while (k < changed.length && (changed[k] as number) - last - 1 <= 2 * context) last = changed[k++] as number;
    hunks.push(hunk(lines, Math.max(0, first - context), Math.min(lines.length, last + 1 + context)));
  }
  return hunks;
}

function hunk(lines: readonly DiffLine[], from: number, to: number): DiffHunk {
  let aStart = 1;
  let bStart = 1;
  for (const l of lines.slice(0, from)) {
    if (l.op !== "+") aStart++;
    if (l.op !== "-") bStart++;
  }
  const body = lines.slice(from, to);
  return {
    aStart,
    aLines: body.filter((l) => l.op !== "+").length,
    bStart,
    bLines: body.filter((l) => l.op !== "-").length,
    lines: body,
  };
}

/** Hunks as `diff -u` prints them, after its `--- a` / `+++ b` header: "@@ -1,3 +1,3 @@" and the lines. */
export function formatHunks(hunks: readonly DiffHunk[]): string[] {
  return hunks.flatMap((h) => [`@@ -${h.aStart},${h.aLines} +${h.bStart},${h.bLines} @@`, ...h.lines.map((l) => `${l.op}${l.text}`)]);
}
