export { defineStep } from "./step";
export type { CacheMode, StepDefinition, StepFunction, StepOptions } from "./step";
export {
  CACHE_VERSION,
  NOT_DATA,
  cacheKey,
  explainChange,
  fingerprintCode,
  isNotData,
  markOrigin,
  originOf,
  paramsFingerprint,
  primitiveFingerprint,
  projectPath,
  untracked,
} from "./fingerprint";
export type { CodeEnvironment, CodeFingerprint, InputRef, KeyParts, KeyRecord, Origin } from "./fingerprint";
export { analyzeFunction, importsOfSource, isGlobalName } from "./code";
export { closureValues } from "./closure";
export type { Binding, CodeAnalysis, ImportBinding, ImportMap } from "./code";
export { moduleDeps, packageName, packageVersion, resolveModuleFile } from "./modules";
export type { ModuleDeps } from "./modules";
export { installModuleLoadHook, loadedModuleDigest, recordCompiledModule, recordLoadedModule, staleModules } from "./loaded-modules";
export type { StaleModule } from "./loaded-modules";
export { orderSteps } from "./graph";
