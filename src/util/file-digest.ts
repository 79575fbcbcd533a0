/**
 * What pipelab knows of a file's content, re-read only when the file may
 * have changed.
 *
 * One rule for every file pipelab fingerprints (declared step files, files a
 * reader reported, project modules): a result is reused while the file's
 * inode, size, modification and change times are the same, except when the
 * file was modified so shortly before it was read that a second edit within
 * the file system's timestamp granularity could look identical (git's "racy"
 * entries): such a result is not trusted, and the file is read again.
 */
import { readFileSync, statSync } from "node:fs";
import type { BigIntStats } from "node:fs";
import { sha256 } from "./hash";

/** Timestamps closer than this to the moment of reading may hide a later edit. */
const RACY_NS = 2_000_000_000n;

interface Entry<T> {
  ino: bigint;
  size: bigint;
  mtimeNs: bigint;
  ctimeNs: bigint;
  value: T;
  /** The value may be reused: the file was last modified well before it was read. */
  trusted: boolean;
}

function sameStat(a: BigIntStats, b: { ino: bigint; size: bigint; mtimeNs: bigint; ctimeNs: bigint }): boolean {
  return a.ino === b.ino && a.size === b.size && a.mtimeNs === b.mtimeNs && a.ctimeNs === b.ctimeNs;
}

/**
 * A memo of something computed from a file's bytes (its hash, its imports),
 * recomputed when the file may have changed.
 */
export class FileMemo<T> {
  private readonly entries = new Map<string, Entry<T>>();

  constructor(private readonly compute: (bytes: Buffer) => T) {}

  /** The value for `file`'s current content. Throws the file system's error (ENOENT, EACCES). */
  get(file: string): T {
    const before = statSync(file, { bigint: true });
    const hit = this.entries.get(file);
    if (hit?.trusted && sameStat(before, hit)) return hit.value;
    const value = this.compute(readFileSync(file));
    this.remember(file, before, value);
    return value;
  }

  /** Records a value computed from bytes read when the file had the stat `before`. */
  remember(file: string, before: BigIntStats, value: T): void {
    const now = BigInt(Date.now()) * 1_000_000n;
    let after: BigIntStats;
    try {
      after = statSync(file, { bigint: true });
    } catch {
      return;
    }
    // Changed while it was read: what was read is no file's content to remember.
    if (!sameStat(before, after)) return;
    const trusted = now - before.mtimeNs > RACY_NS && now - before.ctimeNs > RACY_NS;
    this.entries.set(file, { ino: before.ino, size: before.size, mtimeNs: before.mtimeNs, ctimeNs: before.ctimeNs, value, trusted });
  }

  clear(): void {
    this.entries.clear();
  }
}

const digests = new FileMemo<string>((bytes) => sha256(bytes));

/**
 * sha256 of a file's bytes. Throws the file system's error (ENOENT, EACCES)
 * for a file that cannot be read.
 */
export function fileDigest(file: string): string {
  return digests.get(file);
}

/**
 * Reads a file and hashes what was read, in one pass: what a reader that
 * reports its files to the step uses, so that the hash is of the very bytes
 * the step saw.
 */
export function readFileWithDigest(file: string): { bytes: Buffer; hash: string } {
  const before = statSync(file, { bigint: true });
  const bytes = readFileSync(file);
  const hash = sha256(bytes);
  digests.remember(file, before, hash);
  return { bytes, hash };
}

/**
 * sha256 of a module's source text as a loader reads it (without a leading
 * byte order mark): what was loaded and what is on disk compare equal when
 * they are the same text.
 */
export function sourceDigest(text: string): string {
  return sha256(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
}
