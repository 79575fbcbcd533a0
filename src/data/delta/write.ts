/**
 * writeDelta: a table written as a new version of a Delta table. Plan (the
 * table's schema and partitioning, new or checked against the existing
 * table), write the data files, then commit exclusively; on losing the race
 * for a version, a blind append is replayed on the new latest version, and
 * anything else fails with a DeltaConflictError, its data files removed.
 */
import { randomUUID } from "node:crypto";
import { existsSync, mkdirSync, rmSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import type { DataFrame } from "danfojs-node";
import { DataError } from "../../errors";
import { isDanfoFrame, pipelabVersion } from "../../util";
import { ColumnarTable, isColumnarTable } from "../columnar";
import type { Action, CommitInfo, Metadata } from "./actions";
import { commitText, tryCommit } from "./commit";
import { writeDataFiles } from "./data-files";
import type { WrittenFile } from "./data-files";
import { DeltaConflictError, tableName } from "./errors";
import { LOG_FOLDER, listLogFolder, openLog, readCommit } from "./log";
import type { DeltaLog } from "./log";
import { WRITER_VERSION, checkWritable } from "./protocol";
import { fieldsOf, misfit, schemaString, typeName } from "./schema";
import type { DeltaField } from "./schema";
import { loadSnapshot } from "./snapshot";
import type { Snapshot } from "./snapshot";

export interface WriteDeltaOptions {
  /**
   * What to do when the table exists: `"error"` (the default) refuses,
   * `"append"` adds the rows as a new version, `"overwrite"` replaces them
   * all in a new version (older versions stay readable by time travel).
   * Either way the schema must be the table's: no schema evolution.
   */
  mode?: "append" | "overwrite" | "error";
  /** Partition columns of a new table (one folder level each); an existing table keeps its own. */
  partitionBy?: readonly string[];
}

/** What writeDelta committed. */
export interface WrittenDelta {
  /** The version committed. */
  readonly version: number;
  /** The data files it added (absolute paths): none for an empty table. */
  readonly files: readonly string[];
}

/** How many times a blind append tries again after losing a version to another writer. */
const APPEND_ATTEMPTS = 100;

/** Characters a column name cannot have without column mapping (Spark refuses them in Parquet). */
const INVALID_NAME = /[ ,;{}()\n\t=]/;

/**
 * Writes a table (a ColumnarTable, or a danfo DataFrame) as a Delta table
 * (protocol: reader 1, writer 2): creates it at version 0, or commits the
 * next version to an existing one by appending or overwriting. Data files
 * are written first (Parquet, snappy; one per partition), then the commit
 * appears at once, or not at all. Two writers racing for a version: one
 * wins; the other's append is retried on top, and its overwrite (or the
 * creation of a table the other created) fails with a DeltaConflictError.
 *
 * @example
 * ```ts
 * await writeDelta(events, "lake/events", { partitionBy: ["day"] });          // version 0
 * await writeDelta(moreEvents, "lake/events", { mode: "append" });            // version 1
 * const { version } = await writeDelta(fixed, "lake/events", { mode: "overwrite" });
 * ```
 */
export async function writeDelta(table: ColumnarTable | DataFrame, path: string, options: WriteDeltaOptions = {}): Promise<WrittenDelta> {
  const data = isColumnarTable(table) ? table : isDanfoFrame(table) ? ColumnarTable.fromDanfo(table) : undefined;
  if (data === undefined) throw new DataError(`writeDelta needs a ColumnarTable or a danfo DataFrame, got ${table === null ? "null" : typeof table}`);
  const mode = options.mode ?? "error";
  if (!["append", "overwrite", "error"].includes(mode)) throw new DataError(`writeDelta ${JSON.stringify(path)}: unknown mode ${JSON.stringify(mode)}; use "append", "overwrite" or "error"`);
  const plan = await planWrite(data, path, mode, options.partitionBy);
  const root = resolve(path);
  const written = await writeDataFiles(data, root, plan.fields, plan.partitionColumns, `writing the data files of ${tableName(path)}`);
  try {
    mkdirSync(join(root, LOG_FOLDER), { recursive: true });
    const version = await commit(path, plan, data, written, mode);
    return { version, files: written.map((w) => w.file) };
  } catch (error) {
    // Not committed: the files are no version's, and nothing will ever read them.
    for (const { file } of written) rmSync(file, { force: true });
    throw error;
  }
}

/** What a write commits to: the table as read (none for a new one), its fields and partition columns. */
interface Plan {
  readonly base: Snapshot | undefined;
  readonly fields: readonly DeltaField[];
  readonly partitionColumns: readonly string[];
  readonly metadata: Metadata;
}

async function planWrite(data: ColumnarTable, path: string, mode: string, partitionBy: readonly string[] | undefined): Promise<Plan> {
  checkNames(data, path);
  const base = await existingTable(path);
  if (base === undefined) return newTable(data, path, partitionBy ?? []);
  const at = `${tableName(path)} (version ${base.version})`;
  const verb = mode === "append" ? "append to" : "overwrite";
  if (mode === "error") throw new DataError(`${at} already exists: pass mode "append" to add the rows, or "overwrite" to replace them`);
  checkWritable(base, mode === "overwrite");
  const mismatches = [
    ...base.schemaFields.filter((f) => !data.columns.includes(f.name)).map((f) => `column ${JSON.stringify(f.name)} (${typeName(f.type)}) is missing here`),
    ...data.columns.filter((c) => !base.schemaFields.some((f) => f.name === c)).map((c) => `column ${JSON.stringify(c)} is not in the table`),
    ...base.schemaFields.flatMap((f) => {
      const why = data.columns.includes(f.name) ? misfit(f, data, f.name) : undefined;
      return why === undefined ? [] : [`column ${JSON.stringify(f.name)} ${why}`];
    }),
  ];
  if (mismatches.length > 0) {
    throw new DataError(
      `cannot ${verb} ${at}: the columns differ from the table's: ${mismatches.join("; ")}. pipelab's Delta writer does not change a table's schema: make the columns match (select, rename, convert), or write a new table`,
    );
  }
  const partitionColumns = base.metadata.partitionColumns;
  if (partitionBy !== undefined && (partitionBy.length !== partitionColumns.length || partitionBy.some((c, i) => partitionColumns[i] !== c))) {
    throw new DataError(
      `cannot ${verb} ${at} partitioned by ${JSON.stringify(partitionBy)}: the table is partitioned by ${JSON.stringify(partitionColumns)}, which a write cannot change; leave out partitionBy, or write a new table`,
    );
  }
  return { base, fields: base.schemaFields, partitionColumns, metadata: base.metadata };
}

/** The latest version of the table at `path`, or undefined when there is none yet. */
async function existingTable(path: string): Promise<Snapshot | undefined> {
  const root = resolve(path);
  if (existsSync(root) && !statSync(root).isDirectory()) throw new DataError(`cannot write ${tableName(path)}: ${root} is a file; a Delta table is a folder`);
  const dir = join(root, LOG_FOLDER);
  if (!existsSync(dir)) return undefined;
  const listed = listLogFolder(dir);
  if (listed.commits.size === 0 && listed.checkpoints.length === 0) return undefined;
  const log = openLog(path);
  return loadSnapshot(log, log.latest);
}

function newTable(data: ColumnarTable, path: string, partitionBy: readonly string[]): Plan {
  const unknown = partitionBy.filter((c) => !data.columns.includes(c));
  if (unknown.length > 0) {
    throw new DataError(`cannot partition ${tableName(path)} by ${unknown.map((c) => JSON.stringify(c)).join(", ")}: no such column; the table has ${data.columns.map((c) => JSON.stringify(c)).join(", ")}`);
  }
  if (new Set(partitionBy).size !== partitionBy.length) throw new DataError(`cannot partition ${tableName(path)} by ${JSON.stringify(partitionBy)}: a column is named twice`);
  if (partitionBy.length > 0 && partitionBy.length === data.columns.length) throw new DataError(`cannot partition ${tableName(path)} by every column: no column would be left for the data files`);
  const fields = fieldsOf(data);
  const metadata: Metadata = {
    id: randomUUID(),
    format: { provider: "parquet", options: {} },
    schemaString: schemaString(fields),
    partitionColumns: [...partitionBy],
    configuration: {},
    createdTime: Date.now(),
  };
  return { base: undefined, fields, partitionColumns: [...partitionBy], metadata };
}

/** Column names Delta (without column mapping) can hold: none twice in any case, none with a character Parquet readers refuse. */
function checkNames(data: ColumnarTable, path: string): void {
  if (data.columns.length === 0) throw new DataError(`cannot write ${tableName(path)}: the table has no columns`);
  const bad = data.columns.filter((c) => c === "" || INVALID_NAME.test(c));
  if (bad.length > 0) {
    throw new DataError(`cannot write ${tableName(path)}: the column name${bad.length === 1 ? "" : "s"} ${bad.map((c) => JSON.stringify(c)).join(", ")} cannot be a Delta column (no spaces or any of ,;{}()=, tab, newline): rename ${bad.length === 1 ? "it" : "them"}`);
  }
  const seen = new Map<string, string>();
  for (const c of data.columns) {
    const twin = seen.get(c.toLowerCase());
    if (twin !== undefined) throw new DataError(`cannot write ${tableName(path)}: the columns ${JSON.stringify(twin)} and ${JSON.stringify(c)} differ only in case, which Delta does not allow: rename one`);
    seen.set(c.toLowerCase(), c);
  }
}

/** Commits the write as the next version, racing other writers; returns the version committed. */
async function commit(path: string, plan: Plan, data: ColumnarTable, written: readonly WrittenFile[], mode: string): Promise<number> {
  const dir = join(resolve(path), LOG_FOLDER);
  // A blind append reads nothing of the table, so it stays valid on top of any commit that keeps the schema.
  const blind = plan.base !== undefined && mode === "append";
  let version = plan.base === undefined ? 0 : plan.base.version + 1;
  for (let attempt = 1; ; attempt++) {
    if (tryCommit(dir, version, commitText(actions(plan, data, written, mode, blind)))) return version;
    const log = openLog(path);
    const changed = blind ? schemaChange(log, version) : version;
    if (changed !== undefined || attempt >= APPEND_ATTEMPTS) throw conflict(path, plan, mode, changed ?? log.latest, attempt);
    version = log.latest + 1;
  }
}

/** The first version from `from` on that changes the protocol or the metadata, if any. */
function schemaChange(log: DeltaLog, from: number): number | undefined {
  for (let v = from; v <= log.latest; v++) {
    if (!log.commits.has(v)) return v;
    if (readCommit(log, v).some((a) => a.kind === "metaData" || a.kind === "protocol")) return v;
  }
  return undefined;
}

function conflict(path: string, plan: Plan, mode: string, version: number, attempts: number): DeltaConflictError {
  const lost =
    plan.base === undefined
      ? `another writer created ${tableName(path)} first (version ${version}), while this write was creating it; to write from several processes at once, create the table first`
      : mode === "append"
        ? attempts >= APPEND_ATTEMPTS
          ? `this append to ${tableName(path)} lost the race for a version ${attempts} times (other writers committed up to version ${version})`
          : `another writer committed version ${version} of ${tableName(path)} first, changing its schema or protocol`
        : `another writer committed version ${version} of ${tableName(path)} first, after this ${mode} read version ${plan.base.version}`;
  return new DeltaConflictError(path, version, `${lost}; nothing of this write was committed (its data files were removed): re-read the table and retry`);
}

/** The actions of the commit: provenance first, as Spark writes it; then the table's creation, the removals and the additions. */
function actions(plan: Plan, data: ColumnarTable, written: readonly WrittenFile[], mode: string, blind: boolean): Action[] {
  const now = Date.now();
  const commitInfo: CommitInfo = {
    timestamp: now,
    operation: "WRITE",
    operationParameters: { mode: mode === "append" ? "Append" : mode === "overwrite" ? "Overwrite" : "ErrorIfExists", partitionBy: JSON.stringify(plan.partitionColumns) },
    ...(plan.base === undefined ? {} : { readVersion: plan.base.version }),
    isolationLevel: "Serializable",
    isBlindAppend: blind,
    operationMetrics: {
      numFiles: String(written.length),
      numOutputRows: String(data.rows),
      numOutputBytes: String(written.reduce((sum, w) => sum + w.add.size, 0)),
    },
    engineInfo: `pipelab/${pipelabVersion()}`,
    txnId: randomUUID(),
  };
  const list: Action[] = [{ kind: "commitInfo", commitInfo }];
  if (plan.base === undefined) {
    list.push({ kind: "protocol", protocol: { minReaderVersion: 1, minWriterVersion: WRITER_VERSION } }, { kind: "metaData", metaData: plan.metadata });
  }
  if (mode === "overwrite" && plan.base !== undefined) {
    for (const add of plan.base.files.values()) {
      list.push({ kind: "remove", remove: { path: add.path, deletionTimestamp: now, dataChange: true, extendedFileMetadata: true, partitionValues: add.partitionValues, size: add.size } });
    }
  }
  for (const w of written) list.push({ kind: "add", add: w.add });
  return list;
}
