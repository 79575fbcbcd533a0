export { runScript } from "./run-script";
export type { RunOutcome } from "./run-script";
export { runNotebook } from "./run-notebook";
export type { NotebookFailure } from "./run-notebook";
export { invocationTag, runsOfInvocation } from "./invocation";
