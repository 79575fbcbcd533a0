import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { formatHunks, lineDiff } from "../../src/util";

const lines = (n: number, prefix = "line"): string[] => Array.from({ length: n }, (_, i) => `${prefix} ${i + 1}`);

describe("lineDiff: two texts' lines in hunks, as diff -u shows them", () => {
  it("gives no hunk for texts with the same lines, whatever their line endings", () => {
    assert.deepEqual(lineDiff("a\nb\n", "a\r\nb"), []);
    assert.deepEqual(lineDiff("", ""), []);
  });

  it("keeps up to three unchanged lines around a change, numbered from 1 in each text", () => {
    const a = lines(10);
    const b = [...a];
    b[4] = "changed";
    assert.deepEqual(formatHunks(lineDiff(a.join("\n"), b.join("\n"))), [
      "@@ -2,7 +2,7 @@",
      " line 2",
      " line 3",
      " line 4",
      "-line 5",
      "+changed",
      " line 6",
      " line 7",
      " line 8",
    ]);
  });

  it("joins changes closer than twice the context into one hunk, and splits those further apart", () => {
    const a = lines(30);
    const near = [...a];
    near[5] = "x";
    near[11] = "y";
    assert.equal(lineDiff(a.join("\n"), near.join("\n")).length, 1);
    const far = [...a];
    far[5] = "x";
    far[20] = "y";
    const hunks = lineDiff(a.join("\n"), far.join("\n"));
    assert.deepEqual(hunks.map((h) => [h.aStart, h.aLines, h.bStart, h.bLines]), [[3, 7, 3, 7], [18, 7, 18, 7]]);
  });

  it("aligns inserted and deleted lines by their longest common subsequence", () => {
    const hunks = lineDiff(["a", "b", "c", "d"].join("\n"), ["a", "x", "b", "d", "e"].join("\n"));
    assert.deepEqual(formatHunks(hunks), ["@@ -1,4 +1,5 @@", " a", "+x", " b", "-c", " d", "+e"]);
  });

  it("diffs from and to nothing: every line added, or removed", () => {
    assert.deepEqual(formatHunks(lineDiff("", "a\nb")), ["@@ -1,0 +1,2 @@", "+a", "+b"]);
    assert.deepEqual(formatHunks(lineDiff("a\nb", "")), ["@@ -1,2 +1,0 @@", "-a", "-b"]);
  });

  it("shows a middle too big to align (over 4M line pairs) as removed, then added, and still keeps the common ends", () => {
    const a = ["head", ...lines(2500, "a"), "tail"];
    const b = ["head", ...lines(2500, "b"), "tail"];
    const [hunk] = lineDiff(a.join("\n"), b.join("\n"));
    assert.equal(hunk?.lines[0]?.text, "head");
    assert.equal(hunk?.lines.filter((l) => l.op === "-").length, 2500);
    assert.equal(hunk?.lines.filter((l) => l.op === "+").length, 2500);
    assert.equal(hunk?.lines.at(-1)?.text, "tail");
  });
});
