import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync, readdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { CacheError } from "../errors";
import { sha256, writeFileAtomic } from "../util";

const MAGIC = Buffer.from("PLABART1", "ascii");
/** Bump when the artifact file layout changes; artifacts live under a folder per layout. */
export const ARTIFACT_LAYOUT = 1;

/** What an artifact file says about itself. */
export interface ArtifactHeader {
  key: string;
  step: string;
  /** The run that computed it, if any. */
  runId: number | null;
  createdAt: string;
  /** sha256 of the payload: the output's fingerprint and the checksum verified on every read. */
  checksum: string;
  payloadBytes: number;
  /** Metric points the step logged while computing, replayed into runs that reuse the output. */
  logged?: { key: string; value: number; step: number }[];
}

/** An artifact whose bytes are not what its header promised: truncated, corrupted, or not an artifact. */
export class CorruptArtifactError extends CacheError {
  readonly file: string;
  constructor(file: string, why: string) {
    super(`cache artifact ${file} is corrupted (${why})`);
    this.file = file;
  }
}

function align8(n: number): number {
  return (n + 7) & ~7;
}

/**
 * The disk tier: one file per cache key under `dir`, fanned out by the key's
 * first two hex digits. Every write goes to a temporary file renamed into
 * place, so readers see a whole artifact or none, and two processes writing
 * the same key each leave a whole file (the last rename wins).
 */
export class DiskStore {
  readonly dir: string;

  constructor(root: string) {
    this.dir = join(root, `v${ARTIFACT_LAYOUT}`);
  }

  fileOf(key: string): string {
    if (!/^[0-9a-f]{64}$/.test(key)) throw new CacheError(`invalid cache key ${JSON.stringify(key)}`);
    return join(this.dir, key.slice(0, 2), `${key}.art`);
  }

  has(key: string): boolean {
    return existsSync(this.fileOf(key));
  }

  /** Writes an artifact; returns its header. */
  write(key: string, payload: Buffer, meta: { step: string; runId: number | null; logged?: ArtifactHeader["logged"] }): ArtifactHeader {
    const header: ArtifactHeader = {
      key,
      step: meta.step,
      runId: meta.runId,
      createdAt: new Date().toISOString(),
      checksum: sha256(payload),
      payloadBytes: payload.byteLength,
      ...(meta.logged && meta.logged.length > 0 ? { logged: meta.logged } : {}),
    };
    const headerBytes = Buffer.from(JSON.stringify(header), "utf8");
    // The payload starts 8-byte aligned so that typed arrays decode as views.
    const payloadStart = align8(MAGIC.byteLength + 4 + headerBytes.byteLength);
    const file = Buffer.alloc(payloadStart + payload.byteLength);
    MAGIC.copy(file, 0);
    file.writeUInt32LE(headerBytes.byteLength, MAGIC.byteLength);
    headerBytes.copy(file, MAGIC.byteLength + 4);
    payload.copy(file, payloadStart);
    const path = this.fileOf(key);
    mkdirSync(join(this.dir, key.slice(0, 2)), { recursive: true });
    writeFileAtomic(path, file);
    return header;
  }

  /**
   * Reads and verifies an artifact. Undefined when there is none; a
   * CorruptArtifactError when its bytes do not match its checksum.
   */
  read(key: string): { header: ArtifactHeader; payload: Buffer } | undefined {
    const path = this.fileOf(key);
    let file: Buffer;
    try {
      file = readFileSync(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw new CacheError(`cannot read cache artifact ${path}: ${(error as Error).message}`, { cause: error });
    }
    const { header, payloadStart } = parseHeader(file, path);
    if (header.key !== key) throw new CorruptArtifactError(path, `it holds key ${header.key}`);
    if (file.byteLength !== payloadStart + header.payloadBytes) {
      throw new CorruptArtifactError(path, `${file.byteLength - payloadStart} payload bytes where the header says ${header.payloadBytes}: truncated`);
    }
    const payload = file.subarray(payloadStart);
    if (sha256(payload) !== header.checksum) throw new CorruptArtifactError(path, "checksum mismatch");
    return { header, payload };
  }

  /** Reads only an artifact's header (for listings). */
  readHeader(path: string): ArtifactHeader {
    const fd = openSync(path, "r");
    try {
      const prefix = Buffer.alloc(MAGIC.byteLength + 4);
      readSync(fd, prefix, 0, prefix.byteLength, 0);
      const length = prefix.subarray(0, MAGIC.byteLength).equals(MAGIC) ? prefix.readUInt32LE(MAGIC.byteLength) : 0;
      const head = Buffer.alloc(prefix.byteLength + length);
      const n = readSync(fd, head, 0, head.byteLength, 0);
      return parseHeader(head.subarray(0, n), path).header;
    } finally {
      closeSync(fd);
    }
  }

  remove(key: string): boolean {
    const path = this.fileOf(key);
    if (!existsSync(path)) return false;
    rmSync(path, { force: true });
    return true;
  }

  /** Every artifact with its header, file size and modification time. Unreadable files are listed as corrupt. */
  list(): { path: string; bytes: number; mtime: Date; header?: ArtifactHeader }[] {
    if (!existsSync(this.dir)) return [];
    const out: { path: string; bytes: number; mtime: Date; header?: ArtifactHeader }[] = [];
    for (const fan of readdirSync(this.dir)) {
      const sub = join(this.dir, fan);
      if (!statSync(sub).isDirectory()) continue;
      for (const name of readdirSync(sub)) {
        if (!name.endsWith(".art")) continue;
        const path = join(sub, name);
        const st = statSync(path);
        let header: ArtifactHeader | undefined;
        try {
          header = this.readHeader(path);
        } catch {
          header = undefined;
        }
        out.push({ path, bytes: st.size, mtime: st.mtime, ...(header ? { header } : {}) });
      }
    }
    return out;
  }
}

function parseHeader(file: Buffer, path: string): { header: ArtifactHeader; payloadStart: number } {
  if (file.byteLength < MAGIC.byteLength + 4 || !file.subarray(0, MAGIC.byteLength).equals(MAGIC)) {
    throw new CorruptArtifactError(path, "not a pipelab artifact");
  }
  const length = file.readUInt32LE(MAGIC.byteLength);
  const start = MAGIC.byteLength + 4;
  if (start + length > file.byteLength) throw new CorruptArtifactError(path, "truncated header");
  let header: ArtifactHeader;
  try {
    header = JSON.parse(file.toString("utf8", start, start + length)) as ArtifactHeader;
  } catch {
    throw new CorruptArtifactError(path, "unreadable header");
  }
  return { header, payloadStart: align8(start + length) };
}
