import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { findJupyterPython, installKernel } from "../../src/setup";

export interface NotebookOutput {
  output_type: string;
  name?: string;
  text?: string | string[];
  data?: Record<string, string | string[]>;
  ename?: string;
  evalue?: string;
}
export interface NotebookCell {
  cell_type: string;
  source: string | string[];
  outputs?: NotebookOutput[];
}
export interface Notebook {
  cells: NotebookCell[];
  metadata: Record<string, unknown>;
}

/** The Python with Jupyter that the tests drive (fails the test with setup's message if there is none). */
export function jupyterPython(): string {
  const found = findJupyterPython();
  if (!found) throw new Error("no Python with Jupyter found: run `node dist/cli/main.js setup` (npm test does)");
  return found.python;
}

/**
 * Registers the pipelab kernel into a prefix of the test's own and returns the
 * environment that makes Jupyter see it, and not the user's own kernels.
 */
export function testKernel(prefix: string): { JUPYTER_PATH: string; JUPYTER_DATA_DIR: string; HOME: string } {
  installKernel({ python: jupyterPython(), location: { kind: "prefix", prefix } });
  return isolatedJupyter(prefix);
}

/** Environment in which Jupyter sees the kernels under `prefix` and none of the user's own (~/.local/share/jupyter). */
export function isolatedJupyter(prefix: string): { JUPYTER_PATH: string; JUPYTER_DATA_DIR: string; HOME: string } {
  return { JUPYTER_PATH: join(prefix, "share", "jupyter"), JUPYTER_DATA_DIR: join(prefix, "user-data"), HOME: prefix };
}

/**
 * Executes a notebook headless through real Jupyter (nbconvert + nbclient) and
 * returns the executed notebook. A cell that fails stops the execution and
 * makes nbconvert exit non-zero, with the cell and its error in `stderr`,
 * unless `allowErrors` is set.
 */
export function executeNotebook(
  notebook: string,
  options: { outDir: string; env: NodeJS.ProcessEnv; timeoutSeconds?: number; cwd?: string; allowErrors?: boolean },
): { notebook: Notebook; status: number | null; stderr: string } {
  const name = basename(notebook, ".ipynb");
  const result = spawnSync(
    jupyterPython(),
    [
      "-m",
      "nbconvert",
      "--to",
      "notebook",
      "--execute",
      ...(options.allowErrors ? ["--allow-errors"] : []),
      `--ExecutePreprocessor.timeout=${options.timeoutSeconds ?? 300}`,
      "--ExecutePreprocessor.kernel_name=pipelab",
      "--output-dir",
      options.outDir,
      "--output",
      `${name}.executed.ipynb`,
      notebook,
    ],
    {
      encoding: "utf8",
      cwd: options.cwd,
      env: { ...process.env, PYDEVD_DISABLE_FILE_VALIDATION: "1", ...options.env },
      timeout: ((options.timeoutSeconds ?? 300) + 60) * 1000,
    },
  );
  if (result.status !== 0 && !options.allowErrors) {
    throw new Error(`executing ${notebook} failed (nbconvert exit ${result.status}):\n${clean(result.stderr)}`);
  }
  const out = join(options.outDir, `${name}.executed.ipynb`);
  let parsed: Notebook;
  try {
    parsed = JSON.parse(readFileSync(out, "utf8")) as Notebook;
  } catch {
    throw new Error(`nbconvert wrote no notebook (exit ${result.status}):\n${clean(result.stderr)}`);
  }
  return { notebook: parsed, status: result.status, stderr: result.stderr };
}

/** nbconvert's stderr without the debugger chatter of Debian's Python 3.11. */
function clean(stderr: string): string {
  return stderr
    .split("\n")
    .filter((l) => !/frozen modules|Xfrozen_modules|PYDEVD_DISABLE_FILE_VALIDATION|Debugging will proceed/.test(l))
    .slice(-60)
    .join("\n");
}

export function text(value: string | string[] | undefined): string {
  return Array.isArray(value) ? value.join("") : (value ?? "");
}

/** Every output of every code cell, with the cell's index. */
export function outputsOf(nb: Notebook): { cell: number; output: NotebookOutput }[] {
  return nb.cells.flatMap((c, cell) => (c.outputs ?? []).map((output) => ({ cell, output })));
}

/** The error outputs: cells that raised, and tslab's errors printed to stderr. */
export function errorsOf(nb: Notebook): string[] {
  return outputsOf(nb)
    .filter(
      ({ output }) =>
        output.output_type === "error" ||
        (output.output_type === "stream" && output.name === "stderr" && /Error|error TS|\d+:\d+ - /.test(text(output.text))),
    )
    .map(({ cell, output }) => `cell ${cell}: ${output.ename ?? ""} ${output.evalue ?? text(output.text)}`);
}

/** The outputs that carry a chart: image/svg+xml, or text/html with an inline <svg>. */
export function chartsOf(nb: Notebook): string[] {
  return outputsOf(nb).flatMap(({ output }) => {
    const svg = output.data?.["image/svg+xml"];
    if (svg !== undefined) return [text(svg)];
    const html = text(output.data?.["text/html"]);
    return html.includes("<svg") ? [html] : [];
  });
}

/** The text a code cell printed to stdout. */
export function stdoutOf(nb: Notebook, cell: number): string {
  return (nb.cells[cell]?.outputs ?? [])
    .filter((o) => o.output_type === "stream" && o.name === "stdout")
    .map((o) => text(o.text))
    .join("");
}

/** The text/plain of a code cell's result (its `Out[n]`: the value of its last expression), "" without one. */
export function resultOf(nb: Notebook, cell: number): string {
  const result = (nb.cells[cell]?.outputs ?? []).find((o) => o.output_type === "execute_result");
  return text(result?.data?.["text/plain"]);
}

/** What a code cell shows as text: what it printed to stdout, then its result. */
export function textOf(nb: Notebook, cell: number): string {
  const result = resultOf(nb, cell);
  return stdoutOf(nb, cell) + (result ? `${result}\n` : "");
}

/** One action of a kernel session: a cell executed, a file written as an editor would, a kernel restart. */
export type SessionAction = { op: "exec"; code: string } | { op: "write"; path: string; text: string } | { op: "restart" };

/** What one action of a kernel session gave. */
export interface SessionResult {
  op: SessionAction["op"];
  status: "ok" | "error";
  outputs: { type: string; name?: string; text?: string; mime?: Record<string, string>; ename?: string; evalue?: string; traceback?: string[] }[];
}

/**
 * Drives the real pipelab kernel (jupyter_client, the protocol Jupyter uses)
 * through a session: cells executed one by one, files edited between them,
 * kernel restarts. Results come back through a file, not stdout.
 */
export function runKernelSession(cwd: string, actions: SessionAction[], env: NodeJS.ProcessEnv): SessionResult[] {
  const sessionFile = join(cwd, `.session-${process.pid}-${Date.now()}.json`);
  const resultFile = `${sessionFile}.result.json`;
  writeFileSync(sessionFile, JSON.stringify({ cwd, actions }));
  const result = spawnSync(jupyterPython(), [join(__dirname, "kernel_session.py"), sessionFile, resultFile], {
    encoding: "utf8",
    env: { ...process.env, PYDEVD_DISABLE_FILE_VALIDATION: "1", ...env },
    timeout: 900_000,
  });
  let results: SessionResult[] = [];
  try {
    results = JSON.parse(readFileSync(resultFile, "utf8")) as SessionResult[];
  } catch {
    // reported below with the driver's stderr
  }
  if (result.status !== 0 || results.length !== actions.length) {
    throw new Error(`the kernel session stopped after ${results.length} of ${actions.length} actions (exit ${result.status}):\n${clean(result.stderr ?? "")}`);
  }
  return results;
}

/** The text an action printed: stdout and stderr streams, and error values. */
export function sessionText(result: SessionResult | undefined): string {
  return (result?.outputs ?? [])
    .map((o) => (o.type === "stream" ? (o.text ?? "") : o.type === "error" ? `${o.ename ?? ""}: ${o.evalue ?? ""}\n` : (o.mime?.["text/plain"] ?? "")))
    .join("");
}

/**
 * A notebook for the pipelab kernel as JSON: code cells from strings, and
 * markdown cells from `{ markdown }` (they count in cell numbers, as in Jupyter).
 */
export function notebookJson(cells: (string | { markdown: string })[]): string {
  return JSON.stringify({
    cells: cells.map((c) =>
      typeof c === "string"
        ? { cell_type: "code", metadata: {}, source: c, outputs: [], execution_count: null }
        : { cell_type: "markdown", metadata: {}, source: c.markdown },
    ),
    metadata: { kernelspec: { name: "pipelab", display_name: "TypeScript (pipelab)", language: "typescript" } },
    nbformat: 4,
    nbformat_minor: 4,
  });
}
