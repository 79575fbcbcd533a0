/**
 * The runs page (`/` and `/experiments/:name`): the experiments, a filter and
 * column form, one page of the runs table with sortable headers and boxes to
 * pick runs for the compare view, and links to the other pages that keep the
 * rest of the view.
 */
import { PipelabError } from "../errors";
import type { BrowsableStore } from "../tracking";
import { FilterError } from "../tracking";
import type { ExperimentSummary } from "./experiment-list";
import { durationDisplay, metricDisplay, paramDisplay, timeDisplay } from "./format";
import { html } from "./html";
import type { Html } from "./html";
import { errorBox, page } from "./layout";
import { readRunsPage } from "./runs-data";
import type { RunsPage, RunsRow } from "./runs-data";
import { DEFAULT_PAGE_SIZE, columnSortKey, columnText, isDefaultSort, sameSortKey, sortText, viewPath, viewUrl } from "./runs-view";
import type { RunColumn, RunsView } from "./runs-view";

/** The runs page for `view`; a bad filter is shown with its caret instead of the table. */
export function runsPage(store: BrowsableStore, experiments: readonly ExperimentSummary[], view: RunsView): Html {
  let content: Html;
  try {
    content = runsTable(view, readRunsPage(store, view));
  } catch (error) {
    if (!(error instanceof PipelabError)) throw error;
    const position = error instanceof FilterError && error.position >= 0 ? html`data-position="${error.position}"` : html``;
    content = errorBox(error.message, html`${position} id="view-error"`);
  }
  return viewPage(view, experiments, content);
}

/** A runs page whose URL could not be read at all: the form and the problem. */
export function runsPageProblem(view: RunsView, experiments: readonly ExperimentSummary[], problem: string): Html {
  return viewPage(view, experiments, errorBox(problem, html`id="view-error"`));
}

function viewPage(view: RunsView, experiments: readonly ExperimentSummary[], content: Html): Html {
  const title = view.experiment === undefined ? "All runs" : `Runs of ${view.experiment}`;
  return page(
    title,
    html`<div class="layout">
${experimentNav(view, experiments)}
<section class="runs">
<h1>${title}</h1>
${filterForm(view)}
${content}
</section>
</div>`,
  );
}

function experimentNav(view: RunsView, experiments: readonly ExperimentSummary[]): Html {
  const total = experiments.reduce((n, e) => n + e.runs, 0);
  const item = (label: string, runs: number, experiment: string | undefined): Html => {
    const current = experiment === view.experiment ? html` class="current" aria-current="page"` : html``;
    const href = viewUrl(view, { experiment, page: 1 });
    return html`<li><a href="${href}"${current}>${label}</a> <small>(${runs})</small></li>`;
  };
  return html`<nav class="experiments"><h2>Experiments</h2><ul>
${item("All runs", total, undefined)}
${experiments.map((e) => item(e.name, e.runs, e.name))}
</ul></nav>`;
}

function filterForm(view: RunsView): Html {
  const action = viewPath(view.experiment);
  const columns = view.columns === undefined ? "" : view.columns.map(columnText).join(",");
  return html`<form class="filter" method="get" action="${action}">
<label>Filter <input name="filter" value="${view.filter}" placeholder="metrics.accuracy > 0.9 and params.lr < 0.1" spellcheck="false"></label>
<label>Columns <input name="columns" value="${columns}" placeholder="params.lr,metrics.accuracy:max,status" spellcheck="false"></label>
${isDefaultSort(view.sort) ? "" : html`<input type="hidden" name="sort" value="${sortText(view.sort)}">`}
${view.pageSize === DEFAULT_PAGE_SIZE ? "" : html`<input type="hidden" name="size" value="${view.pageSize}">`}
<button type="submit">Apply</button>
</form>`;
}

function runsTable(view: RunsView, data: RunsPage): Html {
  const pages = Math.max(1, Math.ceil(data.total / view.pageSize));
  return html`${pager(view, data.total, pages)}
<form method="get" action="/compare" class="pick">
<table id="runs">
<thead><tr><th><button type="submit">Compare</button></th><th>run</th>${data.columns.map((c) => header(view, c))}</tr></thead>
<tbody>
${data.rows.map((row) => html`<tr data-run="${row.run.id}"><td><input type="checkbox" name="runs" value="${row.run.id}" aria-label="pick run ${row.run.id}"></td><td><a href="/runs/${row.run.id}">#${row.run.id}</a></td>${data.columns.map((c) => cell(row, c))}</tr>`)}
</tbody>
</table>
</form>
${data.rows.length === 0 ? html`<p class="notice">No runs ${view.filter === "" ? "here" : "match this filter"}.</p>` : ""}
${pager(view, data.total, pages)}`;
}

function header(view: RunsView, column: RunColumn): Html {
  const label = columnText(column);
  const key = columnSortKey(column);
  if (key === undefined) return html`<th>${label}</th>`;
  const current = sameSortKey(view.sort.key, key);
  // A click sorts by the column, highest first (text from A), or flips the direction it is sorted in.
  const first = key.kind === "run" && key.field !== "started" && key.field !== "duration" ? "asc" : "desc";
  const direction = current ? (view.sort.direction === "desc" ? "asc" : "desc") : first;
  const arrow = current ? (view.sort.direction === "desc" ? " ▼" : " ▲") : "";
  return html`<th${current ? html` aria-sort="${view.sort.direction === "desc" ? "descending" : "ascending"}"` : ""}><a href="${viewUrl(view, { sort: { key, direction }, page: 1 })}">${label}${arrow}</a></th>`;
}

function cell(row: RunsRow, column: RunColumn): Html {
  const run = row.run;
  if (column.kind === "param") return html`<td>${paramDisplay(run.params[column.key])}</td>`;
  if (column.kind === "metric") {
    const value = column.aggregate === "last" ? run.metrics[column.key] : row.extremes.get(`${column.aggregate}:${column.key}`);
    return html`<td class="num">${metricDisplay(value)}</td>`;
  }
  switch (column.field) {
    case "name":
      return html`<td><a href="/runs/${run.id}">${run.name ?? ""}</a></td>`;
    case "experiment":
      return html`<td><a href="${viewPath(run.experiment)}">${run.experiment}</a></td>`;
    case "status":
      return html`<td class="status-${run.status}">${run.status}</td>`;
    case "started":
      return html`<td>${timeDisplay(run.startedAt)}</td>`;
    case "duration":
      return html`<td class="num">${durationDisplay(run.durationMs)}</td>`;
    case "source": {
      const d = row.details;
      return html`<td>${d === undefined ? "" : d.sourcePath === null ? d.sourceKind : `${d.sourceKind}: ${d.sourcePath}`}</td>`;
    }
    case "tags":
      return html`<td>${Object.entries(row.details?.tags ?? {}).map(([k, v], i) => html`${i > 0 ? ", " : ""}<span class="tag">${k}=${v}</span>`)}</td>`;
  }
}

function pager(view: RunsView, total: number, pages: number): Html {
  const rel: Record<string, Html> = { next: html` rel="next"`, previous: html` rel="prev"` };
  const link = (label: string, target: number, enabled: boolean): Html =>
    enabled ? html`<a href="${viewUrl(view, { page: target })}"${rel[label]}>${label}</a>` : html`<span>${label}</span>`;
  return html`<div class="pager">${link("first", 1, view.page > 1)}${link("previous", view.page - 1, view.page > 1)}<span>page ${view.page} of ${pages} (${total} runs)</span>${link("next", view.page + 1, view.page < pages)}${link("last", pages, view.page < pages)}</div>`;
}
