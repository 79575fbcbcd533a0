import type { RunDetails, StepExecution } from "../tracking";
import { formatDuration } from "../util";

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
  const widths = header.map((h, i) => Math.min(40, Math.max(h.length, ...rows.map((row) => (row[i] ?? "").length))));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => {
        const w = widths[i] ?? 0;
        const cell = c.length > w ? `${c.slice(0, w - 1)}…` : c;
        return cell.padEnd(w);
      })
      .join("  ")
      .trimEnd();
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

function formatNumber(value: number | undefined): string {
  if (value === undefined) return "";
  return Number.isInteger(value) ? String(value) : value.toPrecision(4);
}

/** One run for a terminal: its record, parameters, final metrics and steps. */
export function runReport(run: RunDetails, steps: readonly StepExecution[]): string {
  const lines = [
    `run ${run.id} of experiment "${run.experiment}"${run.name ? ` (${run.name})` : ""}: ${run.status}`,
    `  started   ${run.startedAt}${run.endedAt ? `, ended ${run.endedAt}` : ""}`,
    `  source    ${run.sourceKind}${run.sourcePath ? ` ${run.sourcePath}` : ""}`,
    `  where     ${run.host}, pid ${run.pid}, Node ${run.nodeVersion}, pipelab ${run.pipelabVersion}${run.tfBackend ? `, ${run.tfBackend}` : ""}`,
  ];
  if (run.error) lines.push(`  error     ${run.failedStep ? `in step "${run.failedStep}": ` : ""}${run.error}`);
  lines.push("params:");
  for (const [k, v] of Object.entries(run.params)) lines.push(`  ${k} = ${JSON.stringify(v)}`);
  lines.push("metrics:");
  for (const [k, v] of Object.entries(run.metrics)) lines.push(`  ${k} = ${v}`);
  lines.push("steps:");
  for (const s of steps) {
    const how = s.outcome === "hit" ? `cached (${s.tier ?? "?"})` : s.outcome === "miss" ? "computed" : `failed: ${s.error ?? ""}`;
    lines.push(`  ${s.step}: ${how} in ${formatDuration(s.durationMs)}`);
  }
  return lines.join("\n");
}
