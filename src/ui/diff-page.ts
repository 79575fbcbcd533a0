/**
 * The diff of two runs (`/diff?a=1&b=2`): what `diffRuns` finds, as
 * `pipelab runs diff` prints it, in tables: the params that differ (old ->
 * new), the final metrics with their delta, each step (how each run got it,
 * whether its cache key differs and why, the files with both hashes), and
 * the environment fields that differ.
 */
import { ENVIRONMENT_LABELS, diffRuns } from "../tracking";
import type { CodeChange, DiffedRun, BrowsableStore, FileChange, ParamValue, RunDiff, RunId, StepDiff, StepSide } from "../tracking";
import type { DiffHunk } from "../util";
import { metricDisplay, timeDisplay } from "./format";
import { html } from "./html";
import type { Html } from "./html";
import { page } from "./layout";
import { ViewError, firstValue } from "./runs-view";
import type { QueryValue } from "./runs-view";

/** What a diff URL asks for: run `a` (the old one) against run `b` (the new one). */
export interface DiffView {
  a: RunId;
  b: RunId;
}

/** Reads `a` and `b`, each a run id. */
export function parseDiffView(query: Readonly<Record<string, QueryValue>>): DiffView {
  const id = (name: "a" | "b"): RunId => {
    const text = firstValue(query[name])?.trim().replace(/^#/, "") ?? "";
    if (!/^\d{1,15}$/.test(text)) throw new ViewError(`invalid run id ${name}=${JSON.stringify(text)}; /diff?a=1&b=2 takes two run ids`);
    return Number(text) as RunId;
  };
  return { a: id("a"), b: id("b") };
}

/** The diff page, or the run the store does not have (the page is then a 404). */
export function diffPage(store: BrowsableStore, view: DiffView): { page: Html } | { missing: RunId } {
  for (const id of [view.a, view.b]) if (store.runDetails(id) === undefined) return { missing: id };
  const d = diffRuns(store, view.a, view.b);
  const title = `Run #${d.a.id} vs run #${d.b.id}`;
  return {
    page: page(
      title,
      html`<h1>${title}</h1>
<table id="diff-runs"><thead><tr><th></th><th>run</th><th>name</th><th>experiment</th><th>status</th><th>started</th></tr></thead><tbody>
${runRow("a (old)", d.a)}${runRow("b (new)", d.b)}
</tbody></table>
<p><a href="/diff?a=${d.b.id}&amp;b=${d.a.id}">swap</a> · <a href="/compare?runs=${d.a.id},${d.b.id}">compare with charts</a></p>
<h2>Parameters</h2>
${paramsTable(d)}
<h2>Metrics (final values)</h2>
${metricsTable(d)}
<h2>Steps</h2>
${stepsTable(d)}
${codeSection(d)}
<h2>Environment</h2>
${environmentTable(d)}`,
    ),
  };
}

/** A small GET form to the diff page with run `a` fixed, for a run's page. */
export function diffForm(a: RunId): Html {
  return html`<form method="get" action="/diff" class="diff-with">
<input type="hidden" name="a" value="${a}">
<label>Diff with run <input name="b" inputmode="numeric" pattern="#?[0-9]+" size="6" required></label>
<button type="submit">Diff</button>
</form>`;
}

function runRow(label: string, r: DiffedRun): Html {
  return html`<tr data-run="${r.id}"><th scope="row">${label}</th><td><a href="/runs/${r.id}">#${r.id}</a></td><td>${r.name ?? ""}</td><td>${r.experiment}</td><td class="status-${r.status}">${r.status}</td><td>${timeDisplay(r.startedAt)}</td></tr>`;
}

function same(what: string): Html {
  return html`<p class="notice">${what}</p>`;
}

function paramsTable(d: RunDiff): Html {
  const rows: [string, ParamValue | undefined, ParamValue | undefined][] = [
    ...d.params.changed.map((c): [string, ParamValue, ParamValue] => [c.key, c.a, c.b]),
    ...Object.entries(d.params.removed).map(([k, v]): [string, ParamValue, undefined] => [k, v, undefined]),
    ...Object.entries(d.params.added).map(([k, v]): [string, undefined, ParamValue] => [k, undefined, v]),
  ];
  if (rows.length === 0) return same("the same params");
  // JSON, as the CLI shows them: the number 1 and the string "1" differ and must look different.
  const shown = (v: ParamValue | undefined): Html => (v === undefined ? html`<em>not set</em>` : html`<code>${JSON.stringify(v)}</code>`);
  return html`<table id="diff-params"><thead><tr><th>param</th><th>run #${d.a.id}</th><th></th><th>run #${d.b.id}</th></tr></thead><tbody>
${rows.map(([k, a, b]) => html`<tr data-param="${k}"><th scope="row">${k}</th><td>${shown(a)}</td><td>→</td><td>${shown(b)}</td></tr>`)}
</tbody></table>`;
}

function metricsTable(d: RunDiff): Html {
  const rows: [string, number | undefined, number | undefined, number | undefined][] = [
    ...d.metrics.changed.map((c): [string, number, number, number] => [c.key, c.a, c.b, c.delta]),
    ...Object.entries(d.metrics.onlyA).map(([k, v]): [string, number, undefined, undefined] => [k, v, undefined, undefined]),
    ...Object.entries(d.metrics.onlyB).map(([k, v]): [string, undefined, number, undefined] => [k, undefined, v, undefined]),
  ];
  if (rows.length === 0) return same("the same final metrics");
  const value = (v: number | undefined): Html => (v === undefined ? html`<em>not logged</em>` : html`${metricDisplay(v)}`);
  return html`<table id="diff-metrics"><thead><tr><th>metric</th><th>run #${d.a.id}</th><th>run #${d.b.id}</th><th>delta (b − a)</th></tr></thead><tbody>
${rows.map(([k, a, b, delta]) => html`<tr data-metric="${k}"><th scope="row">${k}</th><td class="num">${value(a)}</td><td class="num">${value(b)}</td><td class="num">${delta === undefined ? "" : `${delta > 0 ? "+" : ""}${metricDisplay(delta)}`}</td></tr>`)}
</tbody></table>`;
}

/** How a run got a step: "computed", "cached (disk) from #3", "failed: message", "did not run". */
function sideCell(s: StepSide | undefined): Html {
  if (s === undefined) return html`<td class="outcome-none"><em>did not run</em></td>`;
  const detail =
    s.outcome === "cached"
      ? html`${s.tier === undefined ? "" : ` (${s.tier})`}${s.fromRun === undefined ? "" : html` from <a href="/runs/${s.fromRun}">#${s.fromRun}</a>`}`
      : s.error === undefined
        ? ""
        : `: ${s.error.split(/\r?\n/)[0] ?? ""}`;
  const times = s.executions > 1 ? html` <small title="the run executed it ${s.executions} times; the last one is compared">(×${s.executions})</small>` : "";
  return html`<td class="outcome-${s.outcome}">${s.outcome}${detail}${times}</td>`;
}

function keyCell(s: StepDiff): Html {
  if (s.keyChanged === undefined) return html`<td class="key-unknown">${s.a === undefined || s.b === undefined ? "" : "unknown"}</td>`;
  return s.keyChanged ? html`<td class="key-changed differs">differs</td>` : html`<td class="key-same">same</td>`;
}

function stepsTable(d: RunDiff): Html {
  if (d.steps.length === 0) return same("neither run recorded steps");
  return html`<table id="diff-steps"><thead><tr><th>step</th><th>run #${d.a.id}</th><th>run #${d.b.id}</th><th>cache key</th><th>why</th></tr></thead><tbody>
${d.steps.map(
  (s) => html`<tr data-step="${s.step}"><th scope="row">${s.step}</th>${sideCell(s.a)}${sideCell(s.b)}${keyCell(s)}
<td>${whyCell(s, d)}</td></tr>`,
)}
</tbody></table>`;
}

/** Why the step differs, in the runner's words, with the files that changed; or that one run alone has it. */
function whyCell(s: StepDiff, d: RunDiff): Html | string {
  if (s.a === undefined) return `only in run #${d.b.id}`;
  if (s.b === undefined) return `only in run #${d.a.id}`;
  if (s.reasons.length === 0 && s.files.length === 0) return "";
  const code = s.code.length === 0 ? html`` : html`<a href="#code-${s.step}">the code that changed</a>`;
  return html`<ul class="reasons">${s.reasons.map((r) => html`<li>${r}</li>`)}</ul>${code}${filesTable(s.files)}`;
}

/** Each step whose code (or a helper's) changed: a line diff of the sources, as `diff -u` shows it. */
function codeSection(d: RunDiff): Html {
  const changed = d.steps.filter((s) => s.code.length > 0);
  if (changed.length === 0) return html``;
  return html`<h2>Code</h2>
${changed.map(
  (s) => html`<section class="code-diff" id="code-${s.step}" data-step="${s.step}">
${s.code.map((c) => codeChange(s.step, c, d))}
</section>`,
)}`;
}

function codeChange(step: string, c: CodeChange, d: RunDiff): Html {
  const title = c.part === "step" ? html`step <code>${step}</code>: its function` : html`step <code>${step}</code>: helper <code>${c.part.helper}</code>`;
  if (c.hunks === undefined) {
    const missing = [...(c.a === undefined ? [d.a.id] : []), ...(c.b === undefined ? [d.b.id] : [])].map((id) => `#${id}`).join(" and ");
    return html`<h3>${title}</h3>${same(`no diff to show: the store kept no source of it for run ${missing} (an imported or builtin step function, or a run recorded by an older pipelab)`)}`;
  }
  return html`<h3>${title}, run #${d.a.id} → run #${d.b.id}</h3>
<pre class="diff" data-part="${c.part === "step" ? "step" : `helper:${c.part.helper}`}">${c.hunks.map(hunkLines)}</pre>`;
}

const LINE_CLASS = { " ": "same", "-": "removed", "+": "added" } as const;

function hunkLines(h: DiffHunk): Html {
  // Each line a block of its own: no newline between them, which <pre> would show as an empty line.
  return html`<span class="hunk">@@ -${h.aStart},${h.aLines} +${h.bStart},${h.bLines} @@</span>${h.lines.map((l) => html`<span class="${LINE_CLASS[l.op]}">${l.op}${l.text}</span>`)}`;
}

/** The files of a step that differ, each with its full hash in both runs. */
function filesTable(files: readonly FileChange[]): Html {
  if (files.length === 0) return html``;
  const hash = (h: string | undefined): Html => (h === undefined ? html`<em>not read</em>` : html`<code>${h}</code>`);
  return html`<table class="files"><thead><tr><th>file</th><th>a</th><th>b</th></tr></thead><tbody>
${files.map((f) => html`<tr><td>${f.path}${f.declared ? " (declared)" : " (read)"}</td><td>${hash(f.a)}</td><td>${hash(f.b)}</td></tr>`)}
</tbody></table>`;
}

function environmentTable(d: RunDiff): Html {
  if (d.environment.length === 0) return same("the same environment (git commit, pipelab, node, tf backend, host)");
  const value = (v: string | boolean | null): Html => (v === null ? html`<em>unknown</em>` : html`${typeof v === "boolean" ? (v ? "yes" : "no") : v}`);
  return html`<table id="diff-environment"><thead><tr><th></th><th>run #${d.a.id}</th><th></th><th>run #${d.b.id}</th></tr></thead><tbody>
${d.environment.map((e) => html`<tr data-field="${e.field}"><th scope="row">${ENVIRONMENT_LABELS[e.field]}</th><td>${value(e.a)}</td><td>→</td><td>${value(e.b)}</td></tr>`)}
</tbody></table>`;
}
