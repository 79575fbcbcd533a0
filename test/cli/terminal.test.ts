import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, it } from "node:test";
import { StepCache } from "../../src/cache";
import { ExperimentStore } from "../../src/tracking";
import type { RunDetails, RunId } from "../../src/tracking";
import { fit, sha256, textWidth, truncate, visible } from "../../src/util";
import { tempDir } from "../helpers/tmp";

const cli = join(__dirname, "..", "..", "dist", "cli", "main.js");

function pipelab(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [cli, ...args], { encoding: "utf8" });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const CLEAR = "\x1b[2J";
const TITLE = "\x1b]0;pwned\x07";
/** What a terminal would act on: C0 controls but newline and tab, DEL, C1 controls, bidi controls, and U+FFFD left by a split surrogate pair. */
const ACTIONABLE = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ufffd]/u;

/** The first character of `text` a terminal would act on, spelled out for the failure message, or undefined. */
function actionable(text: string): string | undefined {
  const match = ACTIONABLE.exec(text);
  if (!match) return undefined;
  return `U+${(match[0].codePointAt(0) ?? 0).toString(16).padStart(4, "0")} at ${match.index}: ${JSON.stringify(text.slice(Math.max(0, match.index - 20), match.index + 20))}`;
}

function assertSafe(stdout: string, what: string): void {
  assert.equal(actionable(stdout), undefined, `${what} prints a control character raw`);
}

describe("visible: control characters made visible", () => {
  it("leaves printable text as it is, in any script, emoji included", () => {
    for (const text of ["accuracy", "learning rate", "précision", "学习率", "🐧 penguins", "👩‍💻 dev", "🇫🇷", "❤️", "a\\b"]) {
      assert.equal(visible(text), text);
    }
  });

  it("shows C0 controls as their control pictures, DEL as ␡", () => {
    assert.equal(visible(CLEAR), "␛[2J");
    assert.equal(visible(TITLE), "␛]0;pwned␇");
    assert.equal(visible("a\rb\bc\nd\te\0"), "a␍b␈c␊d␉e␀");
    assert.equal(visible("\r\n"), "␍␊");
    assert.equal(visible("x\x7f"), "x␡");
  });

  it("shows C1 controls, bidi controls and other invisible characters as \\u{hex}", () => {
    assert.equal(visible("a\x9b2Jb"), "a\\u{9b}2Jb", "CSI");
    assert.equal(visible("a\x85b"), "a\\u{85}b", "NEL");
    assert.equal(visible("abc\u202Egpj.exe"), "abc\\u{202e}gpj.exe", "right-to-left override");
    assert.equal(visible("\u2066x\u2069"), "\\u{2066}x\\u{2069}", "isolates");
    assert.equal(visible("a\u200bb\ufeffc"), "a\\u{200b}b\\u{feff}c", "zero-width space and BOM");
    assert.equal(visible("a\u2028b"), "a\\u{2028}b", "line separator");
    assert.equal(visible("a\ud800b"), "a\\u{d800}b", "lone surrogate");
  });

  it("keeps the joiner and selectors that are part of a character", () => {
    assert.equal(visible("👩\u200d💻"), "👩\u200d💻");
    assert.equal(visible("\u200d"), "\\u{200d}", "a joiner on its own is shown");
  });

  it("is idempotent", () => {
    const text = `${TITLE}run\r\b\x9b\u202e🐧`;
    assert.equal(visible(visible(text)), visible(text));
  });
});

describe("textWidth, truncate and fit: columns of the visible form", () => {
  it("counts a made-visible control as wide as what is shown", () => {
    assert.equal(textWidth("a\x1b"), 2);
    assert.equal(textWidth("a\x9b"), 7);
    assert.equal(textWidth("🐧"), 2);
    assert.equal(textWidth("学习"), 4);
    assert.equal(textWidth("e\u0301"), 1, "a combining accent belongs to its letter");
  });

  it("returns the visible form when it fits, and cuts it to the width with … when not", () => {
    assert.equal(truncate(CLEAR, 4), "␛[2J");
    assert.equal(truncate("learning-rate", 6), "learn…");
    assert.equal(truncate(`${CLEAR}abc`, 4), "␛[2…");
    assert.equal(truncate("abc", 0), "");
    assert.equal(truncate("abc", 1), "…");
  });

  it("never splits a surrogate pair or a grapheme", () => {
    assert.equal(truncate("abc🐧def", 5), "abc…", "the penguin does not fit in column 4-5 before the …");
    assert.equal(truncate("abc🐧def", 6), "abc🐧…");
    assert.equal(truncate("ab👩‍💻cd", 5), "ab👩‍💻…");
    assert.equal(truncate("ab👩‍💻cd", 4), "ab…");
  });

  it("never splits a made-visible sequence", () => {
    assert.equal(truncate("ab\x9bcd", 5), "ab…");
    assert.equal(truncate("ab\x9bcd", 9), "ab\\u{9b}…");
  });

  it("pads to exactly the width, measured in columns", () => {
    assert.equal(fit("lr", 4), "lr  ");
    assert.equal(fit("🐧", 4), "🐧  ");
    assert.equal(fit("a\x1b", 3), "a␛ ");
    for (const text of [`${TITLE}abcdef`, "abc🐧def", "ab\x9bcd", "学习率学习率"]) {
      for (let w = 1; w < 12; w++) {
        assert.ok(textWidth(truncate(text, w)) <= w, `truncate(${JSON.stringify(text)}, ${w})`);
        assert.equal(textWidth(fit(text, w)), w, `fit(${JSON.stringify(text)}, ${w})`);
      }
    }
  });
});

describe("pipelab runs and cache print user strings with their controls made visible", () => {
  const dir = tempDir();
  const file = join(dir, "experiments.db");
  const names = {
    experiment: `exp${CLEAR}`,
    wideExperiment: "企鹅 penguins",
    run: `${TITLE}run\r\b`,
    param: `lr${CLEAR}`,
    paramValue: "v\x9b\u202e",
    tag: `tag${TITLE}`,
    tagValue: "\r\b",
    metric: `acc${CLEAR}${TITLE}`,
    step: `load${TITLE}`,
    // In `runs ls` a params cell is cut at 40 columns: the escape starts at column 38, the penguin at column 39.
    escapeAtCut: `${"x".repeat(37)}${CLEAR}tail`,
    emojiAtCut: `${"y".repeat(38)}🐧z`,
    // In `runs compare` a column is cut at 32: after the "*" of a differing column, the penguin starts at column 31.
    longMetric: `${"m".repeat(29)}🐧${CLEAR}`,
  };
  const store = ExperimentStore.open(file);
  const main = store.createRun({ experiment: names.experiment, name: names.run, sourceKind: "script" });
  store.logParams(main, { [names.param]: names.paramValue });
  store.setTag(main, names.tag, names.tagValue);
  store.logMetrics(main, [
    { key: names.metric, value: 0.9 },
    { key: names.longMetric, value: 1 },
  ]);
  store.recordStep(main, { step: names.step, outcome: "failed", durationMs: 3, error: `bad${CLEAR}\nsecond line${TITLE}` });
  store.endRun(main, "failed", { error: `boom${TITLE}`, step: names.step });
  const cutAtEscape = store.createRun({ experiment: names.experiment, sourceKind: "script" });
  store.logParams(cutAtEscape, { [names.escapeAtCut]: 1 });
  store.logMetrics(cutAtEscape, [{ key: names.longMetric, value: 2 }]);
  store.endRun(cutAtEscape, "finished");
  const cutAtEmoji = store.createRun({ experiment: names.wideExperiment, sourceKind: "script" });
  store.logParams(cutAtEmoji, { [names.emojiAtCut]: 1 });
  store.endRun(cutAtEmoji, "finished");
  store.close();

  it("runs ls: no raw control, columns cut between characters", () => {
    const r = pipelab(["runs", "ls", "--store", file]);
    assert.equal(r.status, 0, r.stderr);
    assertSafe(r.stdout, "runs ls");
    assert.match(r.stdout, /exp␛\[2J/);
    assert.ok(r.stdout.includes("lr␛[2J=v\\u{9b}\\u{202e}"), r.stdout);
    assert.ok(r.stdout.includes(`${"x".repeat(37)}␛[…`), "the escape near the cut is shown, then cut");
    assert.ok(r.stdout.includes(`${"y".repeat(38)}…`), "the penguin at the cut is left out whole");
    assert.ok(r.stdout.includes("acc␛[2J␛]0;pwned␇"), "a metric name in the header");
  });

  it("runs ls: columns line up in terminal columns, wide characters and made-visible controls counted as shown", () => {
    const [header = "", , ...rows] = pipelab(["runs", "ls", "--store", file]).stdout.trimEnd().split("\n");
    const column = (line: string, at: number): number => textWidth(line.slice(0, at));
    assert.equal(rows.length, 3);
    for (const row of rows) {
      assert.equal(column(row, row.search(/failed|finished/)), column(header, header.indexOf("status")), row);
    }
  });

  it("runs show: no raw control in the record, params, metrics and steps", () => {
    const r = pipelab(["runs", "show", String(main), "--store", file]);
    assert.equal(r.status, 0, r.stderr);
    assertSafe(r.stdout, "runs show");
    assert.ok(r.stdout.includes(`of experiment "exp␛[2J" (␛]0;pwned␇run␍␈): failed`), r.stdout);
    assert.ok(r.stdout.includes(`in step "load␛]0;pwned␇": boom␛]0;pwned␇`), r.stdout);
    assert.ok(r.stdout.includes(`lr␛[2J = "v\\u{9b}\\u{202e}"`), r.stdout);
    assert.ok(r.stdout.includes("acc␛[2J␛]0;pwned␇ = 0.9"), r.stdout);
    assert.match(r.stdout, /load␛\]0;pwned␇: failed: bad␛\[2J in 3\.0 ms\n {6}second line␛\]0;pwned␇/, "a step error's lines stay lines, indented");
  });

  it("runs compare: no raw control, headers cut between characters", () => {
    const r = pipelab(["runs", "compare", String(main), String(cutAtEscape), "--store", file]);
    assert.equal(r.status, 0, r.stderr);
    assertSafe(r.stdout, "runs compare");
    assert.ok(r.stdout.includes("lr␛[2J"), r.stdout);
    assert.ok(r.stdout.includes("v\\u{9b}\\u{202e}"), r.stdout);
    assert.ok(r.stdout.includes(`*${"m".repeat(29)}…`), "the penguin at the cut is left out whole");
  });

  it("runs best METRIC: no raw control", () => {
    const r = pipelab(["runs", "best", names.metric, "--store", file]);
    assert.equal(r.status, 0, r.stderr);
    assertSafe(r.stdout, "runs best");
    assert.match(r.stdout, new RegExp(`^run ${main} of experiment "exp␛\\[2J"`));
  });

  it("--json gives the exact strings", () => {
    const ls = JSON.parse(pipelab(["runs", "ls", "--json", "--store", file]).stdout) as RunDetails[];
    const listed = ls.find((r) => r.id === main);
    assert.ok(listed);
    assertExact(listed);
    assert.deepEqual(Object.keys(ls.find((r) => r.id === cutAtEscape)?.params ?? {}), [names.escapeAtCut]);
    assert.deepEqual(Object.keys(ls.find((r) => r.id === cutAtEmoji)?.params ?? {}), [names.emojiAtCut]);
    const show = JSON.parse(pipelab(["runs", "show", String(main), "--json", "--store", file]).stdout) as RunDetails & { steps: { step: string }[] };
    assertExact(show);
    assert.deepEqual(show.steps.map((s) => s.step), [names.step]);

    function assertExact(run: RunDetails): void {
      assert.equal(run.experiment, names.experiment);
      assert.equal(run.name, names.run);
      assert.deepEqual(run.params, { [names.param]: names.paramValue });
      assert.deepEqual(run.tags, { [names.tag]: names.tagValue });
      assert.deepEqual(Object.keys(run.metrics).sort(), [names.metric, names.longMetric].sort());
    }
  });

  it("cache ls: no raw control in step names", async () => {
    const cacheDir = join(dir, "cache");
    await new StepCache({ dir: cacheDir }).put(sha256("k"), [1, 2, 3], { step: names.step, runId: main as RunId, mode: "disk" });
    const r = pipelab(["cache", "ls", "--dir", cacheDir]);
    assert.equal(r.status, 0, r.stderr);
    assertSafe(r.stdout, "cache ls");
    assert.match(r.stdout, /load␛\]0;pwned␇\s+1 artifact\b/);
    const json = JSON.parse(pipelab(["cache", "ls", "--json", "--dir", cacheDir]).stdout) as { byStep: Record<string, unknown> };
    assert.deepEqual(Object.keys(json.byStep), [names.step]);
  });
});
