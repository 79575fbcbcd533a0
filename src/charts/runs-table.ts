import type { RunComparison, RunId } from "../tracking";
import { escapeHtml } from "../util";
import { HIGHLIGHT } from "./palette";
import { metricMode } from "../util";

/** Options of the runs table. */
export interface RunsTableOptions {
  /** Per run, how many steps were computed and how many came from the cache. */
  steps?: ReadonlyMap<RunId, { computed: number; cached: number; failed: number; interrupted: number }>;
  /** Metrics where lower is better; default: names containing loss, error, mae, mse or rmse. */
  lowerIsBetter?: (metric: string) => boolean;
}

const defaultLowerIsBetter = (metric: string): boolean => metricMode(metric) === "min";

function formatValue(value: unknown): string {
  if (value === undefined || value === null) return "";
  if (typeof value === "number") return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(4)));
  return typeof value === "string" ? value : JSON.stringify(value);
}

function formatDuration(ms: number | null): string {
  if (ms === null) return "";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/**
 * Runs as an HTML table: id and name, status, duration, cache hits, then
 * params and final metrics. Params whose values differ across the runs are
 * highlighted; the best value of each metric is marked (bold, ◀). Every
 * string from the store (names, params, metric names) is HTML-escaped: a run
 * named `<img src=x onerror=alert(1)>` shows as that text.
 *
 * @example
 * ```ts
 * const html = runsTable(store.compareRuns({ experiment: "penguins", limit: 20 }));
 * ```
 */
export function runsTable(c: RunComparison, options: RunsTableOptions = {}): string {
  const lower = options.lowerIsBetter ?? defaultLowerIsBetter;
  const th = (text: string, extra = ""): string => `<th style="text-align:left;padding:4px 8px;border-bottom:2px solid #444${extra}">${escapeHtml(text)}</th>`;
  const differs = new Set(c.differing.params);
  const header = [
    th("run"),
    th("status"),
    th("duration"),
    ...(options.steps ? [th("steps cached")] : []),
    ...c.params.map((p) => th(p, differs.has(p) ? ";background:#FFF3D6" : ";color:#777")),
    ...c.metrics.map((m) => th(`${m} ${lower(m) ? "↓" : "↑"}`)),
  ].join("");
  const best: Record<string, number | undefined> = {};
  for (const m of c.metrics) {
    const r = c.ranges[m];
    if (r && c.runs.length > 1) best[m] = lower(m) ? r.min : r.max;
  }
  const rows = c.runs.map((run) => {
    const steps = options.steps?.get(run.id);
    const cells = [
      `<td style="padding:3px 8px">#${run.id}${run.name ? ` ${escapeHtml(run.name)}` : ""}</td>`,
      `<td style="padding:3px 8px">${escapeHtml(run.status)}</td>`,
      `<td style="padding:3px 8px;text-align:right">${formatDuration(run.durationMs)}</td>`,
      ...(options.steps ? [`<td style="padding:3px 8px;text-align:right">${steps ? `${steps.cached}/${steps.cached + steps.computed + steps.failed + steps.interrupted}` : ""}</td>`] : []),
      ...c.params.map((p) => `<td style="padding:3px 8px${differs.has(p) ? ";background:#FFF3D6" : ";color:#777"}">${escapeHtml(formatValue(run.params[p]))}</td>`),
      ...c.metrics.map((m) => {
        const v = run.metrics[m];
        const isBest = v !== undefined && best[m] === v;
        return `<td style="padding:3px 8px;text-align:right${isBest ? `;font-weight:bold;color:${HIGHLIGHT.best}` : ""}">${escapeHtml(formatValue(v))}${isBest ? " ◀" : ""}</td>`;
      }),
    ];
    return `<tr style="border-bottom:1px solid #ddd">${cells.join("")}</tr>`;
  });
  const more = c.total > c.offset + c.runs.length ? ` (${c.runs.length} of ${c.total} runs)` : "";
  const caption = `<caption style="caption-side:bottom;text-align:left;color:#555;padding-top:6px">Highlighted params differ across these runs; ◀ marks the best value of each metric${escapeHtml(more)}.</caption>`;
  return `<table style="border-collapse:collapse;font:13px system-ui,sans-serif">${caption}<thead><tr>${header}</tr></thead><tbody>${rows.join("")}</tbody></table>`;
}
