/**
 * What the benchmarks share: progress lines on stderr, medians, a forced
 * garbage collection, and repeated timed samples.
 */
import os from "node:os";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

/** Timed samples per figure, and warm-ups before them. */
export const RUNS = 5;
export const WARMUPS = 1;

/** A progress line for `name`'s benchmark, on stderr (stdout carries the JSON). */
export function progressFor(name: string): (line: string) => void {
  return (line) => process.stderr.write(`[bench ${name}] ${line}\n`);
}

export function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

export function median(samples: readonly number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const m = sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  return round(m);
}

/** A full garbage collection: V8's gc(), reached without needing node --expose-gc. */
export const collectGarbage: () => void = (() => {
  setFlagsFromString("--expose-gc");
  return runInNewContext("gc") as () => void;
})();

/**
 * Runs `once` warmups + runs times and keeps the last `runs` results. `once`
 * times its own operation and returns milliseconds, so that set-up and
 * clean-up around the operation stay out of the measurement. A full garbage
 * collection precedes each sample unless `gcFirst` is false.
 */
export async function sample(once: () => Promise<number> | number, runs = RUNS, warmups = WARMUPS, gcFirst = true): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < warmups + runs; i++) {
    if (gcFirst) collectGarbage();
    const ms = await once();
    if (i >= warmups) samples.push(round(ms));
  }
  return samples;
}

/** The machine a benchmark ran on, for its JSON. */
export function machineInfo(): { node: string; platform: string; cpus: number; cpuModel: string; totalMemoryGB: number } {
  const cpus = os.cpus();
  return {
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? "unknown",
    totalMemoryGB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
  };
}
