import type * as PlotModule from "@observablehq/plot";

/** Observable Plot, loaded on first use (it is ESM-only: Node >= 20.19 requires it from CommonJS). */
export function plotLib(): typeof PlotModule {
  return require("@observablehq/plot") as typeof PlotModule;
}
