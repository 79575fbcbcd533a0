export { LocalProcessExecutor, gridJobs, randomJobs, runSweep } from "./sweep";
export type { SweepExecutor, SweepJob, SweepResult } from "./sweep";
