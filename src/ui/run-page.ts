/**
 * The run page (`/runs/:id`): what a run was (params, final metrics, tags,
 * note, status, timing, environment), what it did (its steps: outcome, cache
 * tier, the run that computed a cached value, why a step recomputed), what it
 * left (artifacts), and its learning curves.
 */
import { learningCurves } from "../charts";
import type { BrowsableStore, RunDetails, RunId, RunStatus, StepExecution } from "../tracking";
import { formatBytes } from "../util";
import type { ArtifactFiles } from "./artifact-files";
import { chartFigure } from "./charts";
import { diffForm } from "./diff-page";
import { durationDisplay, metricDisplay, paramDisplay, timeDisplay } from "./format";
import { html } from "./html";
import type { Html } from "./html";
import { errorBox, page } from "./layout";
import { LIVE_INTERVAL_MS, LIVE_SCRIPT_PATH, curvesPath } from "./live";
import { viewPath } from "./runs-view";

/** At most this many learning-curve charts on a run page (one per metric with a history). */
const MAX_CURVES = 12;

/**
 * The run page, or undefined when the store has no run `id`; `live` when it
 * carries the live script (the run is running), which its headers must allow.
 */
export function runPage(store: BrowsableStore, files: ArtifactFiles, id: RunId): { page: Html; live: boolean } | undefined {
  const run = store.runDetails(id);
  if (run === undefined) return undefined;
  const title = `Run #${run.id}${run.name === null ? "" : ` ${run.name}`}`;
  const live = run.status === "running";
  const content = html`<h1>${title}</h1>
<p>of <a href="${viewPath(run.experiment)}">${run.experiment}</a> · <span class="status-${run.status}">${run.status}</span></p>
${run.error === null ? "" : errorBox(`${run.failedStep === null ? "" : `step ${run.failedStep}: `}${run.error}`)}
${run.note === null ? "" : html`<h2>Note</h2><p class="note">${run.note}</p>`}
<h2>Run</h2>
${facts(overview(run))}
${diffForm(run.id)}
<h2>Parameters</h2>
${keyValues(Object.entries(run.params).map(([k, v]) => [k, paramDisplay(v)]), "params", "no parameters")}
<h2>Metrics (final values)</h2>
${keyValues(Object.entries(run.metrics).map(([k, v]) => [k, metricDisplay(v)]), "metrics", "no metrics")}
<h2>Tags</h2>
${keyValues(Object.entries(run.tags), "tags", "no tags")}
<h2>Steps</h2>
${stepsTable(store.stepExecutions(run.id))}
<h2>Artifacts</h2>
${artifactsTable(store, files, run.id)}
<h2>Learning curves</h2>
${live ? liveCurves(store, run) : html`<div id="curves">${curves(store, run)}</div>`}`;
  return { page: page(title, content), live };
}

/** The learning curves of run `id` alone, as the live page swaps them in, with the run's status; undefined when the store has no run `id`. */
export function runCurves(store: BrowsableStore, id: RunId): { curves: Html; status: RunStatus } | undefined {
  const run = store.runDetails(id);
  return run === undefined ? undefined : { curves: curves(store, run), status: run.status };
}

/** A running run's curves: a container the live script refreshes from the fragment URL while the run runs. */
function liveCurves(store: BrowsableStore, run: RunDetails): Html {
  return html`<p class="notice" id="live-status">The run is running: the curves update every ${LIVE_INTERVAL_MS / 1000} s.</p>
<div id="curves" data-live="${curvesPath(run.id)}">${curves(store, run)}</div>
<script src="${LIVE_SCRIPT_PATH}" defer></script>`;
}

function overview(run: RunDetails): [string, string | Html][] {
  return [
    ["started", timeDisplay(run.startedAt)],
    ["ended", timeDisplay(run.endedAt)],
    ["duration", run.endedAt === null ? "" : durationDisplay(Date.parse(run.endedAt) - Date.parse(run.startedAt))],
    ["source", run.sourcePath === null ? run.sourceKind : `${run.sourceKind}: ${run.sourcePath}`],
    ["source hash", run.sourceHash ?? ""],
    ["host", `${run.host} (pid ${run.pid})`],
    ["node", run.nodeVersion],
    ["pipelab", run.pipelabVersion],
    ["tf backend", run.tfBackend ?? ""],
    ["git commit", run.gitCommit === null ? "" : `${run.gitCommit}${run.gitDirty ? " (dirty: uncommitted changes)" : ""}`],
  ];
}

/** The facts that are known: a run without a git commit or a backend shows no empty line for them. */
function facts(rows: readonly [string, string | Html][]): Html {
  return html`<dl class="facts">${rows.filter(([, v]) => v !== "").map(([k, v]) => html`<dt>${k}</dt><dd>${v}</dd>`)}</dl>`;
}

function keyValues(rows: readonly [string, string][], id: string, empty: string): Html {
  if (rows.length === 0) return html`<p class="notice">${empty}</p>`;
  return html`<table id="${id}"><tbody>${rows.map(([k, v]) => html`<tr><th scope="row">${k}</th><td>${v}</td></tr>`)}</tbody></table>`;
}

function stepsTable(steps: readonly StepExecution[]): Html {
  if (steps.length === 0) return html`<p class="notice">no steps recorded</p>`;
  const outcome = (s: StepExecution): string => (s.outcome === "miss" ? "computed" : s.outcome === "hit" ? "cached" : s.outcome);
  return html`<table id="steps"><thead><tr><th>step</th><th>outcome</th><th>tier</th><th>duration</th><th>output</th><th>computed by</th><th>why it recomputed / error</th></tr></thead><tbody>
${steps.map(
  (s) => html`<tr class="outcome-${s.outcome}"><td>${s.step}</td><td>${outcome(s)}</td><td>${s.tier ?? ""}</td><td class="num">${durationDisplay(s.durationMs)}</td>
<td>${s.outputBytes === undefined ? "" : formatBytes(s.outputBytes)}</td>
<td>${s.sourceRunId === undefined ? "" : html`<a href="/runs/${s.sourceRunId}">#${s.sourceRunId}</a>`}</td>
<td>${s.error ?? s.reason ?? ""}</td></tr>`,
)}
</tbody></table>`;
}

/** The artifacts, each file inside the project a link (`/runs/:id/artifacts/:index`). */
function artifactsTable(store: BrowsableStore, files: ArtifactFiles, run: RunId): Html {
  const artifacts = store.listArtifacts(run);
  if (artifacts.length === 0) return html`<p class="notice">no artifacts</p>`;
  return html`<table id="artifacts"><thead><tr><th>name</th><th>kind</th><th>path</th><th>recorded</th></tr></thead><tbody>
${artifacts.map((a, i) => {
  const file = files.servable(a.path);
  const path = file === undefined ? (a.path ?? "") : html`<a href="/runs/${run}/artifacts/${i}">${a.path ?? ""}</a> <small>(${formatBytes(file.bytes)})</small>`;
  return html`<tr><td>${a.name}</td><td>${a.kind}</td><td>${path}</td><td>${timeDisplay(a.createdAt)}</td></tr>`;
})}
</tbody></table>`;
}

/**
 * A chart per metric logged at more than one step; `val_X` goes with `X` (learningCurves
 * draws both) and is drawn alone only when the run has no `X`.
 */
function curves(store: BrowsableStore, run: RunDetails): Html {
  const keys = Object.keys(run.metrics).filter((k) => !(k.startsWith("val_") && run.metrics[k.slice(4)] !== undefined));
  const withHistory = keys.filter((k) => store.metricHistory(run.id, k, { maxPoints: 2 }).length > 1 || store.metricHistory(run.id, `val_${k}`, { maxPoints: 2 }).length > 1);
  if (withHistory.length === 0) return html`<p class="notice">no metric was logged at more than one step</p>`;
  const shown = withHistory.slice(0, MAX_CURVES);
  return html`${shown.map((key) => chartFigure(`curve:${key}`, () => learningCurves(store, key, { runs: [run.id], stepLabel: "step" })))}
${withHistory.length > shown.length ? html`<p class="notice">${withHistory.length - shown.length} more metrics with a history: compare the run to see them.</p>` : ""}`;
}
