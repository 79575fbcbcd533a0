import { closeSync, existsSync, fstatSync, openSync, readSync, readdirSync, renameSync, rmSync, statSync } from "node:fs";
import type { Stats } from "node:fs";
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { basename, dirname, join } from "node:path";
import { CacheError } from "../errors";
import { Xxh32, makeOwnFolder, sha256, writeOwnFile, xxh32 } from "../util";
import type { ArtifactHeader, ArtifactListing, ArtifactStore, ArtifactVersion, Leftovers, LoggedPoint } from "./artifact-store";
export type { ArtifactHeader, Leftovers, LoggedPoint } from "./artifact-store";

const MAGIC = Buffer.from("PLABART2", "ascii");
/** Bump when the artifact file layout changes; artifacts live under a folder per layout. */
export const ARTIFACT_LAYOUT = 2;
const DIGEST_BYTES = 32;
/** Bytes before the header: magic, header length, header digest. */
const PREFIX_BYTES = MAGIC.byteLength + 4 + DIGEST_BYTES;

/** An artifact whose bytes are not what its header promised: truncated, corrupted, or not an artifact. */
export class CorruptArtifactError extends CacheError {
  readonly file: string;
  /** The version of the file that was read, so that only it is removed. */
  version: ArtifactVersion | undefined;
  constructor(file: string, why: string, version?: ArtifactVersion) {
    super(`cache artifact ${file} is corrupted (${why})`);
    this.file = file;
    this.version = version;
  }
}

/** A file's identity as an ArtifactVersion: a file published since (by rename) is another inode, or another size or mtime. */
export function versionOf(st: Stats): ArtifactVersion {
  return `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}`;
}

/** This machine's name as it may appear in a file name. */
const HOST = hostname().replace(/[^A-Za-z0-9_-]/g, "_") || "host";

/**
 * A name for a temporary file beside `path`, unique across machines that
 * share the folder (host, pid and a random part) and matching TEMP_FILE, so
 * that one left by a process that died is found as an orphan.
 */
export function tempBeside(path: string, purpose: string): string {
  return join(dirname(path), `.${basename(path)}.${purpose}.${HOST}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`);
}

function align8(n: number): number {
  return (n + 7) & ~7;
}

/** A temporary file a writer leaves until its rename: `.<key>.art.<pid>.<random>.tmp`, or a name from tempBeside. */
const TEMP_FILE = /^\..*\.tmp$/;
/** A temporary file older than this belongs to a writer that died. */
export const ORPHAN_AGE_MS = 10 * 60 * 1000;

/**
 * The disk tier: one file per cache key under `dir`, fanned out by the key's
 * first two hex digits. Every write goes to a temporary file renamed into
 * place, so readers see a whole artifact or none, and two processes writing
 * the same key each leave a whole file (the last rename wins). A damaged
 * artifact is removed only as the version that was read (see removeFile).
 * SharedFolderStore keeps the format and changes how files are published and
 * how old a dead writer's file must be, for a folder many machines write.
 *
 * Layout 2: `PLABART2 | u32 header length | sha256 of the header | header
 * (JSON) | pad to 8 | payload`. The header's digest and the payload's checksum
 * (kept in the header) cover every byte read back: a flipped byte in a logged
 * metric is caught like one in the payload.
 */
export class DiskStore implements ArtifactStore {
  readonly root: string;
  readonly dir: string;
  /** A temporary file older than this belongs to a writer that died. */
  protected readonly orphanAgeMs: number = ORPHAN_AGE_MS;

  constructor(root: string) {
    this.root = root;
    this.dir = join(root, `v${ARTIFACT_LAYOUT}`);
  }

  fileOf(key: string): string {
    if (!/^[0-9a-f]{64}$/.test(key)) throw new CacheError(`invalid cache key ${JSON.stringify(key)}`);
    return join(this.dir, key.slice(0, 2), `${key}.art`);
  }

  has(key: string): boolean {
    return existsSync(this.fileOf(key));
  }

  /** The header an artifact of `payload` will have: computed before writing, so a failed write still knows the fingerprint. */
  static header(
    key: string,
    payload: Uint8Array,
    meta: { step: string; runId: number | null; logged?: LoggedPoint[]; readFiles?: Record<string, string>; modules?: Record<string, string> },
  ): ArtifactHeader {
    return {
      key,
      step: meta.step,
      runId: meta.runId,
      createdAt: new Date().toISOString(),
      checksum: sha256(payload),
      verify: `xxh32:${xxh32(payload)}`,
      payloadBytes: payload.byteLength,
      ...(meta.logged && meta.logged.length > 0 ? { logged: meta.logged } : {}),
      ...(meta.readFiles && Object.keys(meta.readFiles).length > 0 ? { readFiles: meta.readFiles } : {}),
      ...(meta.modules && Object.keys(meta.modules).length > 0 ? { modules: meta.modules } : {}),
    };
  }

  /** Writes an artifact with the given header (see DiskStore.header). Throws the file system's error (ENOSPC, EACCES). */
  write(header: ArtifactHeader, payload: Uint8Array): void {
    const headerBytes = Buffer.from(JSON.stringify(header), "utf8");
    // The payload starts 8-byte aligned so that typed arrays decode as views.
    const payloadStart = align8(PREFIX_BYTES + headerBytes.byteLength);
    const file = Buffer.alloc(payloadStart + payload.byteLength);
    MAGIC.copy(file, 0);
    file.writeUInt32LE(headerBytes.byteLength, MAGIC.byteLength);
    Buffer.from(sha256(headerBytes), "hex").copy(file, MAGIC.byteLength + 4);
    headerBytes.copy(file, PREFIX_BYTES);
    file.set(payload, payloadStart);
    this.publish(this.fileOf(header.key), file);
  }

  /** Puts a whole artifact file at `path`: written beside it, then renamed over it. */
  protected publish(path: string, file: Buffer): void {
    makeOwnFolder(dirname(path));
    writeOwnFile(path, file);
  }

  /** Now, on the clock that stamps the folder's files (see SharedFolderStore, where that clock is another machine's). */
  protected clockNow(): number {
    return Date.now();
  }

  /**
   * Reads and verifies an artifact, with the version of the file read.
   * Undefined when there is none; a CorruptArtifactError when its bytes do
   * not match its checksums.
   */
  read(key: string): { header: ArtifactHeader; payload: Buffer; version: ArtifactVersion } | undefined {
    const path = this.fileOf(key);
    for (let attempt = 1; ; attempt++) {
      let read: { file: Buffer; fast: string | undefined; version: ArtifactVersion };
      try {
        read = readHashing(path);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === "ENOENT") return undefined;
        // NFS: another machine replaced (a publish of the same key) or removed the file while this one read it. Read the name again.
        if (code === "ESTALE") {
          if (attempt < 3) continue;
          return undefined;
        }
        throw new CacheError(`cannot read cache artifact ${path}: ${(error as Error).message}`, { cause: error });
      }
      try {
        return { ...verified(read.file, read.fast, path, key), version: read.version };
      } catch (error) {
        if (error instanceof CorruptArtifactError) error.version = read.version;
        throw error;
      }
    }
  }

  /** Reads and verifies only an artifact's header (listings, plans). */
  readHeader(path: string): ArtifactHeader {
    const fd = openSync(path, "r");
    try {
      return headerOfOpen(fd, path);
    } finally {
      closeSync(fd);
    }
  }

  /** The verified header of `key`'s artifact; undefined when there is none or it is unreadable. */
  headerOf(key: string): ArtifactHeader | undefined {
    try {
      const header = this.readHeader(this.fileOf(key));
      return header.key === key ? header : undefined;
    } catch {
      return undefined;
    }
  }

  remove(key: string, version?: ArtifactVersion): boolean {
    return this.removeFile(this.fileOf(key), version);
  }

  discard(listing: ArtifactListing): boolean {
    return this.removeFile(listing.path, listing.version);
  }

  /**
   * Removes the file at `path`; given a version, only that version. Removing
   * by name could take away a good artifact another process published since
   * the damaged one was read, so the file is first renamed aside (atomic, so
   * exactly one inode moves), then deleted if it is the one seen, else put back.
   */
  private removeFile(path: string, version?: ArtifactVersion): boolean {
    if (version === undefined) {
      if (!existsSync(path)) return false;
      rmSync(path, { force: true });
      return true;
    }
    const aside = tempBeside(path, "gone");
    try {
      renameSync(path, aside);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
      throw error;
    }
    if (versionOf(statSync(aside)) === version) {
      rmSync(aside, { force: true });
      return true;
    }
    // Published since it was read: a good artifact, as good as any other of its key (the key is a hash of the inputs).
    try {
      renameSync(aside, path);
    } catch {
      rmSync(aside, { force: true });
    }
    return false;
  }

  /** Every artifact with its header, file size and modification time. Unreadable files are listed as corrupt. */
  list(): ArtifactListing[] {
    if (!existsSync(this.dir)) return [];
    const out: ArtifactListing[] = [];
    for (const fan of readdirSync(this.dir)) {
      const sub = join(this.dir, fan);
      if (!statSync(sub).isDirectory()) continue;
      for (const name of readdirSync(sub)) {
        if (!name.endsWith(".art") || name.startsWith(".")) continue;
        const listed = this.listed(join(sub, name));
        if (listed) out.push(listed);
      }
    }
    return out;
  }

  /** Temporary files of dead writers, and folders of older layouts. */
  /** One artifact file as a listing; undefined when it went away since its folder was read. */
  protected listed(path: string): ArtifactListing | undefined {
    let fd: number;
    try {
      fd = openSync(path, "r");
    } catch {
      return undefined;
    }
    try {
      const st = fstatSync(fd);
      let header: ArtifactHeader | undefined;
      try {
        header = headerOfOpen(fd, path);
      } catch {
        header = undefined;
      }
      return { path, bytes: st.size, mtime: st.mtime, version: versionOf(st), ...(header ? { header } : {}) };
    } finally {
      closeSync(fd);
    }
  }

  leftovers(now = this.clockNow()): Leftovers {
    const result: Leftovers = { orphans: [], oldLayouts: [] };
    const orphansIn = (folder: string): void => {
      let names: string[];
      try {
        names = readdirSync(folder);
      } catch {
        return;
      }
      for (const name of names) {
        if (!TEMP_FILE.test(name)) continue;
        const path = join(folder, name);
        try {
          const st = statSync(path);
          if (st.isFile() && now - st.mtimeMs > this.orphanAgeMs) result.orphans.push({ path, bytes: st.size });
        } catch {
          // renamed or removed since it was listed: a live writer
        }
      }
    };
    // Besides the artifacts' folders, the two above them: a marker's or a clock probe's temporary file.
    orphansIn(this.root);
    orphansIn(this.dir);
    if (existsSync(this.dir)) {
      for (const fan of readdirSync(this.dir)) {
        const sub = join(this.dir, fan);
        try {
          if (statSync(sub).isDirectory()) orphansIn(sub);
        } catch {
          // removed since it was listed
        }
      }
    }
    if (existsSync(this.root)) {
      for (const name of readdirSync(this.root)) {
        const m = /^v(\d+)$/.exec(name);
        if (!m || Number(m[1]) >= ARTIFACT_LAYOUT) continue;
        const path = join(this.root, name);
        result.oldLayouts.push({ path, bytes: folderBytes(path) });
      }
    }
    return result;
  }

  /** Deletes the leftovers; returns how many files or folders went and the bytes freed. */
  removeLeftovers(leftovers = this.leftovers()): { removed: number; freedBytes: number } {
    let removed = 0;
    let freedBytes = 0;
    for (const item of [...leftovers.orphans, ...leftovers.oldLayouts]) {
      try {
        rmSync(item.path, { recursive: true, force: true });
        removed += 1;
        freedBytes += item.bytes;
      } catch {
        // not ours to remove (permissions): left for the user, still counted by report
      }
    }
    return { removed, freedBytes };
  }
}

function folderBytes(path: string): number {
  let total = 0;
  try {
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      const p = join(path, entry.name);
      total += entry.isDirectory() ? folderBytes(p) : statSync(p).size;
    }
  } catch {
    // unreadable: counted as empty
  }
  return total;
}

/** The verified header of an open artifact file, read from its start. */
function headerOfOpen(fd: number, path: string): ArtifactHeader {
  const prefix = Buffer.alloc(PREFIX_BYTES);
  const got = readSync(fd, prefix, 0, prefix.byteLength, 0);
  const length = got === PREFIX_BYTES && prefix.subarray(0, MAGIC.byteLength).equals(MAGIC) ? prefix.readUInt32LE(MAGIC.byteLength) : 0;
  const head = Buffer.alloc(PREFIX_BYTES + length);
  const n = readSync(fd, head, 0, head.byteLength, 0);
  return parseHeader(head.subarray(0, n), path).header;
}

/** An artifact file's header and payload, its checksums verified against `key`. */
function verified(file: Buffer, fast: string | undefined, path: string, key: string): { header: ArtifactHeader; payload: Buffer } {
  const { header, payloadStart } = parseHeader(file, path);
  if (header.key !== key) throw new CorruptArtifactError(path, `it holds key ${header.key}`);
  if (file.byteLength !== payloadStart + header.payloadBytes) {
    throw new CorruptArtifactError(path, `${file.byteLength - payloadStart} payload bytes where the header says ${header.payloadBytes}: truncated`);
  }
  const payload = file.subarray(payloadStart);
  const intact = header.verify !== undefined && fast !== undefined ? header.verify === `xxh32:${fast}` : payloadIntact(payload, header);
  if (!intact) throw new CorruptArtifactError(path, "checksum mismatch");
  return { header, payload };
}

/** Bytes read at a time; each piece of payload is hashed right after it is read, while it is in the CPU's cache. */
const READ_PIECE = 256 * 1024;

/**
 * An artifact file read piece by piece, its payload's XXH32 computed on the
 * way (undefined when the file is too short to have a payload where its
 * header says). One pass over memory: reading the whole file and then
 * hashing it costs a second, as much as the read.
 */
function readHashing(path: string): { file: Buffer; fast: string | undefined; version: ArtifactVersion } {
  const fd = openSync(path, "r");
  try {
    const st = fstatSync(fd);
    const size = st.size;
    const file = Buffer.allocUnsafe(size);
    let got = 0;
    let payloadStart: number | undefined;
    let hashed = 0;
    const hash = new Xxh32();
    while (got < size) {
      const n = readSync(fd, file, got, Math.min(READ_PIECE, size - got), got);
      if (n === 0) break;
      got += n;
      if (payloadStart === undefined && got >= PREFIX_BYTES && file.subarray(0, MAGIC.byteLength).equals(MAGIC)) {
        const start = align8(PREFIX_BYTES + file.readUInt32LE(MAGIC.byteLength));
        if (start <= size) payloadStart = hashed = start;
      }
      if (payloadStart === undefined || got < hashed) continue;
      // Whole stripes only, until the end: the last piece may have any length.
      const end = got === size ? got : hashed + Math.floor((got - hashed) / 16) * 16;
      if (end > hashed) {
        hash.update(file.subarray(hashed, end));
        hashed = end;
      }
    }
    const whole = got === size ? file : file.subarray(0, got);
    return { file: whole, fast: payloadStart !== undefined && hashed === got ? hash.digest() : undefined, version: versionOf(st) };
  } finally {
    closeSync(fd);
  }
}

/** Whether the payload matches its header's checksum: the fast one when the artifact has it, else the sha256. */
function payloadIntact(payload: Uint8Array, header: ArtifactHeader): boolean {
  if (header.verify !== undefined) return header.verify === `xxh32:${xxh32(payload)}`;
  return sha256(payload) === header.checksum;
}

function parseHeader(file: Buffer, path: string): { header: ArtifactHeader; payloadStart: number } {
  if (file.byteLength < PREFIX_BYTES || !file.subarray(0, MAGIC.byteLength).equals(MAGIC)) {
    throw new CorruptArtifactError(path, "not a pipelab artifact");
  }
  const length = file.readUInt32LE(MAGIC.byteLength);
  if (PREFIX_BYTES + length > file.byteLength) throw new CorruptArtifactError(path, "truncated header");
  const headerBytes = file.subarray(PREFIX_BYTES, PREFIX_BYTES + length);
  const digest = file.subarray(MAGIC.byteLength + 4, PREFIX_BYTES).toString("hex");
  if (sha256(headerBytes) !== digest) throw new CorruptArtifactError(path, "header checksum mismatch");
  let header: ArtifactHeader;
  try {
    header = parseHeaderJson(headerBytes.toString("utf8"));
  } catch (error) {
    throw new CorruptArtifactError(path, `unreadable header: ${(error as Error).message}`);
  }
  return { header, payloadStart: align8(PREFIX_BYTES + length) };
}

function isStringRecord(v: unknown): v is Record<string, string> {
  return typeof v === "object" && v !== null && !Array.isArray(v) && Object.values(v).every((x) => typeof x === "string");
}

/** The header's JSON, its shape checked: what a reader relies on is there and typed. */
function parseHeaderJson(text: string): ArtifactHeader {
  const h: unknown = JSON.parse(text);
  if (typeof h !== "object" || h === null) throw new Error("not an object");
  const o = h as Record<string, unknown>;
  const fail = (field: string): never => {
    throw new Error(`bad ${field}`);
  };
  if (typeof o.key !== "string") fail("key");
  if (typeof o.step !== "string") fail("step");
  if (o.runId !== null && typeof o.runId !== "number") fail("runId");
  if (typeof o.createdAt !== "string") fail("createdAt");
  if (typeof o.checksum !== "string") fail("checksum");
  if (typeof o.payloadBytes !== "number") fail("payloadBytes");
  if (o.verify !== undefined && (typeof o.verify !== "string" || !o.verify.startsWith("xxh32:"))) fail("verify");
  if (o.logged !== undefined) {
    const ok = Array.isArray(o.logged) && o.logged.every((p: unknown) => {
      const q = p as Record<string, unknown>;
      return typeof p === "object" && p !== null && typeof q.key === "string" && typeof q.value === "number" && typeof q.step === "number";
    });
    if (!ok) fail("logged");
  }
  if (o.readFiles !== undefined && !isStringRecord(o.readFiles)) fail("readFiles");
  if (o.modules !== undefined && !isStringRecord(o.modules)) fail("modules");
  return o as unknown as ArtifactHeader;
}
