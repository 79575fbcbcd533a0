import { randomBytes } from "node:crypto";
import { sha256 } from "../util";
import { CODEC_VERSION, decode, encode } from "./codec";
import { ARTIFACT_LAYOUT, CorruptArtifactError, DiskStore } from "./disk-store";
import type { LoggedPoint } from "./disk-store";
import type { ArtifactStore } from "./artifact-store";
import type { CacheMode } from "../pipeline";
import { MemoryStore } from "./memory-store";
import { serializerVersions } from "./serializers";
import { openArtifactStore } from "./shared-folder-store";

/** A cached output found for a key. */
export interface CacheHit {
  value: unknown;
  tier: "memory" | "disk";
  fingerprint: string;
  /** The run that computed it. */
  runId: number | null;
  bytes: number;
  /** Metric points the step logged while computing the value, to replay into the run that reuses it. */
  logged: LoggedPoint[];
  /** Files the step read while computing the value: path -> content hash. The hit holds only while they are unchanged. */
  readFiles: Record<string, string>;
}

/** What storing an output produced. */
export interface Stored {
  fingerprint: string;
  /** Serialized size in bytes (0 when not serialized). */
  bytes: number;
  /** The disk tier could not take the output (a full disk, a read-only folder): it is kept in memory only. */
  diskError?: Error;
}


/** What the cache keeps with an output besides its bytes. */
export interface EntryMeta {
  step: string;
  runId: number | null;
  mode: CacheMode;
  logged?: LoggedPoint[];
  readFiles?: Record<string, string>;
  /** The project modules whose code ran: path -> source digest. */
  modules?: Record<string, string>;
}

/** A summary of the cache's contents. */
export interface CacheReport {
  dir: string;
  /** Why processes on many machines may write the folder at once, when they may (see openArtifactStore). */
  shared?: string;
  artifacts: number;
  bytes: number;
  corrupt: number;
  byStep: Record<string, { artifacts: number; bytes: number }>;
  memory: { entries: number; bytes: number };
  /** Temporary files of writers that died, and folders of older layouts: what `prune` deletes besides artifacts. */
  leftovers: { files: number; bytes: number };
}

/**
 * The step cache: a memory tier in front of a content-checked disk tier.
 *
 * @example
 * ```ts
 * const cache = new StepCache({ dir: ".pipelab/cache" });
 * await cache.put(key, frame, { step: "clean", runId: 3, mode: "disk" });
 * const hit = await cache.get(key); // { tier: "memory", value: frame, ... }
 * ```
 */
export class StepCache {
  readonly dir: string;
  private readonly memory: MemoryStore;
  private readonly disk: ArtifactStore;

  /**
   * A cache over a folder (`dir`: a local one, or one shared by many machines,
   * see openArtifactStore), or over another artifact store (`store`).
   */
  constructor(options: ({ dir: string } | { store: ArtifactStore }) & { memoryBudgetBytes?: number }) {
    this.disk = "store" in options ? options.store : openArtifactStore(options.dir);
    this.dir = this.disk.root;
    this.memory = new MemoryStore(options.memoryBudgetBytes ?? 2 * 1024 ** 3);
    // Temporary files of writers killed before their rename: never read, only in the way.
    try {
      this.disk.removeLeftovers({ orphans: this.disk.leftovers().orphans, oldLayouts: [] });
    } catch {
      // an unreadable cache folder is reported when it is used
    }
  }

  /** The versions of everything that shapes stored bytes; part of every cache key. */
  static format(): string {
    const serializers = Object.entries(serializerVersions())
      .map(([n, v]) => `${n}@${v}`)
      .sort()
      .join(",");
    return `codec${CODEC_VERSION}/layout${ARTIFACT_LAYOUT}/${serializers}`;
  }

  /**
   * The output cached under `key`, from memory or else from disk. A corrupt
   * disk artifact is deleted and reported through `onCorrupt`, and the lookup
   * misses, so the step recomputes. So is an artifact whose recorded modules
   * are not `expectModules` (code other than its key describes ran).
   */
  async get(
    key: string,
    onCorrupt: (message: string) => void = () => {},
    expectModules?: Readonly<Record<string, string>>,
  ): Promise<CacheHit | undefined> {
    const inMemory = this.memory.get(key);
    if (inMemory) {
      return {
        value: inMemory.value,
        tier: "memory",
        fingerprint: inMemory.fingerprint,
        runId: inMemory.runId,
        bytes: inMemory.bytes,
        logged: inMemory.logged,
        readFiles: inMemory.readFiles,
      };
    }
    let found: ReturnType<ArtifactStore["read"]>;
    try {
      found = this.disk.read(key);
    } catch (error) {
      if (!(error instanceof CorruptArtifactError)) throw error;
      // The version read, not whatever is there now: another process may have published a good one since.
      const gone = this.disk.remove(key, error.version);
      onCorrupt(`${error.message}; ${gone ? "it was deleted" : "another process has replaced it since"} and the step recomputes`);
      return undefined;
    }
    if (!found) return undefined;
    const ran = found.header.modules ?? {};
    const differing = expectModules ? Object.keys(ran).filter((m) => m in expectModules && expectModules[m] !== ran[m]) : [];
    if (differing.length > 0) {
      this.disk.remove(key, found.version);
      onCorrupt(
        `cache artifact ${this.disk.fileOf(key)} was computed by another version of ${differing.join(", ")} than its key describes; it was deleted and the step recomputes`,
      );
      return undefined;
    }
    let value: unknown;
    try {
      value = await decode(found.payload);
    } catch (error) {
      this.disk.remove(key, found.version);
      onCorrupt(`cache artifact ${this.disk.fileOf(key)} could not be decoded (${(error as Error).message}); it was deleted and the step recomputes`);
      return undefined;
    }
    const entry = {
      value,
      fingerprint: found.header.checksum,
      runId: found.header.runId,
      bytes: found.header.payloadBytes,
      logged: found.header.logged ?? [],
      readFiles: found.header.readFiles ?? {},
    };
    this.memory.set(key, entry);
    return { ...entry, tier: "disk" };
  }

  /** Which tier holds `key`, without loading it, with the files its output was read from. */
  describe(key: string): { tier: "memory" | "disk"; readFiles: Record<string, string> } | undefined {
    const inMemory = this.memory.peek(key);
    if (inMemory) return { tier: "memory", readFiles: inMemory.readFiles };
    const header = this.disk.headerOf(key);
    return header ? { tier: "disk", readFiles: header.readFiles ?? {} } : undefined;
  }

  /** Which tier holds `key`, without loading it. */
  where(key: string): "memory" | "disk" | undefined {
    if (this.memory.has(key)) return "memory";
    return this.disk.has(key) ? "disk" : undefined;
  }

  /**
   * Stores an output. "disk" serializes it (throwing UnserializableError for
   * a value no serializer handles) and writes it; a write the file system
   * refuses (a full disk) keeps the output in memory and says so in
   * `diskError`. "memory" keeps it in this process only; "off" keeps nothing.
   * The returned fingerprint is the sha256 of the serialized bytes, so equal
   * outputs have equal fingerprints.
   */
  async put(key: string, value: unknown, meta: EntryMeta): Promise<Stored> {
    const logged = meta.logged ?? [];
    const readFiles = meta.readFiles ?? {};
    if (meta.mode === "disk") {
      const payload = await encode(value);
      const header = DiskStore.header(key, payload, { step: meta.step, runId: meta.runId, logged, readFiles, ...(meta.modules ? { modules: meta.modules } : {}) });
      let diskError: Error | undefined;
      try {
        this.disk.write(header, payload);
      } catch (error) {
        diskError = error instanceof Error ? error : new Error(String(error));
      }
      this.memory.set(key, { value, fingerprint: header.checksum, runId: meta.runId, bytes: payload.byteLength, logged, readFiles });
      return { fingerprint: header.checksum, bytes: payload.byteLength, ...(diskError ? { diskError } : {}) };
    }
    // Not on disk: the output is a function of the key, so the key stands for it; "off" never repeats.
    const fingerprint = meta.mode === "memory" ? sha256(`memory:${key}`) : sha256(randomBytes(32));
    if (meta.mode === "memory") this.memory.set(key, { value, fingerprint, runId: meta.runId, bytes: 0, logged, readFiles });
    return { fingerprint, bytes: 0 };
  }

  /** Drops `key` from both tiers. */
  invalidate(key: string): void {
    this.memory.delete(key);
    this.disk.remove(key);
  }

  report(): CacheReport {
    const leftovers = this.disk.leftovers();
    const left = [...leftovers.orphans, ...leftovers.oldLayouts];
    const report: CacheReport = {
      dir: this.dir,
      ...(this.disk.sharedBecause === undefined ? {} : { shared: this.disk.sharedBecause }),
      artifacts: 0,
      bytes: 0,
      corrupt: 0,
      byStep: {},
      memory: { entries: this.memory.size, bytes: this.memory.bytes },
      leftovers: { files: left.length, bytes: left.reduce((sum, l) => sum + l.bytes, 0) },
    };
    for (const a of this.disk.list()) {
      report.artifacts += 1;
      report.bytes += a.bytes;
      if (!a.header) {
        report.corrupt += 1;
        continue;
      }
      const s = (report.byStep[a.header.step] ??= { artifacts: 0, bytes: 0 });
      s.artifacts += 1;
      s.bytes += a.bytes;
    }
    return report;
  }

  /**
   * Deletes the disk artifacts that are not in `keep` and (when given) older
   * than `olderThan`; unreadable artifacts, temporary files of dead writers
   * and folders of older layouts go too. An artifact the store calls fresh (a
   * shared folder's last hour) stays. Returns what was removed.
   */
  prune(options: { keep: ReadonlySet<string>; olderThan?: Date; dryRun?: boolean }): { removed: number; freedBytes: number; kept: number } {
    let removed = 0;
    let freedBytes = 0;
    let kept = 0;
    for (const a of this.disk.list()) {
      const key = a.header?.key;
      const created = a.header ? new Date(a.header.createdAt) : a.mtime;
      const protectedByKeep = key !== undefined && options.keep.has(key);
      const protectedByAge = options.olderThan !== undefined && created >= options.olderThan;
      if (a.fresh || (a.header && (protectedByKeep || protectedByAge))) {
        kept += 1;
        continue;
      }
      // Only the version listed: one a writer published since is a live artifact, and stays.
      if (!options.dryRun && !this.disk.discard(a)) {
        kept += 1;
        continue;
      }
      removed += 1;
      freedBytes += a.bytes;
      if (!options.dryRun && key) this.memory.delete(key);
    }
    const leftovers = this.disk.leftovers();
    const left = [...leftovers.orphans, ...leftovers.oldLayouts];
    if (options.dryRun) {
      removed += left.length;
      freedBytes += left.reduce((sum, l) => sum + l.bytes, 0);
    } else {
      const gone = this.disk.removeLeftovers(leftovers);
      removed += gone.removed;
      freedBytes += gone.freedBytes;
    }
    return { removed, freedBytes, kept };
  }
}
