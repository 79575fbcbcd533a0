/**
 * Serve: a packaged pipeline over HTTP (`pipelab serve`), with pipelab's and
 * MLflow's JSON bodies, the Open Inference Protocol (V2), a token off
 * loopback, and the served predictions logged to the experiment store.
 */
export { servePipeline } from "./server";
export type { ServeOptions, ServeStats, ServedPipeline } from "./server";
export type { PredictionLogging } from "./prediction-logging";
export { ServeError } from "./errors";
export { TOKEN_ENV, bearerCheck, chooseToken, isLoopback } from "./auth";
