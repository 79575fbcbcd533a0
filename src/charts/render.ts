import type { PlotOptions } from "@observablehq/plot";
import { chartDocument } from "./dom";
import { plotLib } from "./plot";

const SVG_NS = "http://www.w3.org/2000/svg";

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
  const svgs = element.tagName.toLowerCase() === "svg" ? [element] : Array.from(element.querySelectorAll("svg"));
  for (const svg of svgs) svg.setAttribute("xmlns", SVG_NS);
  return {
    html: element.outerHTML,
    standaloneSvg: element.tagName.toLowerCase() === "svg",
    title: typeof options.title === "string" ? options.title : undefined,
  };
}
