export { defineStep } from "./step";
export type { CacheMode, StepDefinition, StepFunction, StepOptions } from "./step";
export {
  CACHE_VERSION,
  cacheKey,
  explainChange,
  fingerprintCode,
  markOrigin,
  originOf,
  paramsFingerprint,
  primitiveFingerprint,
  projectPath,
} from "./fingerprint";
export type { CodeEnvironment, CodeFingerprint, InputRef, KeyParts, Origin } from "./fingerprint";
export { analyzeFunction, importsOfSource, isGlobalName, topLevelDeclaration } from "./code";
export type { CodeAnalysis, ImportBinding, ImportMap } from "./code";
export { clearModuleCaches, moduleDeps, packageName, packageVersion, resolveModuleFile } from "./modules";
export type { ModuleDeps } from "./modules";
