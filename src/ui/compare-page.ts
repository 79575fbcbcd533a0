/**
 * The compare view (`/compare?runs=1,2,3`): the picked runs side by side,
 * the params that differ highlighted and each metric's best value marked
 * (metricMode, the rule the CLI and the store use), then the learning curves
 * of one metric for all of them, parallel coordinates and param-vs-metric.
 */
import { learningCurves, parallelCoordinates, paramVsMetric } from "../charts";
import type { ComparedRun, BrowsableStore, RunComparison, RunId } from "../tracking";
import { metricMode } from "../util";
import { chartFigure } from "./charts";
import { metricDisplay, paramDisplay } from "./format";
import { html } from "./html";
import type { Html } from "./html";
import { errorBox, page } from "./layout";
import { ViewError, firstValue } from "./runs-view";
import type { QueryValue } from "./runs-view";

/** The most runs one compare view takes: more is a filter's job on the runs page. */
export const MAX_COMPARED = 500;

/** What a compare URL asks for. */
export interface CompareView {
  runs: RunId[];
  /** The metric of the learning curves and param-vs-metric; default: the first the runs have. */
  metric: string | undefined;
  /** The learning curves' y scale and x axis (`scale=log`, `x=time`). */
  scale: "linear" | "log";
  x: "step" | "time";
}

/** Reads `runs` (`1,2,3`, or `runs=1&runs=2` as a form of checkboxes sends it) and `metric`. */
export function parseCompareView(query: Readonly<Record<string, QueryValue>>): CompareView {
  const given = query.runs === undefined ? [] : Array.isArray(query.runs) ? query.runs : [query.runs];
  const ids = given.flatMap((v) => v.split(",")).map((v) => v.trim()).filter((v) => v !== "");
  const bad = ids.find((v) => !/^\d{1,15}$/.test(v));
  if (bad !== undefined) throw new ViewError(`invalid run id: ${JSON.stringify(bad)}; runs=1,2,3 takes run ids`);
  const runs = [...new Set(ids.map((v) => Number(v) as RunId))];
  if (runs.length > MAX_COMPARED) throw new ViewError(`too many runs to compare: ${runs.length}; at most ${MAX_COMPARED} (narrow them with a filter on the runs page)`);
  const metric = firstValue(query.metric)?.trim();
  const scale = firstValue(query.scale) ?? "linear";
  if (scale !== "linear" && scale !== "log") throw new ViewError(`invalid scale: ${JSON.stringify(scale)}; use scale=linear or scale=log`);
  const x = firstValue(query.x) ?? "step";
  if (x !== "step" && x !== "time") throw new ViewError(`invalid x: ${JSON.stringify(x)}; use x=step or x=time (seconds since each run's first point)`);
  return { runs, metric: metric === "" ? undefined : metric, scale, x };
}

export function comparePage(store: BrowsableStore, view: CompareView): Html {
  if (view.runs.length === 0) return page("Compare runs", html`<h1>Compare runs</h1><p class="notice">No runs picked: tick runs on the <a href="/">runs page</a> and press Compare.</p>`);
  const comparison = store.compareRuns({ ids: view.runs });
  const missing = view.runs.filter((id) => !comparison.runs.some((r) => r.id === id));
  const metric = view.metric ?? comparison.metrics[0];
  const title = `Compare ${comparison.runs.length} runs`;
  return page(
    title,
    html`<h1>${title}</h1>
${missing.length === 0 ? "" : errorBox(`no run ${missing.map((id) => `#${id}`).join(", ")} in the store (deleted, or never there): left out`)}
${compareTable(comparison)}
${comparison.runs.length === 2 ? diffLink(comparison) : ""}
${metric === undefined ? html`<p class="notice">These runs logged no metrics.</p>` : charts(store, comparison, metric, view)}`,
  );
}

/** For exactly two runs: a link to their diff, the older run as `a`. */
function diffLink(c: RunComparison): Html {
  const [a, b] = c.runs.map((r) => r.id).sort((x, y) => x - y);
  return html`<p><a id="diff-link" href="/diff?a=${a}&amp;b=${b}">diff these two</a>: what differs and why, step by step</p>`;
}

function compareTable(c: RunComparison): Html {
  const differing = new Set(c.differing.params);
  const best = new Map(c.metrics.map((m) => [m, bestValue(c.runs, m)]));
  const paramHead = c.params.map((p) => html`<th class="${differing.has(p) ? "differs" : ""}" data-param="${p}">params.${p}</th>`);
  const metricHead = c.metrics.map((m) => html`<th data-metric="${m}" title="best: ${metricMode(m) === "min" ? "lowest" : "highest"}">metrics.${m} ${metricMode(m) === "min" ? "↓" : "↑"}</th>`);
  return html`<table id="compare"><thead><tr><th>run</th><th>name</th><th>experiment</th><th>status</th>${paramHead}${metricHead}</tr></thead><tbody>
${c.runs.map(
  (r) => html`<tr data-run="${r.id}"><td><a href="/runs/${r.id}">#${r.id}</a></td><td>${r.name ?? ""}</td><td>${r.experiment}</td><td class="status-${r.status}">${r.status}</td>
${c.params.map((p) => html`<td class="${differing.has(p) ? "differs" : ""}">${paramDisplay(r.params[p])}</td>`)}
${c.metrics.map((m) => {
  const value = r.metrics[m];
  const isBest = value !== undefined && value === best.get(m);
  return html`<td class="num${isBest ? " best" : ""}">${metricDisplay(value)}${isBest ? html` <span title="best">★</span>` : ""}</td>`;
})}</tr>`,
)}
</tbody></table>`;
}

/** The best value of `metric` among `runs` by metricMode, undefined when none has it. */
function bestValue(runs: readonly ComparedRun[], metric: string): number | undefined {
  const values = runs.flatMap((r) => (r.metrics[metric] === undefined || Number.isNaN(r.metrics[metric]) ? [] : [r.metrics[metric] as number]));
  if (values.length === 0) return undefined;
  return metricMode(metric) === "min" ? Math.min(...values) : Math.max(...values);
}

function charts(store: BrowsableStore, c: RunComparison, metric: string, view: CompareView): Html {
  const runs = c.runs.map((r) => r.id);
  const option = (value: string, chosen: string, label: string): Html => html`<option value="${value}"${value === chosen ? html` selected` : ""}>${label}</option>`;
  return html`<h2>Charts</h2>
<form method="get" action="/compare" class="metric">
<input type="hidden" name="runs" value="${runs.join(",")}">
<label>Metric <select name="metric">${c.metrics.map((m) => html`<option${m === metric ? html` selected` : ""}>${m}</option>`)}</select></label>
<label>Scale <select name="scale">${option("linear", view.scale, "linear")}${option("log", view.scale, "log")}</select></label>
<label>x <select name="x">${option("step", view.x, "step")}${option("time", view.x, "wall time")}</select></label>
<button type="submit">Show</button>
</form>
${chartFigure("learning-curves", () => learningCurves(store, metric, { runs, stepLabel: "step", scale: view.scale, x: view.x }))}
${chartFigure("param-vs-metric", () => paramVsMetric(store, metric, { runs }))}
${chartFigure("parallel-coordinates", () => parallelCoordinates(store, { runs, metrics: [metric] }))}`;
}
