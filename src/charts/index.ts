export { renderPlot } from "./render";
export type { RenderedChart } from "./render";

