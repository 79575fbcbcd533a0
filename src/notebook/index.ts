export { inKernel, tslabDisplay } from "./kernel";
export type { TslabDisplay } from "./kernel";
export { currentOutput } from "./display";
export type { Output } from "./display";
export { NOTEBOOK_IMPORTS, notebookEnvironment, notebookImports, recordNotebookImports, scriptEnvironment } from "./environment";
export { progressDisplay } from "./progress";
