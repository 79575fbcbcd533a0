/**
 * What the benchmarks share: progress lines on stderr, medians, a forced
 * garbage collection, and repeated timed samples.
 */
import { spawn } from "node:child_process";
import { messageOf } from "../src/errors";
import os from "node:os";
import { join } from "node:path";
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

/** The repository root (benches run their helpers from it). */
const REPO = join(__dirname, "..");

/** Runs a child process that prints one JSON value on stdout (its stderr passes through); resolves with the value. */
export function runJson(what: string, command: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<unknown> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { cwd: REPO, env, stdio: ["ignore", "pipe", "inherit"] });
    const chunks: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => chunks.push(chunk));
    child.on("error", (error) => fail(new Error(`cannot start ${what} (${command}): ${error.message}`, { cause: error })));
    child.on("close", (code, signal) => {
      const text = Buffer.concat(chunks).toString("utf8");
      if (code !== 0) {
        fail(new Error(`${what} exited with ${signal ?? `code ${code}`}${text ? `: ${text.slice(0, 500)}` : ""}`));
        return;
      }
      try {
        done(JSON.parse(text) as unknown);
      } catch (error) {
        fail(new Error(`${what} printed no JSON (${messageOf(error)}): ${text.slice(0, 500)}`));
      }
    });
  });
}
