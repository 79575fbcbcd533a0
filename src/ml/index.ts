export { BACKEND_ENV, initBackend } from "./backend";
export type { BackendInfo, BackendName } from "./backend";
export { seededRandom, shuffled } from "./random";
