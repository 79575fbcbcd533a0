import type { CacheReport, StepCache } from "../cache";
import { CacheError } from "../errors";
import type { RunStore } from "../tracking";
import { formatBytes } from "../util";

/** What a prune keeps: artifacts of the newest N runs, and/or artifacts newer than a date. */
export interface PruneOptions {
  /** Keep the artifacts used by the newest `keepRuns` runs. */
  keepRuns?: number;
  /** Keep the artifacts created at or after this date. */
  newerThan?: Date;
  /** Say what would go, delete nothing. */
  dryRun?: boolean;
}

/** The workbench's handle on its step cache: sizes and pruning. */
export class CacheControl {
  constructor(
    private readonly cache: StepCache,
    private readonly store: RunStore,
  ) {}

  /** Where the disk tier is. */
  get dir(): string {
    return this.cache.dir;
  }

  /** Sizes per step, in total, and of the memory tier. */
  report(): CacheReport {
    return this.cache.report();
  }

  /**
   * Deletes disk artifacts that no recent run used and that are older than
   * `newerThan`. At least one of keepRuns and newerThan must be given.
   *
   * @example
   * ```ts
   * wb.cache.prune({ keepRuns: 20 });                       // what the last 20 runs used stays
   * wb.cache.prune({ newerThan: new Date("2026-11-01") });  // what is newer stays
   * ```
   */
  prune(options: PruneOptions): { removed: number; freedBytes: number; kept: number } {
    return pruneCache(this.cache, this.store, options);
  }
}

/** Prunes a cache by what a store's recent runs used; shared by the API and the CLI. */
export function pruneCache(cache: StepCache, store: RunStore, options: PruneOptions): { removed: number; freedBytes: number; kept: number } {
  if (options.keepRuns === undefined && options.newerThan === undefined) {
    throw new CacheError("prune needs keepRuns and/or newerThan, so that it never empties the cache by accident");
  }
  if (options.keepRuns !== undefined && (!Number.isInteger(options.keepRuns) || options.keepRuns < 0)) {
    throw new CacheError(`invalid keepRuns: ${options.keepRuns} (use a whole number of runs, 0 or more)`);
  }
  if (options.newerThan !== undefined && Number.isNaN(options.newerThan.getTime())) {
    throw new CacheError("invalid newerThan: not a date");
  }
  const keep = options.keepRuns === undefined ? new Set<string>() : store.cacheKeysOfRecentRuns(options.keepRuns);
  return cache.prune({
    keep,
    ...(options.newerThan === undefined ? {} : { olderThan: options.newerThan }),
    ...(options.dryRun === undefined ? {} : { dryRun: options.dryRun }),
  });
}

/** A cache report as text. */
export function formatCacheReport(report: CacheReport): string {
  const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? "" : "s"}`;
  const lines = [`cache ${report.dir}: ${plural(report.artifacts, "artifact")}, ${formatBytes(report.bytes)}${report.corrupt ? ` (${report.corrupt} unreadable)` : ""}`];
  const steps = Object.entries(report.byStep).sort((a, b) => b[1].bytes - a[1].bytes);
  const width = Math.max(4, ...steps.map(([s]) => s.length));
  for (const [step, s] of steps) lines.push(`  ${step.padEnd(width)}  ${plural(s.artifacts, "artifact").padStart(14)}  ${formatBytes(s.bytes).padStart(9)}`);
  if (report.leftovers.files > 0) {
    lines.push(`leftovers: ${plural(report.leftovers.files, "file")} (${formatBytes(report.leftovers.bytes)}) of interrupted writes or older cache formats; \`pipelab cache prune\` removes them`);
  }
  if (report.memory.entries > 0) lines.push(`memory: ${report.memory.entries} entries, ${formatBytes(report.memory.bytes)} serialized`);
  return lines.join("\n");
}
