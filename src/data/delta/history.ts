/**
 * A table's history, as `DESCRIBE HISTORY` shows it, and its latest version.
 */
import { readCommit, openLog } from "./log";
import { commitTimes } from "./time-travel";

/** One commit of a table's history. */
export interface DeltaCommit {
  readonly version: number;
  /** When it was committed (see CommitTime for which clock). */
  readonly timestamp: Date;
  /** What its writer called it ("WRITE", "MERGE", "OPTIMIZE"...), when it said. */
  readonly operation: string | undefined;
  readonly operationParameters: Readonly<Record<string, unknown>>;
  /** The writer's own metrics, as written (Spark writes numbers as strings). */
  readonly operationMetrics: Readonly<Record<string, unknown>>;
  readonly addedFiles: number;
  readonly removedFiles: number;
  /** Rows in the files added, from their statistics; undefined when a file added has none. */
  readonly addedRows: number | undefined;
  readonly isBlindAppend: boolean | undefined;
  readonly engineInfo: string | undefined;
}

/**
 * The commits a table's log keeps, newest first (like `DESCRIBE HISTORY`):
 * version, time, operation, and how many files and rows each added and removed.
 *
 * @example
 * ```ts
 * (await deltaHistory("lake/events")).map((c) => `${c.version} ${c.operation} +${c.addedRows}`);
 * ```
 */
export async function deltaHistory(path: string): Promise<DeltaCommit[]> {
  const log = openLog(path);
  return commitTimes(log)
    .map(({ version, timestamp, commitInfo }): DeltaCommit => {
      let addedFiles = 0;
      let removedFiles = 0;
      let addedRows: number | undefined = 0;
      for (const action of readCommit(log, version)) {
        if (action.kind === "remove") removedFiles++;
        if (action.kind !== "add") continue;
        addedFiles++;
        const rows = numRecords(action.add.stats);
        addedRows = addedRows === undefined || rows === undefined ? undefined : addedRows + rows;
      }
      return {
        version,
        timestamp: new Date(timestamp),
        operation: commitInfo?.operation,
        operationParameters: commitInfo?.operationParameters ?? {},
        operationMetrics: commitInfo?.operationMetrics ?? {},
        addedFiles,
        removedFiles,
        addedRows,
        isBlindAppend: commitInfo?.isBlindAppend,
        engineInfo: commitInfo?.engineInfo,
      };
    })
    .reverse();
}

/**
 * The latest version of a Delta table.
 *
 * @example
 * ```ts
 * const v = await deltaVersion("lake/events"); // 7
 * ```
 */
export async function deltaVersion(path: string): Promise<number> {
  return openLog(path).latest;
}

function numRecords(stats: string | undefined): number | undefined {
  if (stats === undefined) return undefined;
  try {
    const n = (JSON.parse(stats) as { numRecords?: unknown } | null)?.numRecords;
    return typeof n === "number" ? n : undefined;
  } catch {
    return undefined;
  }
}
