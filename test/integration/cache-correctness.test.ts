import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { ExperimentStore } from "../../src/tracking";
import { runKernelSession, sessionText, testKernel } from "../helpers/jupyter";
import type { SessionAction, SessionResult } from "../helpers/jupyter";
import { tempDir } from "../helpers/tmp";

// A cached value is never wrong, under the real pipelab kernel: a person edits a
// module, a variable and a data file between cell executions, in one kernel and
// across a restart, and every value the steps return is what the code and data
// on disk compute.

const IMPORTS = 'import { Workbench, readCsv } from "pipelab";\nimport { ratio } from "./features";\nconst wb = await Workbench.open({ experiment: "correct" });';
const STEP_A = 'const a = await wb.step("a", () => ratio(10));\nconsole.log(`value=${a}`);';
const STEP_B = 'const b = await wb.step("b", () => cut * 2);\nconsole.log(`value=${b}`);';
const STEP_H = 'const h = await wb.step("h", () => scaled(3));\nconsole.log(`value=${h}`);';
const STEP_C = 'const c = await wb.step("c", () => readCsv("data/y.csv").shape[0]);\nconsole.log(`value=${c}`);';
const FEATURES = (factor: string) => `import { k } from "./util";\nexport function ratio(x: number): number {\n  return x * k${factor};\n}\n`;
const csv = (rows: number) => `a,b\n${Array.from({ length: rows }, (_, i) => `${i},${i * 2}`).join("\n")}\n`;

/** The actions, each with a name, so that assertions read as the story. */
const STORY: [string, SessionAction][] = [
  ["import", { op: "exec", code: IMPORTS }],
  ["a: first", { op: "exec", code: STEP_A }],
  ["edit features.ts", { op: "write", path: "features.ts", text: FEATURES(" * 10") }],
  ["a: after the edit, not re-imported", { op: "exec", code: STEP_A }],
  ["restart 1", { op: "restart" }],
  ["import after restart 1", { op: "exec", code: IMPORTS }],
  ["a: new kernel", { op: "exec", code: STEP_A }],
  ["edit util.ts", { op: "write", path: "util.ts", text: "export const k = 3;\n" }],
  ["a: after the util edit", { op: "exec", code: STEP_A }],
  ["re-import", { op: "exec", code: 'import { ratio } from "./features";' }],
  ["a: after re-import", { op: "exec", code: STEP_A }],
  ["let cut", { op: "exec", code: "let cut = 0.5;" }],
  ["b: first", { op: "exec", code: STEP_B }],
  ["cut = 0.8", { op: "exec", code: "cut = 0.8;" }],
  ["plan after cut", { op: "exec", code: 'console.log(JSON.stringify((await wb.plan()).find((e) => e.step === "b")));' }],
  ["b: after cut changed", { op: "exec", code: STEP_B }],
  ["let factor", { op: "exec", code: "let factor = 2;" }],
  ["helper", { op: "exec", code: "function scaled(x: number): number {\n  return x * factor;\n}" }],
  ["h: first", { op: "exec", code: STEP_H }],
  ["factor = 5", { op: "exec", code: "factor = 5;" }],
  ["h: after factor changed", { op: "exec", code: STEP_H }],
  ["helper with its own cell's offset", { op: "exec", code: "const offset = 1;\nfunction shifted(x: number): number {\n  return x + offset;\n}" }],
  ["s: first", { op: "exec", code: 'const s = await wb.step("s", () => shifted(3));\nconsole.log(`value=${s}`);' }],
  ["offset redeclared", { op: "exec", code: "const offset = 100;" }],
  ["s: after offset redeclared", { op: "exec", code: 'const s = await wb.step("s", () => shifted(3));\nconsole.log(`value=${s}`);' }],
  ["c: first", { op: "exec", code: STEP_C }],
  ["edit y.csv", { op: "write", path: "data/y.csv", text: csv(3) }],
  ["plan after csv", { op: "exec", code: 'console.log(JSON.stringify((await wb.plan()).find((e) => e.step === "c")));' }],
  ["c: after csv edit", { op: "exec", code: STEP_C }],
  ["class and log", { op: "exec", code: "class Doubler {\n  constructor(public v: number) {}\n  twice() {\n    return this.v * 2;\n  }\n}" }],
  ["d: logs and uses a class", { op: "exec", code: 'const d = await wb.step("d", () => {\n  wb.log("m", 1);\n  return new Doubler(3).twice();\n});\nconsole.log(`value=${d}`);' }],
  ["e: reads through fs", { op: "exec", code: 'import * as fs from "fs";\nconst e = await wb.step("e", () => fs.readFileSync("data/y.csv", "utf8").length);\nconsole.log(`value=${e}`);' }],
  ["edit y.csv again", { op: "write", path: "data/y.csv", text: csv(4) }],
  ["restart 2", { op: "restart" }],
  ["import after restart 2", { op: "exec", code: IMPORTS }],
  ["a: after restart 2", { op: "exec", code: STEP_A }],
  ["let cut edited", { op: "exec", code: "let cut = 0.3;" }],
  ["b: after restart with cut edited", { op: "exec", code: STEP_B }],
  ["c: after restart with csv edited", { op: "exec", code: STEP_C }],
];

describe("a cached value is never wrong, under the real pipelab kernel", () => {
  const dir = tempDir("cache-correct-", { inRepo: true });
  let results = new Map<string, SessionResult>();

  before(() => {
    mkdirSync(join(dir, "data"));
    writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "cache-correct", private: true }));
    writeFileSync(join(dir, "features.ts"), FEATURES(""));
    writeFileSync(join(dir, "util.ts"), "export const k = 2;\n");
    writeFileSync(join(dir, "data", "y.csv"), csv(2));
    const env = { ...testKernel(join(dir, "jupyter")), PIPELAB_STORE: "", PIPELAB_CACHE_DIR: "" };
    const out = runKernelSession(dir, STORY.map(([, action]) => action), env);
    results = new Map(STORY.map(([name], i) => [name, out[i] as SessionResult]));
  });

  const text = (name: string): string => sessionText(results.get(name));
  const value = (name: string): string | undefined => /^value=(.*)$/m.exec(text(name))?.[1];
  const line = (name: string, step: string): string => new RegExp(`^▸ ${step}: (.*)$`, "m").exec(text(name))?.[1] ?? "";

  it("refuses to compute with a module edited after the notebook loaded it, naming it and the import cell", () => {
    assert.equal(value("a: first"), "20");
    assert.equal(results.get("a: after the edit, not re-imported")?.status, "error");
    assert.match(text("a: after the edit, not re-imported"), /step "a" was not run: features\.ts changed after the notebook loaded it.*Re-run the cell that imports "\.\/features"/);
    assert.equal(value("a: after the edit, not re-imported"), undefined);
  });

  it("wrote nothing for the refused key: a new kernel computes the edited module's value", () => {
    assert.equal(value("a: new kernel"), "200");
    assert.match(line("a: new kernel", "a"), /^computed in .* \(module features\.ts changed\)$/);
  });

  it("sees a module imported through another one, and re-running the import cell loads it", () => {
    assert.equal(results.get("a: after the util edit")?.status, "error");
    assert.match(text("a: after the util edit"), /util\.ts changed after the notebook loaded it/);
    assert.equal(value("a: after re-import"), "300");
    assert.match(line("a: after re-import", "a"), /module util\.ts changed/);
    assert.equal(value("a: after restart 2"), "300");
    assert.match(line("a: after restart 2", "a"), /^cached \(disk/);
  });

  it("keys a step by the notebook variables it reads, by value, and the plan names them", () => {
    assert.equal(value("b: first"), "1");
    assert.deepEqual(JSON.parse(text("plan after cut")), { step: "b", state: "stale", reasons: ["variable cut changed (0.5 -> 0.8)"], upstream: [] });
    assert.equal(value("b: after cut changed"), "1.6");
    assert.match(line("b: after cut changed", "b"), /variable cut changed \(0\.5 -> 0\.8\)/);
    assert.equal(value("b: after restart with cut edited"), "0.6", "a new kernel with the variable edited does not get the old value from disk");
  });

  it("follows the variables a helper function reads, as JavaScript binds them", () => {
    assert.equal(value("h: first"), "6");
    assert.equal(value("h: after factor changed"), "15");
    assert.match(line("h: after factor changed", "h"), /variable factor changed \(2 -> 5\)/);
    // A helper reads the variable of its own cell: a later cell's redeclaration is another variable.
    assert.equal(value("s: first"), "4");
    assert.equal(value("s: after offset redeclared"), "4");
    assert.match(line("s: after offset redeclared", "s"), /^cached \(memory/);
  });

  it("keys a step by the files pipelab's readers read, without files:", () => {
    assert.equal(value("c: first"), "2");
    assert.deepEqual(JSON.parse(text("plan after csv")), { step: "c", state: "stale", reasons: ["file data/y.csv changed"], upstream: [] });
    assert.equal(value("c: after csv edit"), "3");
    assert.match(line("c: after csv edit", "c"), /\(file data\/y\.csv changed\)/);
    assert.equal(value("c: after restart with csv edited"), "4", "a new kernel with the file edited does not get the old value from disk");
  });

  it("warns about a file read behind pipelab's back, and about nothing else", () => {
    assert.match(text("e: reads through fs"), /⚠ step "e" names the file data\/y\.csv but did not read it through pipelab's readers.*files: \["data\/y\.csv"\]/);
    for (const [name] of STORY) {
      if (name === "e: reads through fs") continue;
      assert.doesNotMatch(text(name), /⚠/, `${name}: ${text(name)}`);
    }
    assert.equal(value("d: logs and uses a class"), "6");
  });

  it("records the refused executions as failed, in the store", () => {
    const store = ExperimentStore.open(join(dir, "experiments.db"));
    try {
      const runs = store.listRuns({ experiment: "correct" }).reverse();
      const outcomes = store.stepExecutions(runs[0]?.id ?? (0 as never)).filter((e) => e.step === "a").map((e) => e.outcome);
      assert.deepEqual(outcomes, ["miss", "failed"]);
    } finally {
      store.close();
    }
  });
});
