/** The frame of every page: its head, a small stylesheet, the navigation. */
import { html, trusted } from "./html";
import type { Html } from "./html";

const STYLE = `
body { font: 14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0; color: #222; }
header { background: #263238; color: #fff; padding: 8px 16px; }
header a { color: #fff; text-decoration: none; margin-right: 16px; }
main { padding: 12px 16px; }
.layout { display: flex; gap: 24px; align-items: flex-start; }
nav.experiments { min-width: 160px; }
nav.experiments ul { list-style: none; padding: 0; margin: 0; }
nav.experiments li { margin: 2px 0; }
nav.experiments .current { font-weight: 600; }
table { border-collapse: collapse; }
th, td { border-bottom: 1px solid #ddd; padding: 3px 8px; text-align: left; vertical-align: top; white-space: nowrap; }
th { background: #f5f5f5; position: sticky; top: 0; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.differs { background: #fff3c4; }
.best { font-weight: 700; color: #1b5e20; }
.error { background: #fdecea; border: 1px solid #f5c2c0; padding: 8px; white-space: pre; font-family: ui-monospace, monospace; overflow-x: auto; }
.notice { background: #e3f2fd; padding: 6px 8px; }
.status-failed, .status-crashed { color: #b71c1c; }
.status-running { color: #0d47a1; }
form.filter input[name=filter] { width: 40em; font-family: ui-monospace, monospace; }
form.filter input[name=columns] { width: 30em; font-family: ui-monospace, monospace; }
.pager a, .pager span { margin-right: 8px; }
dl.facts { display: grid; grid-template-columns: max-content auto; gap: 2px 16px; }
dl.facts dt { color: #555; }
dl.facts dd { margin: 0; }
figure { margin: 8px 0 24px 0; }
#diff-steps td:last-child { white-space: normal; min-width: 24em; }
ul.reasons { margin: 0; padding-left: 1.2em; }
table.files { margin-top: 4px; font-size: 12px; }
table.files code { font-size: 11px; }
form.diff-with { margin: 8px 0; }
pre.diff { font: 12px/1.35 ui-monospace, monospace; background: #fafafa; border: 1px solid #ddd; padding: 6px 0; overflow-x: auto; }
pre.diff span { display: block; padding: 0 8px; white-space: pre; }
pre.diff .hunk { color: #6a1b9a; background: #f3e5f5; }
pre.diff .removed { background: #fdecea; }
pre.diff .added { background: #e8f5e9; }
`;

/** A whole page. */
export function page(title: string, body: Html): Html {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · pipelab</title>
<style>${trusted(STYLE)}</style>
</head>
<body>
<header><a href="/"><strong>pipelab</strong></a><a href="/">runs</a></header>
<main>
${body}
</main>
</body>
</html>
`;
}

/** A problem shown in place of what could not be drawn; `text` keeps its lines (a filter's caret). */
export function errorBox(text: string, attributes: Html = html``): Html {
  return html`<div class="error" role="alert" ${attributes}>${text}</div>`;
}
