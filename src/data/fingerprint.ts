/**
 * What a big data file's fingerprint is, when hashing all of it would cost
 * more than reading it: one rule, used where a reader reports the file to
 * its step and where a cached step checks that the file is unchanged.
 */
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { fileDigest, sha256 } from "../util";
import { currentDeltaFingerprint, isDeltaFingerprint } from "./delta/fingerprint";

/** The scheme a Parquet fingerprint starts with; bump its version if the rule changes. */
const PARQUET_SCHEME = "parquet-tail-v1:";
/** How much of a Parquet file's end is hashed: its footer, and usually some of the last pages. */
const TAIL_BYTES = 64 * 1024;

/**
 * A Parquet file's fingerprint, from its size and a sha256 of its last
 * 64 KiB, never of the gigabytes before them: `parquet-tail-v1:<size>:<sha256>`.
 *
 * Why that is enough: a Parquet file ends with its footer (schema, and for
 * every row group and column chunk its byte offsets, sizes, value counts and
 * min/max statistics) followed by the footer's length and `PAR1`. Writers
 * write files whole; new or changed data moves offsets, sizes or statistics,
 * so the footer, and nearly always the size, change with it. Modification
 * times are left out on purpose: a copy or a checkout of the same bytes keeps
 * the fingerprint, and a touch does not recompute anything.
 *
 * The blind spot: an edit in place that keeps the size and leaves the last
 * 64 KiB alone (bytes patched inside a page whose statistics are unchanged).
 * No Parquet writer does that; a step that must see it can declare the file
 * in `files:`, which hashes it whole.
 *
 * @example
 * ```ts
 * parquetFingerprint("/data/flights.parquet"); // "parquet-tail-v1:13493022:5f2c…"
 * ```
 */
export function parquetFingerprint(file: string): string {
  const fd = openSync(file, "r");
  try {
    const size = fstatSync(fd).size;
    const length = Math.min(size, TAIL_BYTES);
    const tail = Buffer.alloc(length);
    let read = 0;
    while (read < length) {
      const n = readSync(fd, tail, read, length - read, size - length + read);
      if (n === 0) break;
      read += n;
    }
    return `${PARQUET_SCHEME}${size}:${sha256(tail.subarray(0, read))}`;
  } finally {
    closeSync(fd);
  }
}

/**
 * A file's fingerprint now, by the rule its recorded fingerprint was made
 * with: a Parquet fingerprint for one, a Delta table's for one (see
 * delta/fingerprint.ts: `file` is a log file or a `_delta_log` folder), the
 * sha256 of the whole file otherwise. What a cached step compares with what
 * it recorded. Throws the file system's error (ENOENT) for a file that is gone.
 */
export function currentFingerprint(file: string, recorded: string): string {
  if (isDeltaFingerprint(recorded)) return currentDeltaFingerprint(file, recorded);
  return recorded.startsWith(PARQUET_SCHEME) ? parquetFingerprint(file) : fileDigest(file);
}
