export { LocalProcessExecutor, gridJobs, randomJobs, runSweep } from "./sweep";
export type { SweepExecutor, SweepJob, SweepResult } from "./sweep";
export { SweepQueue, scriptHash, storeForJobs } from "./queue";
export type { SweepStatus } from "./queue";
export { SweepWorker } from "./worker";
