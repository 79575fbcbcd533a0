import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

const SNAPSHOTS = join(__dirname, "..", "snapshots");

/**
 * Normalizes a chart for comparison: numbers inside tags (coordinates, path
 * data) rounded to 1 decimal, as layout arithmetic differs in the last digits
 * across machines; text a reader sees is left exactly as drawn; Plot's
 * generated class names made stable.
 */
export function normalizeSvg(svg: string): string {
  return svg
    .replace(/<[^>]+>/g, (tag) => tag.replace(/-?\d+\.\d+/g, (n) => String(Math.round(Number(n) * 10) / 10)))
    .replace(/plot-[0-9a-f]{6}/g, "plot-xxxxxx")
    .trim();
}

/**
 * Compares a rendered chart with its committed snapshot, test/snapshots/NAME.
 * A missing snapshot is written (open it and look: is it right?); a
 * different one fails the test and leaves NAME-changed.svg (or .html) beside
 * it to open. PIPELAB_UPDATE_SNAPSHOTS=1 rewrites snapshots instead.
 */
export function assertSnapshot(name: string, content: string): void {
  const file = join(SNAPSHOTS, name);
  const changed = file.replace(/(\.[a-z]+)$/, "-changed$1");
  const actual = normalizeSvg(content);
  mkdirSync(dirname(file), { recursive: true });
  if (!existsSync(file) || process.env.PIPELAB_UPDATE_SNAPSHOTS === "1") {
    writeFileSync(file, `${actual}\n`);
    rmSync(changed, { force: true });
    return;
  }
  const expected = readFileSync(file, "utf8").trim();
  if (expected === actual) {
    rmSync(changed, { force: true });
    return;
  }
  writeFileSync(changed, `${actual}\n`);
  assert.fail(`chart ${name} differs from its snapshot; open ${changed} to compare (PIPELAB_UPDATE_SNAPSHOTS=1 accepts it)`);
}

/** Counts of the elements of a chart, for structural assertions. */
export function count(svg: string, pattern: RegExp): number {
  return (svg.match(new RegExp(pattern.source, "g")) ?? []).length;
}
