import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { tempDir } from "../helpers/tmp";

const root = join(__dirname, "..", "..");
const tsx = join(root, "node_modules", "tsx", "dist", "loader.mjs");

/** A small project: a script with four steps, a helper module importing another, a package, a data file. */
function project(): string {
  const dir = tempDir("pipelab-restart-");
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "restart-test", private: true }));
  mkdirSync(join(dir, "node_modules", "fakepkg"), { recursive: true });
  symlinkSync(join(root, "node_modules", "pipelab"), join(dir, "node_modules", "pipelab"));
  writeFileSync(join(dir, "node_modules", "fakepkg", "package.json"), JSON.stringify({ name: "fakepkg", version: "1.0.0", main: "index.js" }));
  writeFileSync(join(dir, "node_modules", "fakepkg", "index.js"), "exports.tag = (x) => `#${x}`;\n");
  mkdirSync(join(dir, "lib"));
  writeFileSync(join(dir, "lib", "constants.ts"), "export const FACTOR = 2;\n");
  writeFileSync(join(dir, "lib", "helpers.ts"), 'import { FACTOR } from "./constants";\nexport function double(x: number): number {\n  return x * FACTOR;\n}\n');
  writeFileSync(join(dir, "data.csv"), "1\n2\n3\n");
  writeFileSync(
    join(dir, "pipeline.ts"),
    `import { readFileSync } from "node:fs";
import { Workbench } from "pipelab";
import { double } from "./lib/helpers";
import { tag } from "fakepkg";

(async () => {
  const wb = await Workbench.open({ experiment: "restart" });
  const raw = await wb.step("load", () => readFileSync("data.csv", "utf8").trim().split("\\n").map(Number), { files: ["data.csv"] });
  const doubled = await wb.step("double", { raw }, ({ raw }) => raw.map(double));
  const tagged = await wb.step("tag", { doubled }, ({ doubled }) => doubled.map((x) => tag(x)));
  const total = await wb.step("total", { doubled }, ({ doubled }) => doubled.reduce((a, b) => a + b, 0));
  console.log("RESULT " + JSON.stringify({ total, tagged }));
})();
`,
  );
  return dir;
}

/** Runs the script in a new process (a restart) and returns how each step went. */
function run(dir: string): { outcome: Record<string, string>; reason: Record<string, string>; result: unknown } {
  const r = spawnSync(process.execPath, ["--import", tsx, "pipeline.ts"], { cwd: dir, encoding: "utf8", env: { ...process.env, PIPELAB_STORE: "", PIPELAB_CACHE_DIR: "" } });
  assert.equal(r.status, 0, r.stderr);
  const outcome: Record<string, string> = {};
  const reason: Record<string, string> = {};
  for (const m of r.stdout.matchAll(/^▸ (\w+): (computed|cached \((?:memory|disk))/gm)) outcome[m[1] as string] = (m[2] as string).replace("cached (", "");
  for (const m of r.stdout.matchAll(/^▸ (\w+): computed in [\d.]+ (?:ms|s) \((.*)\)$/gm)) reason[m[1] as string] = m[2] as string;
  const line = r.stdout.split("\n").find((l) => l.startsWith("RESULT "));
  return { outcome, reason, result: JSON.parse(line?.slice(7) ?? "null") };
}

describe("the step cache across processes (a restarted kernel, a script)", () => {
  const dir = project();

  it("computes everything the first time", () => {
    const r = run(dir);
    assert.deepEqual(r.outcome, { load: "computed", double: "computed", tag: "computed", total: "computed" });
    assert.deepEqual(r.reason, {}, "a step that never ran has nothing to explain");
    assert.deepEqual(r.result, { total: 12, tagged: ["#2", "#4", "#6"] });
  });

  it("serves every step from disk in a new process", () => {
    assert.deepEqual(run(dir).outcome, { load: "disk", double: "disk", tag: "disk", total: "disk" });
  });

  it("recomputes the steps that use an edited helper module (imported transitively), and their downstream", () => {
    writeFileSync(join(dir, "lib", "constants.ts"), "export const FACTOR = 3;\n");
    const r = run(dir);
    assert.deepEqual(r.outcome, { load: "disk", double: "computed", tag: "computed", total: "computed" });
    // The new process says why, from the key parts the store recorded for the last run.
    assert.deepEqual(r.reason, {
      double: "module lib/constants.ts changed",
      tag: "input doubled changed (step double produced a different output)",
      total: "input doubled changed (step double produced a different output)",
    });
    assert.deepEqual(r.result, { total: 18, tagged: ["#3", "#6", "#9"] });
  });

  it("recomputes only the step whose library was upgraded", () => {
    writeFileSync(join(dir, "node_modules", "fakepkg", "package.json"), JSON.stringify({ name: "fakepkg", version: "1.0.1", main: "index.js" }));
    const r = run(dir);
    assert.deepEqual(r.outcome, { load: "disk", double: "disk", tag: "computed", total: "disk" });
    assert.deepEqual(r.reason, { tag: "package fakepkg 1.0.0 -> 1.0.1" });
  });

  it("recomputes from the start when a declared data file changes", () => {
    writeFileSync(join(dir, "data.csv"), "1\n2\n3\n4\n");
    const r = run(dir);
    assert.deepEqual(r.outcome, { load: "computed", double: "computed", tag: "computed", total: "computed" });
    assert.equal(r.reason.load, "file data.csv changed");
    assert.deepEqual(r.result, { total: 30, tagged: ["#3", "#6", "#9", "#12"] });
  });

  it("is unaffected by a formatting-only edit of the script", () => {
    const file = join(dir, "pipeline.ts");
    const src = require("node:fs").readFileSync(file, "utf8") as string;
    writeFileSync(file, src.replace("raw.map(double)", "raw.map(\n    /* reformatted */ double )"));
    assert.deepEqual(run(dir).outcome, { load: "disk", double: "disk", tag: "disk", total: "disk" });
  });

  it("says, in a new process, that a step's output was pruned from the cache", () => {
    rmSync(join(dir, ".pipelab", "cache"), { recursive: true, force: true });
    const r = run(dir);
    assert.equal(r.outcome.load, "computed");
    assert.match(r.reason.load ?? "", /^its output from run \d+ is no longer cached$/);
  });
});
