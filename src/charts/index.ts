export { renderPlot } from "./render";
export type { RenderedChart } from "./render";

export { plotLib } from "./plot";
export { DASHES, HIGHLIGHT, OKABE_ITO, SEQUENTIAL_SCHEME, seriesColors, seriesStyle } from "./palette";
export { downsample } from "./downsample";
export type { XY } from "./downsample";
export { runsTable } from "./runs-table";
export type { RunsTableOptions } from "./runs-table";
