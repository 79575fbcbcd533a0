import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ExportError } from "../../src/errors";
import { gridJobs, randomJobs } from "../../src/sweep";
import { declaredParams, notebookToScript, parseParamArgs, readNotebook } from "../../src/export";
import { tempDir } from "../helpers/tmp";

function notebookFile(dir: string, cells: { kind?: string; source: string; tags?: string[] }[], extra: Record<string, unknown> = {}): string {
  const file = join(dir, `nb${Math.random().toString(36).slice(2)}.ipynb`);
  writeFileSync(
    file,
    JSON.stringify({
      nbformat: 4,
      nbformat_minor: 5,
      metadata: { kernelspec: { name: "pipelab" } },
      cells: cells.map((c) => ({ cell_type: c.kind ?? "code", source: c.source, metadata: c.tags ? { tags: c.tags } : {}, outputs: [] })),
      ...extra,
    }),
  );
  return file;
}

describe("readNotebook", () => {
  const dir = tempDir();

  it("reads cells, their tags and the file's hash", () => {
    const nb = readNotebook(notebookFile(dir, [{ kind: "markdown", source: "# Title" }, { source: "const a = 1;", tags: ["parameters"] }]));
    assert.deepEqual(nb.cells.map((c) => [c.kind, c.tags]), [["markdown", []], ["code", ["parameters"]]]);
    assert.match(nb.hash, /^[0-9a-f]{64}$/);
    assert.equal(nb.kernel, "pipelab");
  });

  it("says what is wrong with a malformed notebook", () => {
    const bad = (content: string): string => {
      const f = join(dir, `bad${Math.random().toString(36).slice(2)}.ipynb`);
      writeFileSync(f, content);
      return f;
    };
    assert.throws(() => readNotebook(bad("{ not json")), (e: unknown) => e instanceof ExportError && /is not a notebook: it is not valid JSON/.test(e.message));
    assert.throws(() => readNotebook(bad(JSON.stringify({ nbformat: 3, cells: [] }))), /nbformat 3 is not supported; pipelab reads nbformat 4/);
    assert.throws(() => readNotebook(bad(JSON.stringify({ nbformat: 4 }))), /"cells" is missing/);
    assert.throws(() => readNotebook(bad(JSON.stringify({ nbformat: 4, cells: [{ cell_type: "code", source: "x" }, { cell_type: "widget", source: "" }] }))), /cell 2 has cell_type "widget"/);
    assert.throws(() => readNotebook(join(dir, "missing.ipynb")), /cannot read the notebook .*missing\.ipynb/);
  });
});

describe("notebookToScript", () => {
  const dir = tempDir();
  const nb = readNotebook(
    notebookFile(dir, [
      { kind: "markdown", source: "# Penguins\nA story." },
      { source: 'import { Workbench } from "pipelab";\nimport { helper } from "./helpers";\nconst wb = await Workbench.open({ experiment: "e" });' },
      { source: "const p = wb.params({ lr: 0.01, hidden: 16 });", tags: ["parameters"] },
      { source: "const x = await wb.step(\"a\", () => 1);\nx" },
      { source: "console.log('exploring');", tags: ["skip-export"] },
      { source: "const x = await wb.step(\"b\", () => 2);\nconst s = `multi\n  line`;\n// one more than b\nx + 1" },
    ]),
  );
  const script = notebookToScript(nb, { scriptPath: join(dir, "pipelines", "e.ts") });

  it("hoists imports, re-pointing relative ones from the notebook's folder to the script's", () => {
    assert.match(script, /^import \{ Workbench \} from "pipelab";$/m);
    assert.match(script, /^import \{ helper \} from "\.\.\/helpers";$/m);
    assert.match(script, /^import \{ runMain \} from "pipelab";$/m);
    assert.ok(script.indexOf("import {") < script.indexOf("runMain(async"), "imports come first");
  });

  it("says where it came from, turns markdown into comments and drops skip-export cells", () => {
    assert.match(script, new RegExp(`exported from \\.\\./nb\\w+\\.ipynb`));
    assert.match(script, new RegExp(`sha256 ${nb.hash}`));
    assert.match(script, /\/\/ # Penguins\n\s*\/\/ A story\./);
    assert.doesNotMatch(script, /exploring/);
  });

  it("prints a cell's last bare expression, and makes a redeclared const one let", () => {
    assert.match(script, /let x = await wb\.step\("a", \(\) => 1\);/);
    assert.match(script, /\bx = await wb\.step\("b", \(\) => 2\);/);
    assert.match(script, /console\.log\(x\);/);
    assert.match(script, /\/\/ one more than b\n\s*console\.log\(x \+ 1\);/, "under its comment");
    assert.match(script, /const s = `multi\n  line`;/, "template literals are left as they are");
  });

  it("finds the declared parameters and checks --param values against them", () => {
    const declared = declaredParams(script);
    assert.deepEqual(declared, [
      { name: "lr", type: "number", default: 0.01 },
      { name: "hidden", type: "number", default: 16 },
    ]);
    assert.deepEqual(parseParamArgs(["lr=0.1", "hidden=32"], declared, "e.ts"), { lr: 0.1, hidden: 32 });
    assert.throws(() => parseParamArgs(["hiden=32"], declared, "e.ts"), /unknown parameter "hiden": e\.ts declares lr \(number, default 0\.01\), hidden \(number, default 16\)/);
    assert.throws(() => parseParamArgs(["lr=fast"], declared, "e.ts"), /parameter "lr" is a number \(default 0\.01\); got "fast"/);
    assert.throws(() => parseParamArgs(["lr"], declared, "e.ts"), /use name=value/);
  });
});

describe("sweep combinations", () => {
  it("expands a grid and draws seeded random points within ranges", () => {
    const declared = declaredParams("wb.params({ lr: 0.01, hidden: 16, model: 'mlp' })");
    assert.deepEqual(gridJobs(["lr=0.001,0.01", "hidden=8,16,32"], declared, "x.ts").map((j) => j.params), [
      { lr: 0.001, hidden: 8 },
      { lr: 0.001, hidden: 16 },
      { lr: 0.001, hidden: 32 },
      { lr: 0.01, hidden: 8 },
      { lr: 0.01, hidden: 16 },
      { lr: 0.01, hidden: 32 },
    ]);
    const a = randomJobs(20, ["lr=0.0001:0.1", "hidden=8:64", "model=mlp,linear"], declared, "x.ts", 3);
    assert.deepEqual(a, randomJobs(20, ["lr=0.0001:0.1", "hidden=8:64", "model=mlp,linear"], declared, "x.ts", 3), "seeded");
    for (const { params } of a) {
      assert.ok((params.lr as number) >= 0.0001 && (params.lr as number) <= 0.1);
      assert.ok(Number.isInteger(params.hidden) && (params.hidden as number) >= 8 && (params.hidden as number) <= 64, "an integer param stays an integer");
      assert.ok(["mlp", "linear"].includes(params.model as string));
    }
    assert.ok(a.filter((j) => (j.params.lr as number) < 0.01).length >= 5, "a range over 3 orders of magnitude is drawn log-uniformly");
    assert.throws(() => gridJobs(["depth=1,2"], declared, "x.ts"), /unknown parameter "depth"/);
  });
});
