/**
 * A chart outside a notebook: an HTML page and the chart's SVG on its own,
 * written private to the user under `.pipelab/charts/run-N/` and recorded
 * as the run's artifacts.
 */
import { dirname, join } from "node:path";
import type { RunStore, RunId } from "../tracking";
import { escapeHtml, findProjectRoot, makeOwnFolder, writeOwnFile } from "../util";

/** Writes a chart's files for a run; returns the page's path and whether an SVG was written beside it. */
export function writeChartFiles(
  store: RunStore,
  run: RunId,
  chart: { html: string; label: string; kind: "chart" | "table"; index: number },
): { page: string; svg: boolean } {
  const dir = join(findProjectRoot(dirname(store.path)), ".pipelab", "charts", `run-${run}`);
  const base = join(dir, `${String(chart.index).padStart(2, "0")}-${slug(chart.label)}`);
  makeOwnFolder(dir);
  const page = `<!doctype html>\n<html><head><meta charset="utf-8"><title>${escapeHtml(chart.label)}</title></head><body style="font-family:system-ui,sans-serif">\n${chart.html}\n</body></html>\n`;
  writeOwnFile(`${base}.html`, page);
  store.recordArtifact(run, { name: chart.label, kind: chart.kind, path: `${base}.html` });
  // The chart itself is the last <svg> of a figure: legend swatches come first.
  const start = chart.html.lastIndexOf("<svg");
  const svg = chart.kind === "chart" && start >= 0;
  if (svg) {
    writeOwnFile(`${base}.svg`, `${chart.html.slice(start, chart.html.lastIndexOf("</svg>") + "</svg>".length)}\n`);
    store.recordArtifact(run, { name: chart.label, kind: "chart-svg", path: `${base}.svg` });
  }
  return { page: `${base}.html`, svg };
}

function slug(text: string): string {
  return (
    text
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-|-$/g, "")
      .slice(0, 60) || "chart"
  );
}
