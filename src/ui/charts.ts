/** A chart on a page: the SVG pipelab's charts render, or the reason it could not be drawn, in its place. */
import { PipelabError } from "../errors";
import type { RenderedChart } from "../charts";
import { html, trusted } from "./html";
import type { Html } from "./html";
import { errorBox } from "./layout";

/**
 * The chart `draw` renders, in a figure; a PipelabError (no run has the
 * metric, nothing differs) is shown in its place, any other error thrown.
 * Chart markup is trusted: Plot builds it as a DOM and serializes it, which
 * escapes every label (run names, params) as text.
 */
export function chartFigure(name: string, draw: () => RenderedChart): Html {
  try {
    return html`<figure class="chart" data-chart="${name}">${trusted(draw().html)}</figure>`;
  } catch (error) {
    if (!(error instanceof PipelabError)) throw error;
    return html`<figure class="chart" data-chart="${name}">${errorBox(error.message)}</figure>`;
  }
}
