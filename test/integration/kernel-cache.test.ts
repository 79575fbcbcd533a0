import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { ExperimentStore } from "../../src/tracking";
import { executeNotebook, jupyterPython, testKernel } from "../helpers/jupyter";
import { tempDir } from "../helpers/tmp";

interface Output {
  type: string;
  name?: string;
  text?: string;
  mime?: Record<string, string>;
}
type Pass = Output[][];

const CELLS = [
  'import { Workbench, loadDataset } from "pipelab";\nimport { double } from "./helpers";\nconst wb = await Workbench.open({ experiment: "kernel-cache" });',
  "const p = wb.params({ factor: 3 });",
  'const raw = await wb.step("load", () => loadDataset("penguins"));',
  'const clean = await wb.step("clean", { raw }, ({ raw }) => raw.dropNa({ axis: 1 }));',
  'const masses = await wb.step("masses", { clean, p }, ({ clean, p }) => (clean.column("Body Mass (g)").values as number[]).map((m) => double(m) * p.factor));',
  "const threshold = 20000;",
  'const heavy = await wb.step("heavy", { masses }, ({ masses }) => masses.filter((m) => m > threshold).length);\nheavy',
  "await wb.plan();",
  "await wb.show.graph();",
];

function stdout(cell: Output[] | undefined): string {
  return (cell ?? []).filter((o) => o.type === "stream" && o.name === "stdout").map((o) => o.text ?? "").join("");
}

/** A cell's Out[n]: the text of its execute_result. */
function result(cell: Output[] | undefined): string {
  return (cell ?? []).find((o) => o.type === "execute_result")?.mime?.["text/plain"] ?? "";
}

function stepLines(pass: Pass): Record<string, string> {
  const lines: Record<string, string> = {};
  for (const cell of pass) for (const m of stdout(cell).matchAll(/^▸ (\w+): (.*)$/gm)) lines[m[1] as string] = m[2] as string;
  return lines;
}

describe("cached steps under the real pipelab kernel: twice in one kernel, then after a restart", () => {
  const dir = tempDir("kernel-cache-", { inRepo: true });
  const env = { ...process.env, ...testKernel(join(dir, "jupyter")), PIPELAB_STORE: "", PIPELAB_CACHE_DIR: "", PYDEVD_DISABLE_FILE_VALIDATION: "1" };
  let first: Pass;
  let second: Pass;
  let restarted: Pass;

  before(() => {
    writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "kernel-cache", private: true }));
    writeFileSync(join(dir, "helpers.ts"), "export function double(x: number): number {\n  return x * 2;\n}\n");
    writeFileSync(
      join(dir, "pipeline.ipynb"),
      JSON.stringify({
        cells: CELLS.map((source) => ({ cell_type: "code", metadata: {}, source, outputs: [], execution_count: null })),
        metadata: { kernelspec: { name: "pipelab", display_name: "TypeScript (pipelab)", language: "typescript" } },
        nbformat: 4,
        nbformat_minor: 4,
      }),
    );
    const resultFile = join(dir, "passes.json");
    const result = spawnSync(jupyterPython(), [join(__dirname, "..", "helpers", "run_passes.py"), join(dir, "pipeline.ipynb"), "2", resultFile], {
      encoding: "utf8",
      env,
      timeout: 600_000,
    });
    if (result.status !== 0) throw new Error(`executing the notebook failed:\n${result.stderr.split("\n").slice(-40).join("\n")}`);
    [first, second, restarted] = JSON.parse(readFileSync(resultFile, "utf8")) as [Pass, Pass, Pass];
  });
  const steps = ["load", "clean", "masses", "heavy"];

  it("computes every step on the first pass", () => {
    const lines = stepLines(first);
    for (const s of steps) assert.match(lines[s] ?? "", /^computed in [\d.]+ (ms|s)$/, `${s}: ${lines[s]}`);
    // 291 of the 334 complete penguins weigh more than 20000 / (2 * 3) g.
    assert.equal(result(first[6]), "291");
  });

  it("serves every step from memory on the second pass, naming the run that computed it", (t) => {
    const lines = stepLines(second);
    for (const s of steps) assert.match(lines[s] ?? "", /^cached \(memory, from run 1\) in [\d.]+ ms$/, `${s}: ${lines[s]}`);
    t.diagnostic(`second pass: ${steps.map((s) => `${s} ${lines[s]?.replace(/.* in /, "")}`).join(", ")}`);
  });

  it("serves every step from disk after a kernel restart", (t) => {
    const lines = stepLines(restarted);
    for (const s of steps) assert.match(lines[s] ?? "", /^cached \(disk, from run 1\) in [\d.]+ (ms|s)$/, `${s}: ${lines[s]}`);
    t.diagnostic(`after restart: ${steps.map((s) => `${s} ${lines[s]?.replace(/.* in /, "")}`).join(", ")}`);
  });

  it("keys a step by a notebook variable it reads without declaring it, with no warning", () => {
    for (const cell of first) assert.doesNotMatch(stdout(cell), /⚠/);
    const store = ExperimentStore.open(join(dir, "experiments.db"));
    try {
      const run = store.listRuns({ experiment: "kernel-cache" }).at(-1);
      const heavy = run ? store.lastStepKey(run.id, "heavy") : undefined;
      const record = JSON.parse(heavy?.keyParts ?? "{}") as { parts?: { variables?: Record<string, string> } };
      assert.deepEqual(Object.keys(record.parts?.variables ?? {}), ["threshold"], "threshold's value is part of heavy's key");
    } finally {
      store.close();
    }
  });

  it("plans all steps fresh and draws the pipeline inline", () => {
    const plan = result(second[7]);
    for (const s of steps) assert.match(plan, new RegExp(`✓ ${s}\\s+fresh`));
    const graph = (second[8] ?? []).map((o) => o.mime?.["text/html"] ?? o.mime?.["image/svg+xml"] ?? "").join("");
    assert.match(graph, /<svg/);
    for (const s of steps) assert.match(graph, new RegExp(`>${s}<`));
    assert.match(graph, /Pipeline: 4 steps, all fresh/);
  });

  it("records hits in the run that used them, with the run that computed them", () => {
    const store = ExperimentStore.open(join(dir, "experiments.db"));
    try {
      const runs = store.listRuns({ experiment: "kernel-cache" }).reverse();
      assert.equal(runs.length, 3);
      const outcomes = runs.map((r) => store.stepExecutions(r.id).map((e) => `${e.step}:${e.outcome}:${e.tier ?? "-"}:${e.sourceRunId ?? "-"}`));
      assert.deepEqual(outcomes[0], ["load:miss:-:-", "clean:miss:-:-", "masses:miss:-:-", "heavy:miss:-:-"]);
      assert.deepEqual(outcomes[1], ["load:hit:memory:1", "clean:hit:memory:1", "masses:hit:memory:1", "heavy:hit:memory:1"]);
      assert.deepEqual(outcomes[2], ["load:hit:disk:1", "clean:hit:disk:1", "masses:hit:disk:1", "heavy:hit:disk:1"]);
      for (const r of runs) assert.equal(r.status, "finished");
    } finally {
      store.close();
    }
  });

  it("in a new kernel after a helper module is edited, recomputes the step that imports it and says why", () => {
    // Same results by other code: masses recomputes, and heavy, whose input is unchanged, comes from disk.
    writeFileSync(join(dir, "helpers.ts"), "export function double(x: number): number {\n  return x + x;\n}\n");
    const { notebook } = executeNotebook(join(dir, "pipeline.ipynb"), { outDir: dir, env, cwd: dir });
    const cells = notebook.cells.filter((c) => c.cell_type === "code").map((c) => (c.outputs ?? []).map((o) => ({ type: o.output_type, ...(o.name ? { name: o.name } : {}), text: Array.isArray(o.text) ? o.text.join("") : (o.text ?? "") })));
    const lines = stepLines(cells);
    assert.match(lines.load ?? "", /^cached \(disk, from run 1\)/);
    assert.match(lines.clean ?? "", /^cached \(disk, from run 1\)/);
    assert.match(lines.masses ?? "", /^computed in [\d.]+ (ms|s) \(module helpers\.ts changed\)$/, lines.masses);
    assert.match(lines.heavy ?? "", /^cached \(disk, from run 1\)/, "same masses, so heavy is still cached");
  });
});
