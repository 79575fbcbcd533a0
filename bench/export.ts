/**
 * bench/export: a pipeline run as an exported script against the same
 * notebook executed through the pipelab kernel (Jupyter, nbconvert), with a
 * cold cache (a fresh cache folder) and a warm one (everything cached), in
 * the same run, on notebooks/01-penguins-classification.ipynb.
 *
 * Each figure is the wall-clock time of the `pipelab run` command, median of
 * RUNS samples: process start, TypeScript and library loading, the kernel's
 * start for the notebook, the steps, and the end of the run.
 *
 * Run from the repository root:
 *   npm run --silent bench -- export
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { installKernel, findJupyterPython } from "../src/setup";
import { machineInfo, median, progressFor, round } from "./lib";

const progress = progressFor("export");
const root = join(__dirname, "..");
const cli = join(root, "dist", "cli", "main.js");
const NOTEBOOK = join(root, "notebooks", "01-penguins-classification.ipynb");
const SAMPLES = 3;

function timed(args: string[], env: NodeJS.ProcessEnv, cwd: string): number {
  const started = performance.now();
  const r = spawnSync(process.execPath, [cli, ...args], { env, cwd, encoding: "utf8" });
  const ms = performance.now() - started;
  if (r.status !== 0) throw new Error(`pipelab ${args.join(" ")} failed:\n${r.stderr}`);
  return ms;
}

function main(): void {
  const python = findJupyterPython()?.python;
  if (!python) throw new Error("no Python with Jupyter: run `node dist/cli/main.js setup`");
  // Inside the repository, so that the script resolves "pipelab" as in a project.
  mkdirSync(join(root, "bench", ".out"), { recursive: true });
  const dir = mkdtempSync(join(root, "bench", ".out", "export-"));
  try {
    writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "bench-export", private: true }));
    installKernel({ python, location: { kind: "prefix", prefix: join(dir, "jupyter") } });
    const base = {
      ...process.env,
      JUPYTER_PATH: join(dir, "jupyter", "share", "jupyter"),
      JUPYTER_DATA_DIR: join(dir, "jupyter-data"),
      HOME: dir,
      PIPELAB_STORE: join(dir, "experiments.db"),
    };
    const script = join(dir, "pipelines", "penguins.ts");
    timed(["export", NOTEBOOK, "-o", script], base, dir);
    const samples: Record<string, number[]> = { notebookCold: [], notebookWarm: [], scriptCold: [], scriptWarm: [] };
    for (let i = 0; i < SAMPLES; i++) {
      for (const kind of ["notebook", "script"] as const) {
        const cache = join(dir, `cache-${kind}-${i}`);
        const env = { ...base, PIPELAB_CACHE_DIR: cache };
        const args = kind === "notebook" ? ["run", NOTEBOOK, "-o", join(dir, "executed.ipynb")] : ["run", script];
        progress(`${kind}, sample ${i + 1}: cold cache`);
        samples[`${kind}Cold`]?.push(round(timed(args, env, dir)));
        progress(`${kind}, sample ${i + 1}: warm cache`);
        samples[`${kind}Warm`]?.push(round(timed(args, env, dir)));
        rmSync(cache, { recursive: true, force: true });
      }
    }
    const m = (k: string): number => median(samples[k] ?? []);
    const result = {
      benchmark: "export",
      date: new Date().toISOString(),
      machine: machineInfo(),
      notebook: "notebooks/01-penguins-classification.ipynb (exported script without its skip-export cells)",
      settings: { samples: SAMPLES, statistic: "median", measured: "wall clock of `pipelab run`" },
      notebookColdMs: m("notebookCold"),
      notebookWarmMs: m("notebookWarm"),
      scriptColdMs: m("scriptCold"),
      scriptWarmMs: m("scriptWarm"),
      scriptOverNotebookCold: Math.round((m("scriptCold") / m("notebookCold")) * 100) / 100,
      scriptOverNotebookWarm: Math.round((m("scriptWarm") / m("notebookWarm")) * 100) / 100,
      samples,
    };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main();
