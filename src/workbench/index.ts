export { Workbench } from "./workbench";
export { Show } from "./show";
export { PARAMS_ENV, TAGS_ENV, defaultCacheDir } from "./cli-contract";
export { runMain } from "./run-main";
export type { RunMainOptions } from "./run-main";
export type { WorkbenchOptions } from "./workbench";
export type { PlanEntry, StepState } from "./runner";
export { CacheControl, formatCacheReport, pruneCache } from "./cache-control";
export type { PruneOptions } from "./cache-control";
