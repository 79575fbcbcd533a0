import type { RunComparison, RunDetails, StepExecution } from "../tracking";
import { metricMode } from "../util";
import { fit, formatDuration, textWidth, visible } from "../util";

/** Runs as a plain-text table for a terminal: id, experiment, status, start, params and final metrics. */
export function runsTable(runs: readonly RunDetails[]): string {
  if (runs.length === 0) return "no runs yet";
  const metricKeys = [...new Set(runs.flatMap((r) => Object.keys(r.metrics)))].sort();
  const header = ["id", "experiment", "status", "started", "params", ...metricKeys];
  const rows = runs.map((r) => [
    String(r.id),
    r.experiment,
    r.status,
    r.startedAt.replace("T", " ").slice(0, 19),
    Object.entries(r.params)
      .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
      .join(" "),
    ...metricKeys.map((k) => (r.metrics[k] === undefined ? "" : formatNumber(r.metrics[k]))),
  ]);
  return textTable(header, rows, 40);
}

/** A number for a table: integers whole, others to 4 significant digits without trailing zeros. */
function formatNumber(value: number | undefined): string {
  if (value === undefined) return "";
  return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(4)));
}

/** One run for a terminal: its record, parameters, final metrics and steps, every line through `visible`. */
export function runReport(run: RunDetails, steps: readonly StepExecution[]): string {
  const lines = [
    `run ${run.id} of experiment "${run.experiment}"${run.name ? ` (${run.name})` : ""}: ${run.status}`,
    `  started   ${run.startedAt}${run.endedAt ? `, ended ${run.endedAt}` : ""}`,
    `  source    ${run.sourceKind}${run.sourcePath ? ` ${run.sourcePath}` : ""}`,
    `  where     ${run.host}, pid ${run.pid}, Node ${run.nodeVersion}, pipelab ${run.pipelabVersion}${run.tfBackend ? `, ${run.tfBackend}` : ""}`,
  ];
  if (run.error) {
    const [first, rest] = messageLines(run.error);
    lines.push(`  error     ${run.failedStep ? `in step "${run.failedStep}": ` : ""}${first}`, ...rest.map((l) => `            ${l}`));
  }
  lines.push("params:");
  for (const [k, v] of Object.entries(run.params)) lines.push(`  ${k} = ${JSON.stringify(v)}`);
  lines.push("metrics:");
  for (const [k, v] of Object.entries(run.metrics)) lines.push(`  ${k} = ${v}`);
  lines.push("steps:");
  for (const s of steps) lines.push(...stepLines(s));
  // Each entry is one line; a line break inside a user string is shown as ␊ like any other control.
  return lines.map(visible).join("\n");
}

/** A step of a run report: how it ended and how long it took; a failure's message, line by line. */
function stepLines(s: StepExecution): string[] {
  const took = formatDuration(s.durationMs);
  switch (s.outcome) {
    case "miss":
      return [`  ${s.step}: computed in ${took}${s.reason ? ` (${s.reason})` : ""}`];
    case "hit":
      return [`  ${s.step}: cached (${s.tier ?? "?"}) in ${took}`];
    case "interrupted":
      // The runner's message says how far the step got, e.g. step "fit" was interrupted at epoch 3.
      return [`  ${s.step}: interrupted after ${took}${s.error ? ` (${messageLines(s.error)[0]})` : ""}`];
    case "failed": {
      const [first, rest] = messageLines(s.error ?? "");
      return [`  ${s.step}: failed: ${first} in ${took}`, ...rest.map((l) => `      ${l}`)];
    }
  }
}

/** An error message's first line and the rest: a message that spans lines is printed as lines, indented. */
function messageLines(text: string): [string, string[]] {
  const [first = "", ...rest] = text.split(/\r?\n/);
  return [first, rest];
}

function cell(value: unknown): string {
  if (value === undefined || value === null) return "";
  if (typeof value === "number") return formatNumber(value);
  return typeof value === "string" ? value : JSON.stringify(value);
}

/**
 * Lays out rows of cells in aligned columns, long cells cut with an ellipsis.
 * Cells are user text as stored: `fit` makes their controls visible and measures what is shown.
 */
export function textTable(header: string[], rows: string[][], maxWidth = 32): string {
  const widths = header.map((h, i) => Math.min(maxWidth, Math.max(textWidth(h), ...rows.map((r) => textWidth(r[i] ?? "")))));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => fit(c, widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

/**
 * A comparison for a terminal: one row per run, params then metrics; columns
 * whose values differ across the runs are marked with *, and the best value
 * of each metric (highest, or lowest for names with loss or error) with ◀.
 */
export function comparisonTable(c: RunComparison): string {
  if (c.runs.length === 0) return "no runs match";
  const lowerIsBetter = (k: string): boolean => metricMode(k) === "min";
  const header = [
    "id",
    "status",
    ...c.params.map((p) => `${c.differing.params.includes(p) ? "*" : ""}${p}`),
    ...c.metrics.map((m) => `${c.differing.metrics.includes(m) ? "*" : ""}${m}`),
  ];
  const rows = c.runs.map((r) => [
    String(r.id),
    r.status,
    ...c.params.map((p) => cell(r.params[p])),
    ...c.metrics.map((m) => {
      const v = r.metrics[m];
      const range = c.ranges[m];
      const best = range && v !== undefined && c.runs.length > 1 && v === (lowerIsBetter(m) ? range.min : range.max);
      return `${cell(v)}${best ? " ◀" : ""}`;
    }),
  ]);
  const more = c.total > c.offset + c.runs.length ? `\n(${c.runs.length} of ${c.total} runs; --offset ${c.offset + c.runs.length} for more)` : "";
  return `${textTable(header, rows)}\n* differs across these runs   ◀ best${more}`;
}

function csvField(value: unknown): string {
  const text = value === undefined || value === null ? "" : typeof value === "string" ? value : typeof value === "number" ? String(value) : JSON.stringify(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** A comparison as CSV: run columns, then params.*, then metrics.*. */
export function comparisonCsv(c: RunComparison): string {
  const header = ["id", "name", "experiment", "status", "started_at", "ended_at", "duration_ms", ...c.params.map((p) => `params.${p}`), ...c.metrics.map((m) => `metrics.${m}`)];
  const lines = [header.map(csvField).join(",")];
  for (const r of c.runs) {
    lines.push(
      [r.id, r.name, r.experiment, r.status, r.startedAt, r.endedAt, r.durationMs, ...c.params.map((p) => r.params[p]), ...c.metrics.map((m) => r.metrics[m])]
        .map(csvField)
        .join(","),
    );
  }
  return `${lines.join("\n")}\n`;
}
