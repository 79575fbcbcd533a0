export { Show, Workbench } from "./workbench";
export type { StepFunction, WorkbenchOptions } from "./workbench";
