/**
 * The actions of a Delta log (PROTOCOL.md, "Actions"), parsed from JSON with
 * their shape checked: a commit line or a checkpoint row becomes typed
 * actions, or a DataError saying where the bad one is. Unknown actions and
 * fields are ignored, as the protocol asks (`cdc`, `domainMetadata`, ...).
 */
import { DataError } from "../../errors";

export interface Protocol {
  readonly minReaderVersion: number;
  readonly minWriterVersion: number;
  readonly readerFeatures?: readonly string[];
  readonly writerFeatures?: readonly string[];
}

export interface Metadata {
  readonly id: string;
  readonly name?: string;
  readonly description?: string;
  readonly format: { readonly provider: string; readonly options: Readonly<Record<string, string>> };
  readonly schemaString: string;
  readonly partitionColumns: readonly string[];
  readonly configuration: Readonly<Record<string, string>>;
  readonly createdTime?: number;
}

/** Partition values as the log holds them: strings, null for a null value. */
export type PartitionValues = Readonly<Record<string, string | null>>;

export interface AddFile {
  /** A URI, relative to the table's folder or absolute (see filePath). */
  readonly path: string;
  readonly partitionValues: PartitionValues;
  readonly size: number;
  readonly modificationTime: number;
  readonly dataChange: boolean;
  readonly stats?: string;
  /** Set when a deletion vector hides rows of the file: pipelab's reader refuses those. */
  readonly deletionVector?: unknown;
}

export interface RemoveFile {
  readonly path: string;
  readonly deletionTimestamp?: number;
  readonly dataChange: boolean;
  readonly extendedFileMetadata?: boolean;
  readonly partitionValues?: PartitionValues;
  readonly size?: number;
}

/** Free-form provenance; the fields pipelab reads are typed, the rest kept as written. */
export interface CommitInfo {
  readonly timestamp?: number;
  readonly inCommitTimestamp?: number;
  readonly operation?: string;
  readonly operationParameters?: Readonly<Record<string, unknown>>;
  readonly operationMetrics?: Readonly<Record<string, unknown>>;
  readonly isBlindAppend?: boolean;
  readonly engineInfo?: string;
  readonly [field: string]: unknown;
}

export type Action =
  | { readonly kind: "protocol"; readonly protocol: Protocol }
  | { readonly kind: "metaData"; readonly metaData: Metadata }
  | { readonly kind: "add"; readonly add: AddFile }
  | { readonly kind: "remove"; readonly remove: RemoveFile }
  | { readonly kind: "commitInfo"; readonly commitInfo: CommitInfo }
  | { readonly kind: "txn"; readonly txn: { readonly appId: string; readonly version: number } };

type Json = Record<string, unknown>;

/**
 * The actions of one log line or checkpoint row (an object with one key per
 * action, normally one). `where` names it in errors ("line 3 of .../00…01.json").
 */
export function parseActions(value: unknown, where: string): Action[] {
  if (!isObject(value)) throw new DataError(`${where} is not a Delta action (a JSON object): ${preview(value)}`);
  const actions: Action[] = [];
  for (const [key, body] of Object.entries(value)) {
    if (body === null || body === undefined) continue;
    const at = `the ${key} action on ${where}`;
    switch (key) {
      case "protocol":
        actions.push({ kind: "protocol", protocol: protocolOf(object(body, at), at) });
        break;
      case "metaData":
        actions.push({ kind: "metaData", metaData: metadataOf(object(body, at), at) });
        break;
      case "add":
        actions.push({ kind: "add", add: addOf(object(body, at), at) });
        break;
      case "remove":
        actions.push({ kind: "remove", remove: removeOf(object(body, at), at) });
        break;
      case "commitInfo":
        actions.push({ kind: "commitInfo", commitInfo: commitInfoOf(object(body, at)) });
        break;
      case "txn": {
        const o = object(body, at);
        actions.push({ kind: "txn", txn: { appId: text(o, "appId", at), version: number(o, "version", at) } });
        break;
      }
      default:
        // cdc, domainMetadata, checkpointMetadata, sidecar...: nothing a reader of protocol 1 needs.
        break;
    }
  }
  return actions;
}

function protocolOf(o: Json, at: string): Protocol {
  return {
    minReaderVersion: number(o, "minReaderVersion", at),
    minWriterVersion: number(o, "minWriterVersion", at),
    ...optional("readerFeatures", texts(o, "readerFeatures", at)),
    ...optional("writerFeatures", texts(o, "writerFeatures", at)),
  };
}

function metadataOf(o: Json, at: string): Metadata {
  const format = o.format === undefined || o.format === null ? { provider: "parquet" } : object(o.format, `${at}, its format`);
  return {
    id: text(o, "id", at),
    ...optional("name", optionalText(o, "name", at)),
    ...optional("description", optionalText(o, "description", at)),
    format: { provider: text(format, "provider", `${at}, its format`), options: stringMap(format.options, `${at}, its format options`) },
    schemaString: text(o, "schemaString", at),
    partitionColumns: texts(o, "partitionColumns", at) ?? [],
    configuration: stringMap(o.configuration, `${at}, its configuration`),
    ...optional("createdTime", optionalNumber(o, "createdTime", at)),
  };
}

function addOf(o: Json, at: string): AddFile {
  return {
    path: text(o, "path", at),
    partitionValues: partitionValues(o.partitionValues, `${at}, its partitionValues`),
    size: number(o, "size", at),
    modificationTime: optionalNumber(o, "modificationTime", at) ?? 0,
    dataChange: o.dataChange !== false,
    ...optional("stats", optionalText(o, "stats", at)),
    ...optional("deletionVector", o.deletionVector ?? undefined),
  };
}

function removeOf(o: Json, at: string): RemoveFile {
  return {
    path: text(o, "path", at),
    dataChange: o.dataChange !== false,
    ...optional("deletionTimestamp", optionalNumber(o, "deletionTimestamp", at)),
    ...optional("extendedFileMetadata", typeof o.extendedFileMetadata === "boolean" ? o.extendedFileMetadata : undefined),
    ...optional("partitionValues", o.partitionValues === undefined || o.partitionValues === null ? undefined : partitionValues(o.partitionValues, `${at}, its partitionValues`)),
    ...optional("size", optionalNumber(o, "size", at)),
  };
}

function commitInfoOf(o: Json): CommitInfo {
  // Provenance is free-form: keep it all, and type only the fields read, dropping ill-typed ones.
  const typed: Json = { ...o };
  for (const [key, type] of [
    ["timestamp", "number"],
    ["inCommitTimestamp", "number"],
    ["operation", "string"],
    ["isBlindAppend", "boolean"],
    ["engineInfo", "string"],
  ] as const) {
    if (typed[key] !== undefined && typeof typed[key] !== type) delete typed[key];
  }
  for (const key of ["operationParameters", "operationMetrics"]) if (typed[key] !== undefined && !isObject(typed[key])) delete typed[key];
  return typed as CommitInfo;
}

// --- shape checks ------------------------------------------------------------

function isObject(value: unknown): value is Json {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function object(value: unknown, at: string): Json {
  if (!isObject(value)) throw new DataError(`${at} is not a JSON object: ${preview(value)}`);
  return value;
}

function text(o: Json, key: string, at: string): string {
  const v = o[key];
  if (typeof v !== "string") throw new DataError(`${at} has ${v === undefined ? "no" : `a non-text (${preview(v)})`} field "${key}"; the log is damaged or was not written by a Delta writer`);
  return v;
}

function optionalText(o: Json, key: string, at: string): string | undefined {
  return o[key] === undefined || o[key] === null ? undefined : text(o, key, at);
}

/** A number; a checkpoint's BIGINT may arrive as a numeric string, which is accepted. */
function number(o: Json, key: string, at: string): number {
  const v = o[key];
  const n = typeof v === "string" && /^-?\d+$/.test(v) ? Number(v) : v;
  if (typeof n !== "number" || !Number.isFinite(n)) {
    throw new DataError(`${at} has ${v === undefined ? "no" : `a non-numeric (${preview(v)})`} field "${key}"; the log is damaged or was not written by a Delta writer`);
  }
  return n;
}

function optionalNumber(o: Json, key: string, at: string): number | undefined {
  return o[key] === undefined || o[key] === null ? undefined : number(o, key, at);
}

function texts(o: Json, key: string, at: string): string[] | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || !v.every((x) => typeof x === "string")) throw new DataError(`${at} has a field "${key}" that is not a list of strings: ${preview(v)}`);
  return v as string[];
}

function stringMap(value: unknown, at: string): Record<string, string> {
  if (value === undefined || value === null) return {};
  const o = object(value, at);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(o)) {
    if (v === null) continue;
    if (typeof v !== "string") throw new DataError(`${at} maps "${k}" to ${preview(v)}, not a string`);
    out[k] = v;
  }
  return out;
}

function partitionValues(value: unknown, at: string): Record<string, string | null> {
  if (value === undefined || value === null) return {};
  const o = object(value, at);
  const out: Record<string, string | null> = {};
  for (const [k, v] of Object.entries(o)) {
    if (v !== null && typeof v !== "string") throw new DataError(`${at} maps "${k}" to ${preview(v)}: partition values are strings (or null)`);
    out[k] = v;
  }
  return out;
}

/** `{ key: value }` when value is defined, `{}` otherwise: for optional fields under exactOptionalPropertyTypes-style shapes. */
function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

function preview(value: unknown): string {
  const s = JSON.stringify(value) ?? String(value);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}
