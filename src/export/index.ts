export { readNotebook } from "./notebook";
export type { CellIR, NotebookIR } from "./notebook";
export { notebookToScript } from "./script";
export { declaredParams, parseParamArgs } from "./params";
export type { DeclaredParam } from "./params";
export { exportNotebook } from "./export-notebook";
export { importScript, scriptToNotebook } from "./import-script";
