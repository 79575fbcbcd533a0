/**
 * From notebook to scripted pipeline and back: `pipelab export`, `import`, `run`, `verify`, `sweep`.
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { basename, dirname, extname, join, relative, resolve } from "node:path";
import { ExportError, TrackingError } from "../errors";
import { declaredParams, importScript, notebookToScript, parseParamArgs, readNotebook } from "../export";
import type { DeclaredParam } from "../export";
import { defaultStorePath, openStore } from "../tracking";
import type { RunDetails } from "../tracking";
import { findProjectRoot, makeOwnFolder, metricMode, visible, writeFileAtomic, writeOwnFile } from "../util";
import { TAGS_ENV } from "../workbench";
import { invocationTag, runNotebook, runScript, runsOfInvocation } from "../execute";
import type { RunOutcome } from "../execute";
import { LocalProcessExecutor, gridJobs, randomJobs, runSweep } from "../sweep";
import { CliUsageError, parse } from "./args";
import type { Command } from "./command";
import { printComparison, queueSweep, showSweepStatus } from "./sweep-queue";

const log = (line: string): void => console.log(line);

/** The parameters a notebook or script declares (wb.params({...}) literals). */
function paramsOf(file: string): DeclaredParam[] {
  if (extname(file) === ".ipynb") {
    return declaredParams(
      readNotebook(file)
        .cells.filter((c) => c.kind === "code")
        .map((c) => c.source)
        .join("\n;\n"),
    );
  }
  return declaredParams(readFileSync(file, "utf8"));
}

function requireFile(file: string | undefined, what: string): string {
  if (!file) throw new CliUsageError(`${what}: which file?`);
  const path = resolve(file);
  if (!existsSync(path)) throw new ExportError(`${path} does not exist`);
  return path;
}

/** The default place of a notebook's exported script: pipelines/NAME.ts at the project root. */
function defaultScriptPath(notebook: string): string {
  return join(findProjectRoot(dirname(notebook)), "pipelines", `${basename(notebook, ".ipynb").replace(/^\d+-/, "")}.ts`);
}

/** The failing cell of an nbconvert run, in a few lines, without Python's traceback. */
function notebookFailure(stderr: string): string {
  const start = stderr.indexOf("An error occurred while executing the following cell:");
  if (start < 0) return stderr.split("\n").filter((l) => l.trim() && !/frozen|PYDEVD|Debugg/.test(l)).slice(-8).join("\n");
  return stderr.slice(start).split("\n").slice(0, 12).join("\n");
}

const exportCommand: Command = {
  summary: "turn a notebook into a typed pipeline script",
  usage: "pipelab export NOTEBOOK.ipynb [-o pipelines/NAME.ts] [--check]   (--check: also type-check it with tsc --noEmit)",
  async run(args) {
    const { values, positionals } = parse(args, { output: { type: "string", short: "o" }, check: { type: "boolean" } }, true);
    const notebook = requireFile(positionals[0], "export");
    const script = resolve(values.output ?? defaultScriptPath(notebook));
    const text = notebookToScript(readNotebook(notebook), { scriptPath: script, exportedAt: new Date() });
    mkdirSync(dirname(script), { recursive: true });
    writeFileAtomic(script, text);
    const params = paramsOf(script);
    log(`exported ${relative(process.cwd(), notebook)} to ${relative(process.cwd(), script)}`);
    if (params.length > 0) log(`parameters: ${params.map((p) => `${p.name}=${JSON.stringify(p.default)}`).join(" ")}`);
    log(`run it: npx pipelab run ${relative(process.cwd(), script)}${params[0] ? ` --param ${params[0].name}=...` : ""}`);
    if (values.check) {
      const problems = typecheck(script);
      if (problems) throw new ExportError(`the exported script does not type-check:\n${problems}`);
      log("type-check: ok");
    }
    return 0;
  },
};

const importCommand: Command = {
  summary: "turn a pipeline script back into a notebook (the inverse of export; a hand-written script gets a cell per step)",
  usage: "pipelab import SCRIPT.ts [-o notebooks/NAME.ipynb] [--force]   (--force: replace an existing notebook)",
  async run(args) {
    const { values, positionals } = parse(args, { output: { type: "string", short: "o" }, force: { type: "boolean" } }, true);
    const script = requireFile(positionals[0], "import");
    const notebook = importScript(script, { ...(values.output === undefined ? {} : { notebook: resolve(values.output) }), force: values.force === true });
    log(`imported ${relative(process.cwd(), script)} to ${relative(process.cwd(), notebook)}`);
    log(`open it with npx pipelab notebook, or run it: npx pipelab run ${relative(process.cwd(), notebook)}`);
    return 0;
  },
};

/** Type-checks one script with tsc --noEmit (strict, Node 20 modules); returns the diagnostics, or "" when it passes. */
export function typecheck(script: string): string {
  const ts = require("typescript") as typeof import("typescript");
  const options = {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    skipLibCheck: true,
    esModuleInterop: true,
    types: ["node"],
  };
  // Types and modules resolve from the script's folder, as they will when it runs, not from where the command was typed.
  const host = ts.createCompilerHost(options);
  host.getCurrentDirectory = () => dirname(resolve(script));
  const program = ts.createProgram({ rootNames: [resolve(script)], options, host });
  const diagnostics = ts.getPreEmitDiagnostics(program).filter((d) => d.category === ts.DiagnosticCategory.Error);
  const text = ts.formatDiagnostics(diagnostics, { getCanonicalFileName: (f) => f, getCurrentDirectory: () => process.cwd(), getNewLine: () => "\n" });
  // What to do about the errors a project set-up causes, rather than the script.
  const hints: string[] = [];
  if (diagnostics.some((d) => d.code === 2688 && /'node'/.test(ts.flattenDiagnosticMessageText(d.messageText, "\n")))) {
    hints.push("Node.js's types are not installed where the script is: npm install --save-dev @types/node");
  }
  if (diagnostics.some((d) => d.code === 2307 && /'pipelab'/.test(ts.flattenDiagnosticMessageText(d.messageText, "\n")))) {
    hints.push("pipelab is not installed where the script is: export it into your project (-o pipelines/NAME.ts), or npm install pipelab there");
  }
  return hints.length > 0 ? `${text}\n${hints.map((h) => `hint: ${h}`).join("\n")}` : text;
}

function paramArgs(args: string[]): { params: string[]; rest: string[] } {
  const params: string[] = [];
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a === "--param" || a === "-p") {
      const v = args[++i];
      if (v === undefined) throw new CliUsageError(`${a} needs a value: --param name=value`);
      params.push(v);
    } else if (a.startsWith("--param=")) params.push(a.slice("--param=".length));
    else rest.push(a);
  }
  return { params, rest };
}

const runCommand: Command = {
  summary: "run a pipeline script headless, or execute a notebook through the pipelab kernel, with parameters",
  usage: "pipelab run SCRIPT.ts|NOTEBOOK.ipynb [--param name=value ...] [-o EXECUTED.ipynb]",
  async run(args) {
    const { params: paramTexts, rest } = paramArgs(args);
    const { values, positionals } = parse(rest, { output: { type: "string", short: "o" } }, true);
    const file = requireFile(positionals[0], "run");
    const params = parseParamArgs(paramTexts, paramsOf(file), relative(process.cwd(), file));
    if (extname(file) === ".ipynb") {
      const tag = invocationTag();
      const r = await runNotebook(file, { params, tags: { [tag.key]: tag.value }, ...(values.output ? { output: resolve(values.output) } : {}) });
      if (r.failure) {
        const { cell, ename, evalue, saved } = r.failure;
        const error = `${ename}: ${evalue}`;
        // The kernel ended its runs as it stopped; what failed is known here.
        const store = openStore(defaultStorePath(dirname(file)));
        try {
          for (const run of runsOfInvocation(store, tag)) store.failRun(run.id, { step: `cell ${cell}`, error });
        } finally {
          store.close();
        }
        // The error is the notebook's text: shown with its control characters made visible.
        console.error(`pipelab: ${relative(process.cwd(), file)} failed at cell ${cell}: ${visible(error)}`);
        console.error(`pipelab: the notebook as far as it ran, with the error, is saved in ${relative(process.cwd(), saved)}`);
        return 1;
      }
      if (r.code !== 0) {
        console.error(`pipelab: running the notebook failed:\n${notebookFailure(r.stderr)}`);
        return 1;
      }
      log(`executed ${relative(process.cwd(), file)}: saved ${relative(process.cwd(), r.executed)}`);
      return 0;
    }
    const r = await runScript(file, { params, echo: true });
    return r.code;
  },
};

/** Two metric values equal within a tolerance (absolute, and relative for large values). */
function close(a: number, b: number, tolerance: number): boolean {
  return Math.abs(a - b) <= tolerance * Math.max(1, Math.abs(a), Math.abs(b));
}

const verifyCommand: Command = {
  summary: "export a notebook, run the script without cache, and compare its metrics with the notebook's last run of the same parameters",
  usage: "pipelab verify NOTEBOOK.ipynb [--param name=value ...] [--tolerance 1e-9]",
  async run(args) {
    const { params: paramTexts, rest } = paramArgs(args);
    const { values, positionals } = parse(rest, { tolerance: { type: "string" }, store: { type: "string" } }, true);
    const notebook = requireFile(positionals[0], "verify");
    const tolerance = values.tolerance === undefined ? 1e-9 : Number(values.tolerance);
    if (!(tolerance >= 0)) throw new CliUsageError(`invalid --tolerance: ${values.tolerance}`);
    const params = parseParamArgs(paramTexts, paramsOf(notebook), relative(process.cwd(), notebook));
    const root = findProjectRoot(dirname(notebook));
    const dir = join(root, ".pipelab", "verify");
    makeOwnFolder(dir);
    const script = join(dir, `${basename(notebook, ".ipynb")}.ts`);
    writeOwnFile(script, notebookToScript(readNotebook(notebook), { scriptPath: script }));
    const cache = mkdtempSync(join(dir, "cache-"));
    const storePath = resolve(values.store ?? defaultStorePath(dirname(notebook)));
    log(`verify: running ${relative(process.cwd(), script)} without cache ...`);
    const tag = invocationTag();
    let r: RunOutcome;
    try {
      r = await runScript(script, {
        params,
        env: { PIPELAB_CACHE_DIR: cache, PIPELAB_STORE: storePath, [TAGS_ENV]: JSON.stringify({ verify: basename(notebook), [tag.key]: tag.value }) },
      });
    } finally {
      rmSync(cache, { recursive: true, force: true });
    }
    if (r.code !== 0) {
      console.error(`pipelab: the exported script failed:\n${r.stderr.trim().split("\n").slice(-6).join("\n")}`);
      return 1;
    }
    const store = openStore(storePath);
    try {
      let failed = 0;
      // The runs the script made, by the tag this verify gave them: whatever the script printed (quiet: true prints nothing).
      const scriptRuns = runsOfInvocation(store, tag);
      for (const scriptRun of scriptRuns) {
        const id = scriptRun.id;
        const candidates = store
          .listRuns({ experiment: scriptRun.experiment, filter: { source: "notebook", status: "finished" } })
          .map((x) => store.runDetails(x.id))
          .filter((x): x is RunDetails => x !== undefined && JSON.stringify(sorted(x.params)) === JSON.stringify(sorted(scriptRun.params)));
        const notebookRun = candidates[0];
        if (!notebookRun) {
          throw new TrackingError(
            `no finished notebook run of experiment "${scriptRun.experiment}" has the parameters ${JSON.stringify(sorted(scriptRun.params))}: run the notebook first (pipelab run ${relative(process.cwd(), notebook)})`,
          );
        }
        const keys = Object.keys(notebookRun.metrics).sort();
        const diffs = keys.filter((k) => scriptRun.metrics[k] === undefined || !close(notebookRun.metrics[k] as number, scriptRun.metrics[k] as number, tolerance));
        if (diffs.length === 0) {
          log(`✓ script run ${id} reproduces notebook run ${notebookRun.id}: ${keys.length} metrics equal (tolerance ${tolerance})`);
        } else {
          failed += 1;
          log(`✗ script run ${id} differs from notebook run ${notebookRun.id}:`);
          for (const k of diffs) log(`    ${k}: notebook ${notebookRun.metrics[k]}, script ${scriptRun.metrics[k] ?? "(missing)"}`);
        }
      }
      if (scriptRuns.length === 0) throw new TrackingError("the script made no run (does it call Workbench.open?)");
      return failed === 0 ? 0 : 1;
    } finally {
      store.close();
    }
  },
};

function sorted(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));
}

/** The sweep command's options that take a value: their values are not the script. */
const SWEEP_OPTIONS = {
  grid: { type: "boolean" },
  random: { type: "string" },
  parallel: { type: "string" },
  metric: { type: "string" },
  seed: { type: "string" },
  store: { type: "string" },
  queue: { type: "string" },
  wait: { type: "boolean" },
  status: { type: "string" },
  "job-timeout": { type: "string" },
  retries: { type: "string" },
} as const;

const sweepCommand: Command = {
  summary: "run a pipeline script once per parameter combination, in parallel, and compare the runs; or queue them for workers on many machines",
  usage:
    "pipelab sweep SCRIPT.ts --grid name=v1,v2 [name2=...] | --random N name=low:high ... [--parallel N] [--metric NAME] [--seed S]\n" +
    "            [--queue postgres://... [--store postgres://...] [--job-timeout 30m] [--retries 2] [--wait]]   (queued for `pipelab worker`s)\n" +
    "            pipelab sweep --status SWEEP_ID --queue postgres://...",
  async run(args) {
    const takesValue = (a: string | undefined): boolean => a !== undefined && a.startsWith("--") && SWEEP_OPTIONS[a.slice(2) as keyof typeof SWEEP_OPTIONS]?.type === "string";
    if (args.includes("--status")) {
      const { values, positionals } = parse(args, SWEEP_OPTIONS, true);
      if (values.status === undefined || values.queue === undefined) throw new CliUsageError("sweep --status: give the sweep's id and --queue postgres://...");
      if (positionals.length > 0) throw new CliUsageError(`sweep --status: unexpected ${JSON.stringify(positionals.join(" "))}`);
      return showSweepStatus(values.status, values.queue);
    }
    // --grid and --random take the name=... arguments that follow them.
    const file = requireFile(args.find((a, i) => !a.startsWith("-") && !a.includes("=") && !takesValue(args[i - 1])), "sweep");
    const rest = args.filter((a) => resolve(a) !== file);
    const { values, positionals } = parse(rest, SWEEP_OPTIONS, true);
    const declared = paramsOf(file);
    const where = relative(process.cwd(), file);
    if (!values.grid && values.random === undefined) throw new CliUsageError("sweep: give --grid name=v1,v2 ... or --random N name=low:high ...");
    const jobs = values.grid
      ? gridJobs(positionals, declared, where)
      : randomJobs(Number(values.random), positionals, declared, where, values.seed === undefined ? 1 : Number(values.seed));
    if (jobs.length === 0) throw new CliUsageError("sweep: no combinations");
    const parallel = values.parallel === undefined ? 2 : Number(values.parallel);
    if (!Number.isInteger(parallel) || parallel < 1) throw new CliUsageError(`invalid --parallel: ${values.parallel}`);
    const id = `${basename(file, extname(file))}-${new Date().toISOString().replace(/[-:.TZ]/g, "").slice(0, 14)}`;
    if (values.queue !== undefined) {
      // Machines may start sweeps of the same script in the same second: the queue's ids get a random tail.
      const queued = `${id}-${randomBytes(2).toString("hex")}`;
      return queueSweep({ id: queued, file, jobs, queue: values.queue, store: values.store, jobTimeout: values["job-timeout"], retries: values.retries, wait: values.wait ?? false, metric: values.metric });
    }
    if (values.wait || values["job-timeout"] !== undefined || values.retries !== undefined) throw new CliUsageError("sweep: --wait, --job-timeout and --retries go with --queue");
    log(`sweep ${id}: ${jobs.length} runs of ${where}, ${parallel} at a time (the first alone, to fill the cache)`);
    const results = await runSweep(jobs, new LocalProcessExecutor(file, { sweep: id }), parallel, (r) =>
      log(`  ${r.ok ? "✓" : "✗"} ${JSON.stringify(r.job.params)} in ${(r.durationMs / 1000).toFixed(1)} s${r.error ? `: ${r.error}` : ""}`),
    );
    printComparison(values.store ?? defaultStorePath(dirname(file)), id, Object.keys(jobs[0]?.params ?? {}), values.metric);
    return results.every((r) => r.ok) ? 0 : 1;
  },
};

export const PIPELINE_COMMANDS: Record<string, Command> = { export: exportCommand, import: importCommand, run: runCommand, verify: verifyCommand, sweep: sweepCommand };
