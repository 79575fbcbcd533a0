/** One entry of the memory tier. */
export interface MemoryEntry {
  value: unknown;
  fingerprint: string;
  /** The run that computed the value. */
  runId: number | null;
  /** Its serialized size, or 0 when it was never serialized. */
  bytes: number;
  /** Metric points the step logged while computing it. */
  logged: { key: string; value: number; step: number }[];
  /** Files the step read while computing it: path -> content hash. */
  readFiles: Record<string, string>;
}

/**
 * The memory tier: the step outputs of this process, most recently used
 * last, evicted oldest first beyond a byte budget. A hit returns the very
 * object the step returned (no copy), which is why it costs microseconds.
 */
export class MemoryStore {
  private readonly entries = new Map<string, MemoryEntry>();
  private total = 0;

  constructor(readonly budgetBytes: number) {}

  get(key: string): MemoryEntry | undefined {
    const entry = this.entries.get(key);
    if (entry) {
      this.entries.delete(key);
      this.entries.set(key, entry);
    }
    return entry;
  }

  /** The entry, without counting it as used. */
  peek(key: string): MemoryEntry | undefined {
    return this.entries.get(key);
  }

  set(key: string, entry: MemoryEntry): void {
    this.delete(key);
    this.entries.set(key, entry);
    this.total += entry.bytes;
    for (const [k, e] of this.entries) {
      if (this.total <= this.budgetBytes || k === key) break;
      this.entries.delete(k);
      this.total -= e.bytes;
    }
  }

  delete(key: string): boolean {
    const entry = this.entries.get(key);
    if (!entry) return false;
    this.entries.delete(key);
    this.total -= entry.bytes;
    return true;
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  get size(): number {
    return this.entries.size;
  }

  get bytes(): number {
    return this.total;
  }
}
