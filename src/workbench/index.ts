export { CACHE_DIR_ENV, PARAMS_ENV, Show, TAGS_ENV, Workbench, defaultCacheDir, formatPlan } from "./workbench";
export { runMain } from "./run-main";
export type { RunMainOptions } from "./run-main";
export type { WorkbenchOptions } from "./workbench";
export type { PlanEntry, StepState } from "./runner";
export { CacheControl, formatCacheReport, pruneCache } from "./cache-control";
export type { PruneOptions } from "./cache-control";
