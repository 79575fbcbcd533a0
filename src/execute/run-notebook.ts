/**
 * Running a notebook headless through the pipelab kernel (nbclient), with the
 * project's own kernelspec and parameter overrides: `pipelab run NOTEBOOK`.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { ensureJupyter, projectKernel } from "../setup";
import { findProjectRoot, packageRoot } from "../util";
import { PARAMS_ENV, TAGS_ENV } from "../workbench";
import type { RunOutcome } from "./run-script";

const log = (line: string): void => console.log(line);

/** What a failed notebook run says: the cell (1-based, counting every cell), the error, and where the executed copy went. */
export interface NotebookFailure {
  cell: number;
  ename: string;
  evalue: string;
  /** The notebook as far as it ran, with the error under the failing cell. */
  saved: string;
}

/**
 * Executes a notebook through the pipelab kernel (nbclient), with parameter
 * overrides; saves the executed copy, or, when a cell fails, the notebook as far
 * as it ran (NAME.failed.ipynb beside the notebook, or where `output` says).
 */
export function runNotebook(
  notebook: string,
  options: { params?: Record<string, unknown>; output?: string; env?: NodeJS.ProcessEnv; tags?: Record<string, string> },
): Promise<RunOutcome & { executed: string; failure?: NotebookFailure }> {
  const python = ensureJupyter({ install: false, log }).python;
  // A kernelspec of the project's own: the user's registered kernels are never touched.
  const kernel = projectKernel(findProjectRoot(dirname(notebook)), python);
  const stem = join(dirname(notebook), basename(notebook, ".ipynb"));
  const executed = options.output ?? `${stem}.executed.ipynb`;
  const failed = options.output ?? `${stem}.failed.ipynb`;
  const work = mkdtempSync(join(tmpdir(), "pipelab-run-"));
  const resultFile = join(work, "result.json");
  return new Promise((done) => {
    const child = spawn(python, [join(packageRoot, "scripts", "run_notebook.py"), notebook, executed, failed, resultFile], {
      cwd: dirname(notebook),
      env: {
        ...process.env,
        PYDEVD_DISABLE_FILE_VALIDATION: "1",
        PIPELAB_SOURCE: notebook,
        ...kernel.env,
        ...options.env,
        ...(options.params ? { [PARAMS_ENV]: JSON.stringify(options.params) } : {}),
        ...(options.tags ? { [TAGS_ENV]: JSON.stringify({ ...inheritedTags(), ...options.tags }) } : {}),
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("exit", (code) => {
      let result: { ok?: boolean; cell?: number; ename?: string; evalue?: string } = {};
      try {
        result = JSON.parse(readFileSync(resultFile, "utf8")) as typeof result;
      } catch {
        // no result: the runner itself failed; its stderr says why
      }
      rmSync(work, { recursive: true, force: true });
      const failure =
        result.ok === false ? { cell: result.cell ?? 0, ename: result.ename ?? "Error", evalue: result.evalue ?? "", saved: failed } : undefined;
      done({ code: code ?? 1, stdout, stderr, executed, ...(failure ? { failure } : {}) });
    });
  });
}

/** The tags already asked for through the environment (a sweep's), kept under the CLI's own. */
function inheritedTags(): Record<string, string> {
  try {
    return JSON.parse(process.env[TAGS_ENV] ?? "{}") as Record<string, string>;
  } catch {
    return {};
  }
}
