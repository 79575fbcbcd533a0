import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ExperimentStore } from "../../src/tracking";
import { executeNotebook, isolatedJupyter, jupyterPython, notebookJson, resultOf, stdoutOf, textOf } from "../helpers/jupyter";
import type { Notebook } from "../helpers/jupyter";
import { userProject } from "../helpers/project";
import { tempDir } from "../helpers/tmp";

const root = join(__dirname, "..", "..");

/** The files `npm pack` would publish, copied into a user's project as if npm had installed pipelab there. */
function installPacked(project: string): string {
  const packed = JSON.parse(execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: root, encoding: "utf8" })) as {
    files: { path: string }[];
  }[];
  const target = join(project, "node_modules", "pipelab");
  for (const { path } of packed[0]?.files ?? []) {
    mkdirSync(join(target, path, ".."), { recursive: true });
    cpSync(join(root, path), join(target, path));
  }
  return target;
}


describe("pipelab installed in a user's own project", () => {
  const project = tempDir("pipelab-user-project-");
  userProject(project, "my-analysis", false);
  const installed = installPacked(project);

  it("publishes what a user needs: the build, its types, the kernel and the README", () => {
    for (const f of ["package.json", "README.md", "dist/index.js", "dist/index.d.ts", "dist/cli/main.js", "kernel/launch.cjs", "kernel/kernel.json"]) {
      assert.ok(existsSync(join(installed, f)), `${f} is not in the package`);
    }
    assert.ok(!existsSync(join(installed, "src")), "sources stay out of the package");
    assert.ok(!existsSync(join(installed, "test")), "tests stay out of the package");
  });

  it("registers its kernel from the installed copy and runs a notebook that imports it", () => {
    const prefix = join(project, ".jupyter-prefix");
    const install = spawnSync(process.execPath, [join(installed, "dist", "cli", "main.js"), "kernel", "install", "--prefix", prefix], {
      encoding: "utf8",
    });
    assert.equal(install.status, 0, install.stderr);
    const spec = JSON.parse(readFileSync(join(prefix, "share", "jupyter", "kernels", "pipelab", "kernel.json"), "utf8")) as { argv: string[] };
    assert.equal(spec.argv[1], join(installed, "kernel", "launch.cjs"));

    const analysis = join(project, "analysis");
    mkdirSync(analysis);
    writeFileSync(
      join(analysis, "check.ipynb"),
      notebookJson([
        'import { Workbench, loadDatasetRows } from "pipelab";\nconst wb = await Workbench.open({ experiment: "user-project" });',
        'const cars = await wb.step("load", () => loadDatasetRows("cars"));\nwb.log("rows", cars.length);\ncars.length',
        // Real types, not `any`: assigning a RunId to a string must be a type error.
        "const id: number = wb.runId;\n// @ts-expect-error a RunId is not a string\nconst wrong: string = wb.runId;\nid",
      ]),
    );
    const env = { ...isolatedJupyter(prefix), PIPELAB_STORE: "" };
    const { notebook: executed } = executeNotebook(join(analysis, "check.ipynb"), { outDir: analysis, env, cwd: analysis });
    assert.match(stdoutOf(executed, 1), /▸ load: computed in /);
    assert.equal(resultOf(executed, 1), "406", "the cell's last expression is its Out[n]");

    // With no PIPELAB_STORE, the store is experiments.db at the project root (the folder with package.json).
    const storeFile = join(project, "experiments.db");
    assert.ok(existsSync(storeFile), "the default store lives at the project root");
    const store = ExperimentStore.open(storeFile);
    try {
      const [run] = store.listRuns({ experiment: "user-project" });
      assert.ok(run);
      assert.equal(store.runDetails(run.id)?.metrics.rows, 406);
    } finally {
      store.close();
    }
    assert.ok(jupyterPython());
  });
});

describe("pipelab linked into a user's project (npm install ../pipelab)", () => {
  it("type-checks a cell whose value is a DataFrame, though danfo is only in pipelab's own node_modules", () => {
    // A link, as npm makes it for a folder: pipelab's dependencies stay in the checkout's node_modules.
    const project = tempDir("pipelab-linked-");
    writeFileSync(join(project, "package.json"), JSON.stringify({ name: "linked-analysis", private: true, dependencies: { pipelab: `file:${root}` } }));
    mkdirSync(join(project, "node_modules"));
    symlinkSync(root, join(project, "node_modules", "pipelab"));
    mkdirSync(join(project, "data"));
    writeFileSync(join(project, "data", "x.csv"), "a,b\n1,2\n3,4\n5,6\n");
    writeFileSync(
      join(project, "frame.ipynb"),
      notebookJson([
        'import { Workbench, readCsv } from "pipelab";\nconst wb = await Workbench.open({ experiment: "linked" });',
        'const raw = await wb.step("load", () => readCsv("data/x.csv"));\nraw.shape',
        "raw.shape[0]",
      ]),
    );
    const env = { ...isolatedJupyter(join(project, "jupyter")), PIPELAB_STORE: "", PIPELAB_CACHE_DIR: "" };
    const run = spawnSync(process.execPath, [join(root, "dist", "cli", "main.js"), "run", "frame.ipynb"], { cwd: project, env: { ...process.env, ...env }, encoding: "utf8" });
    assert.equal(run.status, 0, run.stderr + run.stdout);
    const executed = JSON.parse(readFileSync(join(project, "frame.executed.ipynb"), "utf8")) as Notebook;
    assert.doesNotMatch(textOf(executed, 1), /cannot be named/);
    assert.equal(resultOf(executed, 2), "3");
  });
});
