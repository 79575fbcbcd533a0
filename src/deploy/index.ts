/**
 * Deploy: a trained pipeline packaged with its preprocessing and signature,
 * loaded back to predict anywhere.
 */
export { packagePipeline } from "./package";
export type { Manifest, NotPackaged, PackageOptions, PackageRun } from "./package";
export { InputRejected, loadPipeline } from "./load";
export { packageRun } from "./from-run";
export type { PackageRunOptions } from "./from-run";
export type { LoadedPipeline, Prediction } from "./load";
export type { InputColumn, InputError, InputType, OutputSchema, Signature } from "./signature";
