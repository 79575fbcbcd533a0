/**
 * The commands that read and tidy what was recorded: `runs` (the experiment
 * store) and `cache` (the step cache).
 */
import { resolve } from "node:path";
import { StepCache } from "../cache";
import type { CacheReport } from "../cache";
import { TrackingError } from "../errors";
import { ENVIRONMENT_LABELS, PostgresStore, defaultStorePath, diffRuns, openStore, parseRunOrder } from "../tracking";
import type { BrowsableStore, CodeChange, RunDetails, RunDiff, RunId, StepDiff, StepSide } from "../tracking";
import { formatBytes, formatHunks, visible } from "../util";
import { defaultCacheDir, formatCacheReport, pruneCache } from "../workbench";
import { CliUsageError, parse } from "./args";
import type { Command } from "./command";
import { comparisonCsv, comparisonTable, runReport, runsTable } from "./table";

const log = (line: string): void => console.log(line);

/** The `runs` actions that only read the store. */
const READ_ACTIONS = new Set(["ls", "show", "compare", "best", "export", "diff", "audit"]);

/**
 * Opens a store to read it: for writing when the user may (so that runs whose
 * process died are marked crashed as usual), else read-only. A store that does
 * not exist yet is created, as any command creates it.
 */
export function openForReading(path: string): BrowsableStore {
  try {
    return openStore(path);
  } catch (error) {
    const cause = (error as { cause?: NodeJS.ErrnoException }).cause;
    if (!(error instanceof TrackingError) || !["EACCES", "EPERM", "EROFS"].includes(cause?.code ?? "")) throw error;
    return openStore(path, { readOnly: true });
  }
}

function runId(text: string | undefined, what: string): RunId {
  const id = Number(text);
  if (text === undefined || !Number.isInteger(id) || id <= 0) throw new CliUsageError(`${what}: expected a run id, got ${JSON.stringify(text ?? "")}`);
  return id as RunId;
}

function positiveInt(text: string | undefined, name: string, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) throw new CliUsageError(`invalid --${name}: ${text} (a whole number)`);
  return n;
}

function list(text: string | undefined): string[] | undefined {
  return text === undefined ? undefined : text.split(",").map((s) => s.trim()).filter(Boolean);
}

export const runs: Command = {
  summary: "list, show, compare, delete and export the runs in the experiment store",
  usage: [
    "pipelab runs ls [--experiment NAME] [--filter EXPR] [--limit N] [--offset N] [--deleted] [--json]",
    "            pipelab runs show ID [--json]",
    "            pipelab runs compare [ID...] [--experiment NAME] [--filter EXPR] [--params a,b] [--metrics x,y] [--sort COLUMN[:asc]] [--limit N] [--json]",
    "            pipelab runs best METRIC [--min | --max] [--experiment NAME] [--filter EXPR] [--json]",
    "            pipelab runs diff A B [--json]   (why two runs differ: params, metrics, each step's cache key, environment)",
    "            pipelab runs rm ID... | pipelab runs restore ID...",
    "            pipelab runs audit [--run ID] [--limit N] [--json]   (the shared store's audit log: who changed what, when)",
    "            pipelab runs private ID... | pipelab runs share ID...   (a shared store's run readable by its owner only, or by the project)",
    "            pipelab runs export --format csv|json [--experiment NAME] [--filter EXPR]",
    "            (--store FILE for another store; filters: metrics.accuracy > 0.9 and params.model = \"mlp\")",
  ].join("\n"),
  async run(args) {
    const [action, ...rest] = args;
    const handler = RUNS_ACTIONS[action ?? ""];
    if (!handler) throw new CliUsageError(`runs: expected ${Object.keys(RUNS_ACTIONS).join(", ")}, got ${JSON.stringify(action ?? "")}`);
    const { values, positionals } = parse(rest, RUNS_OPTIONS, true);
    const path = values.store ?? defaultStorePath();
    // Reading needs no write access: a store the user may only read is opened read-only.
    const store = READ_ACTIONS.has(action ?? "") ? openForReading(path) : openStore(path);
    const selection = {
      ...(values.experiment === undefined ? {} : { experiment: values.experiment }),
      ...(values.filter === undefined ? {} : { filter: values.filter }),
    };
    try {
      return handler({ action: action as string, store, values, positionals, selection });
    } finally {
      store.close();
    }
  },
};

const RUNS_OPTIONS = {
  experiment: { type: "string" },
  filter: { type: "string" },
  limit: { type: "string" },
  offset: { type: "string" },
  deleted: { type: "boolean" },
  json: { type: "boolean" },
  store: { type: "string" },
  params: { type: "string" },
  metrics: { type: "string" },
  sort: { type: "string" },
  min: { type: "boolean" },
  max: { type: "boolean" },
  format: { type: "string" },
  run: { type: "string" },
} as const;

/** What a `runs` action gets: the store opened for it, the parsed options, the run selection. */
interface RunsCall {
  action: string;
  store: BrowsableStore;
  values: { [K in keyof typeof RUNS_OPTIONS]?: (typeof RUNS_OPTIONS)[K]["type"] extends "boolean" ? boolean : string };
  positionals: string[];
  selection: { experiment?: string; filter?: string };
}

function runsLs({ store, values, selection }: RunsCall): number {
  const limit = positiveInt(values.limit, "limit", 50);
  const offset = positiveInt(values.offset, "offset", 0);
  const found = store.listRuns({ ...selection, limit, offset, ...(values.deleted ? { includeDeleted: true } : {}) });
  const details = found.map((r) => store.runDetails(r.id)).filter((d): d is RunDetails => d !== undefined);
  if (values.json) log(JSON.stringify(details, null, 2));
  else {
    log(runsTable(details));
    const total = store.countRuns({ ...selection, ...(values.deleted ? { includeDeleted: true } : {}) });
    if (total > offset + found.length) log(`(${found.length} of ${total} runs; --offset ${offset + found.length} for more)`);
  }
  return 0;
}

function runsShow({ store, values, positionals }: RunsCall): number {
  const id = runId(positionals[0], "runs show");
  const details = store.runDetails(id);
  if (!details) throw new TrackingError(`no run ${id} in ${store.path}; \`pipelab runs ls\` lists them`);
  const steps = store.stepExecutions(id);
  log(values.json ? JSON.stringify({ ...details, steps }, null, 2) : runReport(details, steps));
  return 0;
}

function runsCompare({ store, values, positionals, selection }: RunsCall): number {
  const ids = positionals.map((p) => runId(p, "runs compare"));
  const comparison = store.compareRuns({
    ...selection,
    ...(ids.length > 0 ? { ids } : {}),
    ...(list(values.params) ? { params: list(values.params) } : {}),
    ...(list(values.metrics) ? { metrics: list(values.metrics) } : {}),
    ...(values.sort ? { orderBy: parseRunOrder(values.sort, { bareMetric: true }) } : {}),
    limit: positiveInt(values.limit, "limit", ids.length > 0 ? ids.length : 50),
    offset: positiveInt(values.offset, "offset", 0),
  });
  for (const id of ids) if (!comparison.runs.some((r) => r.id === id)) throw new TrackingError(`no run ${id} in ${store.path}`);
  log(values.json ? JSON.stringify(comparison, null, 2) : comparisonTable(comparison));
  return 0;
}

function runsBest({ store, values, positionals, selection }: RunsCall): number {
  const metric = positionals[0];
  if (!metric) throw new CliUsageError("runs best: which metric? e.g. pipelab runs best accuracy");
  // Lower is better for a loss or an error, higher otherwise (metricMode); --min or --max says otherwise.
  if (values.min && values.max) throw new CliUsageError("runs best: give --min or --max, not both");
  const mode = values.min ? "min" : values.max ? "max" : undefined;
  const best = store.bestRun(metric, { ...selection, ...(mode ? { mode } : {}) });
  if (!best) throw new TrackingError(`no run has a metric "${metric}"${values.filter ? " among those matching the filter" : ""}`);
  log(values.json ? JSON.stringify(best, null, 2) : runReport(best, store.stepExecutions(best.id)));
  return 0;
}

function runsDeleteOrRestore({ action, store, positionals }: RunsCall): number {
  if (positionals.length === 0) throw new CliUsageError(`runs ${action}: give one or more run ids`);
  for (const p of positionals) {
    const id = runId(p, `runs ${action}`);
    if (action === "rm") store.deleteRun(id);
    else store.restoreRun(id);
    log(action === "rm" ? `deleted run ${id} (pipelab runs restore ${id} brings it back)` : `restored run ${id}`);
  }
  return 0;
}

function runsExport({ store, values, selection }: RunsCall): number {
  const format = values.format ?? "csv";
  if (format !== "csv" && format !== "json") throw new CliUsageError(`runs export: --format csv or json, got ${JSON.stringify(format)}`);
  const comparison = store.compareRuns({ ...selection, ...(values.limit ? { limit: positiveInt(values.limit, "limit", 0) } : {}) });
  process.stdout.write(format === "json" ? `${JSON.stringify(comparison.runs, null, 2)}\n` : comparisonCsv(comparison));
  return 0;
}

function runsDiff({ store, values, positionals }: RunsCall): number {
  if (positionals.length !== 2) throw new CliUsageError(`runs diff: give two run ids, e.g. pipelab runs diff 3 4`);
  const diff = diffRuns(store, runId(positionals[0], "runs diff"), runId(positionals[1], "runs diff"));
  log(values.json ? JSON.stringify(diff, null, 2) : runDiffReport(diff));
  return 0;
}

/** A run diff for a terminal: what differs, section by section, every line through `visible`. */
function runDiffReport(d: RunDiff): string {
  const [a, b] = [d.a.id, d.b.id];
  const experiment = d.a.experiment === d.b.experiment ? `experiment "${d.a.experiment}"` : `experiments "${d.a.experiment}" and "${d.b.experiment}"`;
  const lines = [`run ${a} (${d.a.status}) vs run ${b} (${d.b.status}), ${experiment}`, "params:"];
  const json = (v: unknown): string => JSON.stringify(v);
  for (const c of d.params.changed) lines.push(`  ${c.key}: ${json(c.a)} -> ${json(c.b)}`);
  for (const [k, v] of Object.entries(d.params.added)) lines.push(`  ${k}: only in run ${b} (${json(v)})`);
  for (const [k, v] of Object.entries(d.params.removed)) lines.push(`  ${k}: only in run ${a} (${json(v)})`);
  if (lines.length === 2) lines.push("  (the same)");
  lines.push("metrics:");
  const before = lines.length;
  for (const c of d.metrics.changed) lines.push(`  ${c.key}: ${num(c.a)} -> ${num(c.b)} (${c.delta > 0 ? "+" : ""}${num(c.delta)})`);
  for (const [k, v] of Object.entries(d.metrics.onlyA)) lines.push(`  ${k}: only in run ${a} (${num(v)})`);
  for (const [k, v] of Object.entries(d.metrics.onlyB)) lines.push(`  ${k}: only in run ${b} (${num(v)})`);
  if (lines.length === before) lines.push("  (the same)");
  lines.push("steps:");
  for (const s of d.steps) lines.push(`  ${s.step}: ${stepDiffLine(s, a, b)}`, ...s.code.flatMap((c) => codeChangeLines(c, a, b)));
  if (d.steps.length === 0) lines.push("  (none)");
  lines.push("environment:");
  for (const e of d.environment) lines.push(`  ${ENVIRONMENT_LABELS[e.field]}: ${envValue(e.a)} -> ${envValue(e.b)}`);
  if (d.environment.length === 0) lines.push("  (the same)");
  return lines.map(visible).join("\n");
}

function envValue(v: string | boolean | null): string {
  return v === null ? "(unknown)" : typeof v === "boolean" ? (v ? "yes" : "no") : v;
}

function num(v: number): string {
  return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(4)));
}

/** How a run got a step: "computed", "cached (disk, from run 3)", "failed: message". */
function sideWords(s: StepSide): string {
  if (s.outcome === "cached") {
    const where = [...(s.tier ? [s.tier] : []), ...(s.fromRun === undefined ? [] : [`from run ${s.fromRun}`])];
    return where.length > 0 ? `cached (${where.join(", ")})` : "cached";
  }
  if (s.outcome === "failed" || s.outcome === "interrupted") return `${s.outcome}${s.error ? `: ${s.error.split(/\r?\n/)[0]}` : ""}`;
  return s.outcome;
}

/** The code of a step (or a helper) that changed, as `diff -u` shows it, indented under the step. */
function codeChangeLines(c: CodeChange, a: number, b: number): string[] {
  const what = c.part === "step" ? "the step's code" : `helper ${c.part.helper}`;
  if (c.hunks) return [`    ${what}, run ${a} -> run ${b}:`, ...formatHunks(c.hunks).map((line) => `      ${line}`)];
  const missing = [...(c.a === undefined ? [a] : []), ...(c.b === undefined ? [b] : [])].map((id) => `run ${id}`).join(" and ");
  return [`    ${what}: no diff to show, the store kept no source of it for ${missing} (an imported or builtin step function, or a run recorded by an older pipelab)`];
}

/** One step of a run diff: how each run got it, whether its key differs, and why. */
function stepDiffLine(s: StepDiff, a: number, b: number): string {
  if (!s.b) return `only in run ${a} (${sideWords(s.a as StepSide)})`;
  if (!s.a) return `only in run ${b} (${sideWords(s.b)})`;
  const [x, y] = [sideWords(s.a), sideWords(s.b)];
  const how = x === y ? `${x} in both` : `run ${a} ${x}, run ${b} ${y}`;
  const key = s.keyChanged === undefined ? "" : s.keyChanged ? "; key differs" : "; same key";
  return `${how}${key}${s.reasons.length > 0 ? `: ${s.reasons.join("; ")}` : ""}`;
}

/** The `runs` actions, by name. */
const RUNS_ACTIONS: Record<string, (call: RunsCall) => number> = {
  ls: runsLs,
  show: runsShow,
  compare: runsCompare,
  best: runsBest,
  rm: runsDeleteOrRestore,
  restore: runsDeleteOrRestore,
  export: runsExport,
  diff: runsDiff,
  audit: runsAudit,
  private: runsVisibility,
  share: runsVisibility,
};

/** The shared store, which alone keeps an audit and private runs; a clear error for the SQLite file. */
function sharedStore(store: BrowsableStore, what: string): PostgresStore {
  if (store instanceof PostgresStore) return store;
  throw new TrackingError(`${what} needs the shared PostgreSQL store (--store postgres://... or PIPELAB_STORE); ${store.path} is a SQLite file, which one user owns whole`);
}

function runsAudit({ store, values }: RunsCall): number {
  const entries = sharedStore(store, "runs audit").audit({
    ...(values.run === undefined ? {} : { run: runId(values.run, "runs audit --run") }),
    limit: positiveInt(values.limit, "limit", 100),
  });
  if (values.json) {
    log(JSON.stringify(entries, null, 2));
    return 0;
  }
  if (entries.length === 0) log("no audit entries (of the runs this role may read)");
  for (const e of entries) {
    const what = `${e.table}${e.key === null ? "" : ` ${e.key}`}${e.runId === null ? "" : ` of run ${e.runId}`}`;
    const changes = Object.entries(e.changes).map(([column, [before, after]]) => (e.action === "insert" ? `${column}=${JSON.stringify(after)}` : `${column}: ${JSON.stringify(before)} -> ${JSON.stringify(after)}`));
    log(visible(`${e.at}  ${e.actor}  ${e.action} ${what}: ${changes.join(", ")}`));
  }
  return 0;
}

function runsVisibility({ action, store, positionals }: RunsCall): number {
  if (positionals.length === 0) throw new CliUsageError(`runs ${action}: give run ids, e.g. pipelab runs ${action} 12`);
  const shared = sharedStore(store, `runs ${action}`);
  for (const p of positionals) {
    const id = runId(p, `runs ${action}`);
    shared.setVisibility(id, action === "private" ? "private" : "project");
    log(action === "private" ? `run ${id} is private: only its owner reads it` : `run ${id} is visible to the project`);
  }
  return 0;
}

export const cache: Command = {
  summary: "report the step cache's size, or prune it",
  usage:
    "pipelab cache ls [--json] | pipelab cache prune [--keep-runs N] [--newer-than DATE] [--dry-run]   (--dir DIR, --store FILE for other places)",
  async run(args) {
    const [action, ...rest] = args;
    const { values } = parse(rest, {
      json: { type: "boolean" },
      "keep-runs": { type: "string" },
      "newer-than": { type: "string" },
      "dry-run": { type: "boolean" },
      dir: { type: "string" },
      store: { type: "string" },
    });
    const stepCache = new StepCache({ dir: values.dir === undefined ? defaultCacheDir() : resolve(values.dir) });
    if (action === "ls") {
      const report = stepCache.report();
      log(values.json ? JSON.stringify(report, null, 2) : formatCacheReport(visibleReport(report)));
      return 0;
    }
    if (action === "prune") {
      const keepRuns = values["keep-runs"] === undefined ? undefined : Number(values["keep-runs"]);
      if (keepRuns !== undefined && (!Number.isInteger(keepRuns) || keepRuns < 0)) throw new CliUsageError(`invalid --keep-runs: ${values["keep-runs"]}`);
      const newerThan = values["newer-than"] === undefined ? undefined : new Date(values["newer-than"]);
      if (newerThan && Number.isNaN(newerThan.getTime())) throw new CliUsageError(`invalid --newer-than: ${values["newer-than"]} (use a date such as 2026-11-01)`);
      if (keepRuns === undefined && newerThan === undefined) throw new CliUsageError("cache prune: give --keep-runs N and/or --newer-than DATE");
      const store = openStore(values.store ?? defaultStorePath());
      try {
        const result = pruneCache(stepCache, store, {
          ...(keepRuns === undefined ? {} : { keepRuns }),
          ...(newerThan === undefined ? {} : { newerThan }),
          ...(values["dry-run"] ? { dryRun: true } : {}),
        });
        const verb = values["dry-run"] ? "would remove" : "removed";
        log(values.json ? JSON.stringify(result) : `${verb} ${result.removed} artifact${result.removed === 1 ? "" : "s"} (${formatBytes(result.freedBytes)}); kept ${result.kept}`);
      } finally {
        store.close();
      }
      return 0;
    }
    throw new CliUsageError(`cache: expected ls or prune, got ${JSON.stringify(action ?? "")}`);
  },
};

/**
 * A cache report whose step names and folder are made visible before formatting, so that
 * the report's column widths are measured on what is shown. Names that look alike once
 * made visible ("a\x1b" and "a␛") are one row.
 */
function visibleReport(report: CacheReport): CacheReport {
  const byStep = new Map<string, { artifacts: number; bytes: number }>();
  for (const [step, s] of Object.entries(report.byStep)) {
    const seen = byStep.get(visible(step));
    byStep.set(visible(step), seen ? { artifacts: seen.artifacts + s.artifacts, bytes: seen.bytes + s.bytes } : s);
  }
  return { ...report, dir: visible(report.dir), byStep: Object.fromEntries(byStep) };
}
