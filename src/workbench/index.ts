export { CACHE_DIR_ENV, Show, Workbench, defaultCacheDir, formatPlan } from "./workbench";
export type { WorkbenchOptions } from "./workbench";
export type { PlanEntry, StepState } from "./runner";
export { CacheControl, formatCacheReport, pruneCache } from "./cache-control";
export type { PruneOptions } from "./cache-control";
