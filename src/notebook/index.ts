export { inKernel, tslabDisplay } from "./kernel";
export type { TslabDisplay } from "./kernel";
export { currentOutput } from "./display";
export type { Output } from "./display";
