import { rmSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { sha256 } from "../util";
import { CODEC_VERSION, decode, encode } from "./codec";
import { ARTIFACT_LAYOUT, CorruptArtifactError, DiskStore } from "./disk-store";
import { MemoryStore } from "./memory-store";
import { serializerVersions } from "./serializers";

/** A cached output found for a key. */
export interface CacheHit {
  value: unknown;
  tier: "memory" | "disk";
  fingerprint: string;
  /** The run that computed it. */
  runId: number | null;
  bytes: number;
  /** Metric points the step logged while computing the value, to replay into the run that reuses it. */
  logged: { key: string; value: number; step: number }[];
}

/** What storing an output produced. */
export interface Stored {
  fingerprint: string;
  /** Serialized size in bytes (0 when not serialized). */
  bytes: number;
}

export type StoreMode = "disk" | "memory" | "off";

/** A summary of the cache's contents. */
export interface CacheReport {
  dir: string;
  artifacts: number;
  bytes: number;
  corrupt: number;
  byStep: Record<string, { artifacts: number; bytes: number }>;
  memory: { entries: number; bytes: number };
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
  private readonly disk: DiskStore;

  constructor(options: { dir: string; memoryBudgetBytes?: number }) {
    this.dir = options.dir;
    this.memory = new MemoryStore(options.memoryBudgetBytes ?? 2 * 1024 ** 3);
    this.disk = new DiskStore(options.dir);
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
   * misses, so the step recomputes.
   */
  async get(key: string, onCorrupt: (message: string) => void = () => {}): Promise<CacheHit | undefined> {
    const inMemory = this.memory.get(key);
    if (inMemory) {
      return { value: inMemory.value, tier: "memory", fingerprint: inMemory.fingerprint, runId: inMemory.runId, bytes: inMemory.bytes, logged: inMemory.logged };
    }
    let found: ReturnType<DiskStore["read"]>;
    try {
      found = this.disk.read(key);
    } catch (error) {
      if (!(error instanceof CorruptArtifactError)) throw error;
      this.disk.remove(key);
      onCorrupt(`${error.message}; it was deleted and the step recomputes`);
      return undefined;
    }
    if (!found) return undefined;
    let value: unknown;
    try {
      value = await decode(found.payload);
    } catch (error) {
      this.disk.remove(key);
      onCorrupt(`cache artifact ${this.disk.fileOf(key)} could not be decoded (${(error as Error).message}); it was deleted and the step recomputes`);
      return undefined;
    }
    const entry = { value, fingerprint: found.header.checksum, runId: found.header.runId, bytes: found.header.payloadBytes, logged: found.header.logged ?? [] };
    this.memory.set(key, entry);
    return { ...entry, tier: "disk" };
  }

  /** Which tier holds `key`, without loading it. */
  where(key: string): "memory" | "disk" | undefined {
    if (this.memory.has(key)) return "memory";
    return this.disk.has(key) ? "disk" : undefined;
  }

  /**
   * Stores an output. "disk" serializes it (throwing UnserializableError for
   * a value no serializer handles) and writes it; "memory" keeps it in this
   * process only; "off" keeps nothing. The returned fingerprint is the sha256
   * of the serialized bytes, so equal outputs have equal fingerprints.
   */
  async put(
    key: string,
    value: unknown,
    meta: { step: string; runId: number | null; mode: StoreMode; logged?: { key: string; value: number; step: number }[] },
  ): Promise<Stored> {
    const logged = meta.logged ?? [];
    if (meta.mode === "disk") {
      const payload = await encode(value);
      const header = this.disk.write(key, payload, { step: meta.step, runId: meta.runId, logged });
      this.memory.set(key, { value, fingerprint: header.checksum, runId: meta.runId, bytes: payload.byteLength, logged });
      return { fingerprint: header.checksum, bytes: payload.byteLength };
    }
    // Not on disk: the output is a function of the key, so the key stands for it; "off" never repeats.
    const fingerprint = meta.mode === "memory" ? sha256(`memory:${key}`) : sha256(randomBytes(32));
    if (meta.mode === "memory") this.memory.set(key, { value, fingerprint, runId: meta.runId, bytes: 0, logged });
    return { fingerprint, bytes: 0 };
  }

  /** Drops `key` from both tiers. */
  invalidate(key: string): void {
    this.memory.delete(key);
    this.disk.remove(key);
  }

  report(): CacheReport {
    const report: CacheReport = { dir: this.dir, artifacts: 0, bytes: 0, corrupt: 0, byStep: {}, memory: { entries: this.memory.size, bytes: this.memory.bytes } };
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
   * than `olderThan`; unreadable artifacts go too. Returns what was removed.
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
      if (a.header && (protectedByKeep || protectedByAge)) {
        kept += 1;
        continue;
      }
      removed += 1;
      freedBytes += a.bytes;
      if (!options.dryRun) {
        if (key) {
          this.disk.remove(key);
          this.memory.delete(key);
        } else {
          rmSync(a.path, { force: true });
        }
      }
    }
    return { removed, freedBytes, kept };
  }
}
