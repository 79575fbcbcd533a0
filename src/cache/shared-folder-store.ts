/**
 * The step cache in a folder that processes on many machines write at once
 * (NFS, SMB, a cluster file system), as a team's workers share one. The
 * artifact files are DiskStore's, byte for byte; what differs is how they are
 * published and cleaned up, because here no process can trust its own clock,
 * its own umask, or that a name still means the file it read a moment ago.
 * The README's "A shared step cache" lists what this assumes of the file system.
 */
import { chmodSync, closeSync, existsSync, fchmodSync, fstatSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, statfsSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import { dirname, join, relative } from "node:path";
import { CacheError } from "../errors";
import { warnOnce } from "../util";
import type { ArtifactListing, ArtifactStore } from "./artifact-store";
import { ARTIFACT_LAYOUT, DiskStore, tempBeside } from "./disk-store";

/** The file that makes a folder a shared step cache for every process that opens it, whatever its environment. */
export const SHARED_MARKER = ".pipelab-cache.json";

/** The environment variable that makes the cache folder shared: "1" makes it one (the first write leaves SHARED_MARKER); "0" says a folder on a network file system is this machine's alone. */
export const CACHE_SHARED_ENV = "PIPELAB_CACHE_SHARED";

/**
 * Files and folders of a shared cache are read and written by the group
 * whatever each user's umask (chmod, unlike open and mkdir, ignores it), and
 * folders hand their group down (setgid). Who else may look inside is up to
 * the mode of the cache folder itself.
 */
export const SHARED_FILE_MODE = 0o664;
export const SHARED_FOLDER_MODE = 0o2775;

/**
 * A temporary file untouched this long, by the file server's clock, belongs
 * to a writer that died. Generous: a live writer on a slow link, or one whose
 * pages the client has not yet flushed, must never lose its file.
 */
export const SHARED_ORPHAN_AGE_MS = 60 * 60 * 1000;

/** An artifact published this recently (server clock) survives a prune: its run, on another machine, may not be recorded yet. */
export const SHARED_FRESH_MS = 60 * 60 * 1000;

/** How long a measured offset to the file server's clock is used before it is measured again. */
const CLOCK_TTL_MS = 60_000;

/** statfs(2) f_type of the file systems that other machines may write too (linux/magic.h and the file systems' own headers). */
const NETWORK_FILE_SYSTEMS: ReadonlyMap<number, string> = new Map([
  [0x6969, "NFS"],
  [0x517b, "SMB"],
  [0xff534d42, "CIFS"],
  [0xfe534d42, "SMB2"],
  [0x00c36400, "CephFS"],
  [0x0bd00bd0, "Lustre"],
  [0x47504653, "GPFS"],
  [0x01161970, "GFS2"],
  [0x7461636f, "OCFS2"],
  [0x5346414f, "AFS"],
]);

/**
 * The store for a cache folder: a SharedFolderStore when the folder holds
 * SHARED_MARKER or PIPELAB_CACHE_SHARED=1, else a DiskStore. A folder on a
 * network file system is not made shared by guess (its files would become
 * the group's, and a home folder on NFS is one person's): a warning says how
 * to choose.
 */
export function openArtifactStore(root: string): ArtifactStore {
  const because = sharedBecause(root);
  if (because !== undefined) return new SharedFolderStore(root, because);
  const fs = process.env[CACHE_SHARED_ENV] === "0" ? undefined : networkFileSystem(root);
  if (fs !== undefined) {
    warnOnce(
      `the step cache ${root} is on ${fs} but not marked as shared: if processes on other machines use it too, set ${CACHE_SHARED_ENV}=1 ` +
        `(see "A shared step cache" in pipelab's README); if it is this machine's alone, ${CACHE_SHARED_ENV}=0 silences this`,
    );
  }
  return new DiskStore(root);
}

/** Why `root` is a shared cache folder, as a message says it; undefined when it is a local one. */
function sharedBecause(root: string): string | undefined {
  // The marker is the folder's own: every machine follows it, whatever its environment says.
  if (existsSync(join(root, SHARED_MARKER))) return `it holds ${SHARED_MARKER}`;
  const env = process.env[CACHE_SHARED_ENV];
  if (env === "1") return `${CACHE_SHARED_ENV}=1`;
  if (env === undefined || env === "" || env === "0") return undefined;
  throw new CacheError(
    `invalid ${CACHE_SHARED_ENV}: ${JSON.stringify(env)} (use 1 for a cache folder that processes on many machines write, 0 or unset for one of this machine's)`,
  );
}

/** The network file system `path` (or, when it does not exist yet, its nearest parent) is on, if it is on one. */
function networkFileSystem(path: string): string | undefined {
  let p = path;
  while (!existsSync(p) && dirname(p) !== p) p = dirname(p);
  try {
    return NETWORK_FILE_SYSTEMS.get(Number(statfsSync(p).type));
  } catch {
    return undefined;
  }
}

/** Writes `bytes` to a new file `path` with the shared mode, and waits until the file server has them. */
function writeSynced(path: string, bytes: Uint8Array): void {
  const fd = openSync(path, "w", SHARED_FILE_MODE);
  try {
    fchmodSync(fd, SHARED_FILE_MODE);
    let at = 0;
    while (at < bytes.byteLength) at += writeSync(fd, bytes, at, bytes.byteLength - at);
    // Before the rename: once the name points at the file, its bytes are on the server (an NFS close flushes too, a local one does not).
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * A cache folder shared by processes on many machines. Each artifact is
 * written whole to a temporary file named after the host, the pid and a
 * random part, synced, given group permissions and renamed into place:
 * rename within a folder is atomic on NFS as locally, so a reader opens the
 * old file or the new one, each whole, and two writers of one key both
 * succeed (the last rename wins; their bytes are the same, as the key is a
 * hash of the inputs). No locks, no O_EXCL, no trust in this machine's clock:
 * ages are measured against the file server's clock, read from a file it
 * stamps.
 *
 * Chosen by openArtifactStore, which every StepCache opened on a folder uses:
 *
 * @example
 * ```sh
 * PIPELAB_CACHE_SHARED=1 PIPELAB_CACHE_DIR=/mnt/team/pipelab-cache pipelab run train.ipynb
 * ```
 */
export class SharedFolderStore extends DiskStore {
  /** Why this folder is treated as shared, for messages. */
  readonly sharedBecause: string;
  protected override readonly orphanAgeMs: number = SHARED_ORPHAN_AGE_MS;
  private marked = false;
  private clock: { measuredAt: number; offsetMs: number } | undefined;

  constructor(root: string, because = "it was opened as a shared folder") {
    super(root);
    this.sharedBecause = because;
  }

  protected override publish(path: string, file: Buffer): void {
    const temp = tempBeside(path, "new");
    try {
      this.makeFolder(dirname(path));
      if (!this.marked) this.mark();
      writeSynced(temp, file);
      renameSync(temp, path);
    } catch (error) {
      rmSync(temp, { force: true });
      throw this.explained(error, path);
    }
  }

  /** Now on the file server's clock: this machine's clock plus the offset measured by stamping a file. */
  protected override clockNow(): number {
    const now = Date.now();
    if (this.clock === undefined || now - this.clock.measuredAt > CLOCK_TTL_MS) {
      const server = this.serverTime();
      // Unmeasurable (a read-only folder): this machine's clock, but then nothing here can be removed either.
      this.clock = { measuredAt: now, offsetMs: server === undefined ? 0 : server - now };
    }
    return now + this.clock.offsetMs;
  }

  protected override listed(path: string): ArtifactListing | undefined {
    const listing = super.listed(path);
    if (listing === undefined || this.clockNow() - listing.mtime.getTime() >= SHARED_FRESH_MS) return listing;
    return { ...listing, fresh: true };
  }

  /** The mtime the file server gives a file written now; undefined when nothing can be written here. */
  private serverTime(): number | undefined {
    const probe = tempBeside(join(existsSync(this.dir) ? this.dir : this.root, "clock"), "probe");
    try {
      const fd = openSync(probe, "w", SHARED_FILE_MODE);
      try {
        // A write and a sync, so the server has stamped the file with its own time (an NFS client may cache a file's times until then).
        writeSync(fd, "t");
        fsyncSync(fd);
        return fstatSync(fd).mtimeMs;
      } finally {
        closeSync(fd);
      }
    } catch {
      return undefined;
    } finally {
      rmSync(probe, { force: true });
    }
  }

  /** Creates `path` and the folders down to it from the cache folder, each with the shared mode. */
  private makeFolder(path: string): void {
    if (existsSync(path)) return;
    const parent = dirname(path);
    if (relative(this.root, path) === "") mkdirSync(parent, { recursive: true });
    else this.makeFolder(parent);
    try {
      mkdirSync(path, { mode: SHARED_FOLDER_MODE });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "EEXIST") return; // another writer made it, and set its mode
      throw error;
    }
    chmodSync(path, SHARED_FOLDER_MODE);
  }

  /** Leaves SHARED_MARKER in the folder, so that every process opens it as shared, whatever its environment. */
  private mark(): void {
    this.marked = true;
    const marker = join(this.root, SHARED_MARKER);
    if (existsSync(marker)) return;
    const about = {
      pipelab: "shared step cache",
      layout: ARTIFACT_LAYOUT,
      createdAt: new Date().toISOString(),
      createdBy: `${hostname()} pid ${process.pid}`,
      because: this.sharedBecause,
    };
    const temp = tempBeside(marker, "new");
    try {
      writeSynced(temp, Buffer.from(`${JSON.stringify(about, null, 2)}\n`));
      renameSync(temp, marker);
    } catch {
      // The next writer tries again; until then this process's environment made the folder shared.
      rmSync(temp, { force: true });
    }
  }

  /** A refused write said in terms of what to do about it. */
  private explained(error: unknown, path: string): unknown {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "EACCES" && code !== "EPERM") return error;
    return new CacheError(
      `cannot publish into the shared step cache ${this.root} (${code} in ${dirname(path)}): every user of a shared cache needs write permission on its folders; ` +
        `its owner can grant it with: chgrp -R GROUP ${this.root} && chmod -R g+rwX,g+s ${this.root}`,
      { cause: error },
    );
  }
}
