/**
 * The web page of runs (`pipelab ui`): server-rendered HTML over the
 * experiment store, with the charts' SVGs inline: the runs table (filter,
 * sort, columns, pages, all in the URL), a run's page (its curves live while
 * it runs), a comparison, and the diff of two runs.
 */
export { startUi } from "./server";
export type { UiOptions, UiServer } from "./server";
export { UiError } from "./errors";
