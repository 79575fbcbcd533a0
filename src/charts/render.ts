import type { PlotOptions } from "@observablehq/plot";
import { chartDocument } from "./dom";
import { plotLib } from "./plot";

const SVG_NS = "http://www.w3.org/2000/svg";

const HEADING_FONT = "font-family: system-ui, -apple-system, 'Segoe UI', sans-serif; line-height: 1.3;";
const HEADING_STYLES = {
  h2: `${HEADING_FONT} font-size: 15px; font-weight: 600; color: #222; margin: 0 0 2px 0; padding: 0;`,
  h3: `${HEADING_FONT} font-size: 12px; font-weight: 400; color: #555; margin: 0 0 8px 0; padding: 0;`,
} as const;

/** A chart drawn by Plot, serialized. */
export interface RenderedChart {
  /** The chart as HTML: a bare `<svg>`, or a `<figure>` with title, legend and `<svg>`. */
  readonly html: string;
  /** True when `html` is a standalone SVG document (no HTML legend or title around it). */
  readonly standaloneSvg: boolean;
  /** The chart's title, if it has one. */
  readonly title: string | undefined;
}

/**
 * Draws a chart with Observable Plot and serializes it. The `document` option
 * is supplied: Plot draws into a server-side DOM.
 *
 * @example
 * ```ts
 * import * as Plot from "@observablehq/plot";
 * const chart = renderPlot({ marks: [Plot.dot(rows, { x: "x", y: "y" })] });
 * ```
 */
export function renderPlot(options: PlotOptions): RenderedChart {
  const element = plotLib().plot({ ...options, document: chartDocument() }) as Element;
  // Plot's title and subtitle are <h2> and <h3>: styled here, so that they read the same
  // under a notebook cell, in a chart page written by a script, and in an exported image.
  for (const [tag, style] of Object.entries(HEADING_STYLES)) {
    for (const heading of Array.from(element.querySelectorAll(`:scope > ${tag}`))) heading.setAttribute("style", style);
  }
  const svgs = element.tagName.toLowerCase() === "svg" ? [element] : Array.from(element.querySelectorAll("svg"));
  for (const svg of svgs) svg.setAttribute("xmlns", SVG_NS);
  return {
    html: element.outerHTML,
    standaloneSvg: element.tagName.toLowerCase() === "svg",
    title: typeof options.title === "string" ? options.title : undefined,
  };
}
