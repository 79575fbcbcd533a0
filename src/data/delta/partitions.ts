/**
 * Partition values (PROTOCOL.md, "Partition Value Serialization"): strings
 * in the log, typed by the schema when read; and the folders a writer puts
 * each partition's files in (`day=2025-03-01/`, escaped as Hive escapes).
 */
import { DataError } from "../../errors";
import { sqlString } from "../duckdb";
import { readExpression, sqlType, typeName } from "./schema";
import type { DeltaField } from "./schema";

/** The folder name of a null partition value, as Spark and Hive write it. */
export const NULL_PARTITION = "__HIVE_DEFAULT_PARTITION__";

/**
 * A partition value as a SQL literal of the column's type, as read. An
 * empty string is null, as the protocol says. A timestamp with no zone is
 * taken as UTC (the protocol says "the writer's time zone", which the log
 * does not record; current writers write UTC, with a `Z`).
 */
export function partitionLiteral(field: DeltaField, value: string | null, file: string): string {
  const type = typeName(field.type);
  if (value === null || value === "") return `CAST(NULL AS ${readType(field)})`;
  if (type === "timestamp" || type === "timestamp_ntz") {
    const micros = timestampMicros(value);
    if (micros === undefined) {
      throw new DataError(`the partition value ${JSON.stringify(value)} of the ${type} column ${JSON.stringify(field.name)} of the data file ${file} is not a timestamp ("2025-03-01 12:00:00" or "2025-03-01T12:00:00.000000Z"): the log is damaged`);
    }
    return `make_timestamp(CAST(${micros} AS BIGINT))`;
  }
  return readExpression(field, `CAST(${sqlString(value)} AS ${sqlType(field.type)})`);
}

function readType(field: DeltaField): string {
  return typeName(field.type).startsWith("decimal(") ? "DOUBLE" : sqlType(field.type);
}

const TIMESTAMP = /^(\d{4,})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/;

/** Microseconds since 1970 of a partition timestamp ("yyyy-MM-dd HH:mm:ss[.ffffff]", or ISO 8601 with a zone). */
export function timestampMicros(value: string): number | undefined {
  const m = TIMESTAMP.exec(value.trim());
  if (m === null) return undefined;
  const [, y, mo, d, h, mi, s, fraction, zone] = m;
  let ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  if (zone !== undefined && zone !== "Z") {
    const sign = zone.startsWith("-") ? -1 : 1;
    const digits = zone.slice(1).replace(":", "");
    ms -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || "0")) * 60_000;
  }
  const micros = Number(((fraction ?? "") + "000000").slice(0, 6));
  return Number.isFinite(ms) ? ms * 1000 + micros : undefined;
}

/** Characters Hive escapes in a partition folder's name (besides control characters). */
const ESCAPED = new Set(['"', "#", "%", "'", "*", "/", ":", "=", "?", "\\", "\x7f", "{", "[", "]", "^"]);

/** `column=value` as a folder name, escaped as Hive and Spark escape it (`a:b` → `a%3Ab`). */
export function partitionFolder(column: string, value: string | null): string {
  return `${escapePathName(column)}=${value === null ? NULL_PARTITION : escapePathName(value)}`;
}

function escapePathName(text: string): string {
  let out = "";
  for (const c of text) {
    const code = c.codePointAt(0) as number;
    out += code < 0x20 || ESCAPED.has(c) ? `%${code.toString(16).toUpperCase().padStart(2, "0")}` : c;
  }
  return out;
}

/** A relative path as the URI an `add` action holds: each segment percent-encoded (a `%` of the folder's escapes too). */
export function pathUri(relative: string): string {
  return relative
    .split("/")
    .map((segment) => encodeURIComponent(segment).replace(/%3D/g, "="))
    .join("/");
}
