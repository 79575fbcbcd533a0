/**
 * Running a pipeline script headless, in a child process through tsx, with
 * parameter overrides and extra environment: what `pipelab run`, `verify`
 * and `sweep` do with scripts.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, relative } from "node:path";
import { pathToFileURL } from "node:url";
import { ExportError } from "../errors";
import { PARAMS_ENV } from "../workbench";

export interface RunOutcome {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Refuses, saying what to do, a script that imports pipelab from a folder
 * where pipelab is not installed (exported outside the project): otherwise
 * it dies with Node's "Cannot find module 'pipelab'" and a stack trace.
 */
export function assertPipelabResolvable(script: string): void {
  let source = "";
  try {
    source = readFileSync(script, "utf8");
  } catch {
    return; // the run reports an unreadable script itself
  }
  if (!/from\s+["']pipelab["']|require\(\s*["']pipelab["']\s*\)/.test(source)) return;
  try {
    require.resolve("pipelab", { paths: [dirname(script)] });
  } catch {
    const where = relative(process.cwd(), dirname(script)) || ".";
    throw new ExportError(
      `${relative(process.cwd(), script)} imports "pipelab", which is not installed in ${where} or any folder above it. ` +
        `Export the notebook into your project instead (pipelab export NOTEBOOK -o pipelines/NAME.ts), or install pipelab where the script is (cd ${where} && npm install pipelab).`,
    );
  }
}

/** Runs a pipeline script in a child process (tsx), with parameter overrides and extra environment. */
export function runScript(
  script: string,
  options: {
    params?: Record<string, unknown>;
    env?: NodeJS.ProcessEnv;
    echo?: boolean;
    /** Aborting it ends the child with SIGTERM (a sweep worker's timeout or stop). */
    signal?: AbortSignal;
    /** The child in a process group of its own: a Ctrl-C in the parent's terminal does not reach it (a sweep worker finishes its jobs). */
    ownGroup?: boolean;
  },
): Promise<RunOutcome> {
  assertPipelabResolvable(script);
  const loader = pathToFileURL(require.resolve("tsx")).href;
  return new Promise((done) => {
    const child = spawn(process.execPath, ["--import", loader, script], {
      cwd: dirname(script),
      env: { ...process.env, ...options.env, ...(options.params ? { [PARAMS_ENV]: JSON.stringify(options.params) } : {}) },
      stdio: ["ignore", "pipe", "pipe"],
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.ownGroup ? { detached: true } : {}),
    });
    // An abort is reported here, then as the child's exit; a failed spawn is only reported here.
    child.on("error", (error) => {
      if (error.name !== "AbortError") done({ code: 1, stdout, stderr: `${stderr}${error.message}\n` });
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
      if (options.echo) process.stdout.write(d);
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
      if (options.echo) process.stderr.write(d);
    });
    child.on("exit", (code) => done({ code: code ?? 1, stdout, stderr }));
  });
}
