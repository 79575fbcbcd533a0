export { inKernel } from "./kernel";
export type { TslabDisplay } from "./kernel";
export { currentOutput } from "./display";
export type { Output } from "./display";
export { notebookEnvironment, scriptEnvironment } from "./environment";
export { progressDisplay } from "./progress";
