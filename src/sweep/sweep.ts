/**
 * Sweeps: a pipeline script run once per parameter combination (a grid, or
 * seeded random draws), `parallel` at a time, on an executor: the local pool
 * of child processes today, a job queue next.
 */
import { ExportError } from "../errors";
import { parseParamArgs } from "../export";
import type { DeclaredParam } from "../export";
import { runScript } from "../execute";
import { seededRandom } from "../ml";
import { TAGS_ENV } from "../workbench";

/** One point of a sweep: the parameters of one run. */
export interface SweepJob {
  index: number;
  params: Record<string, unknown>;
}

/** What running a job gave. */
export interface SweepResult {
  job: SweepJob;
  ok: boolean;
  error?: string;
  durationMs: number;
}

/**
 * Where sweep jobs run. The local pool runs child processes on this machine;
 * a distributed queue can implement the same interface without changing the
 * command: it receives a job, runs the script with the job's parameters and
 * the sweep's tag, and reports the outcome.
 */
export interface SweepExecutor {
  run(job: SweepJob): Promise<SweepResult>;
}

/** The local executor: `pipelab run SCRIPT --param ...` in a child process per job. */
export class LocalProcessExecutor implements SweepExecutor {
  constructor(
    private readonly script: string,
    private readonly tags: Record<string, string>,
  ) {}

  async run(job: SweepJob): Promise<SweepResult> {
    const started = Date.now();
    const r = await runScript(this.script, { params: job.params, env: { [TAGS_ENV]: JSON.stringify({ ...this.tags, sweep_job: String(job.index) }) } });
    const error = r.code === 0 ? undefined : r.stderr.trim().split("\n").slice(-3).join(" ");
    return { job, ok: r.code === 0, ...(error === undefined ? {} : { error }), durationMs: Date.now() - started };
  }
}

/**
 * Runs the jobs on an executor, `parallel` at a time. The first job runs
 * alone: it fills the cache with the steps that do not depend on the swept
 * parameters, which every later job then reuses.
 */
export async function runSweep(jobs: readonly SweepJob[], executor: SweepExecutor, parallel: number, onDone: (r: SweepResult) => void): Promise<SweepResult[]> {
  const results: SweepResult[] = [];
  const queue = [...jobs];
  const first = queue.shift();
  if (first) {
    const r = await executor.run(first);
    results.push(r);
    onDone(r);
  }
  const worker = async (): Promise<void> => {
    for (let job = queue.shift(); job; job = queue.shift()) {
      const r = await executor.run(job);
      results.push(r);
      onDone(r);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, parallel) }, worker));
  return results.sort((a, b) => a.job.index - b.job.index);
}

/** The combinations of a grid: name=v1,v2 name2=v3 ... */
export function gridJobs(specs: readonly string[], declared: readonly DeclaredParam[], where: string): SweepJob[] {
  const axes = specs.map((spec) => {
    const eq = spec.indexOf("=");
    if (eq <= 0) throw new ExportError(`invalid grid axis ${JSON.stringify(spec)}: use name=v1,v2,...`);
    const name = spec.slice(0, eq);
    const values = spec.slice(eq + 1).split(",");
    return { name, values: values.map((v) => parseParamArgs([`${name}=${v}`], declared, where)[name]) };
  });
  let combos: Record<string, unknown>[] = [{}];
  for (const axis of axes) combos = combos.flatMap((c) => axis.values.map((v) => ({ ...c, [axis.name]: v })));
  return combos.map((params, index) => ({ index, params }));
}

/** `count` random points: name=lo:hi (uniform; log-uniform when both > 0 and hi/lo >= 100) or name=v1,v2 (a choice). */
export function randomJobs(count: number, specs: readonly string[], declared: readonly DeclaredParam[], where: string, seed: number): SweepJob[] {
  const random = seededRandom(seed);
  const byName = new Map(declared.map((d) => [d.name, d]));
  const axes = specs.map((spec) => {
    const eq = spec.indexOf("=");
    if (eq <= 0) throw new ExportError(`invalid range ${JSON.stringify(spec)}: use name=low:high or name=v1,v2`);
    const name = spec.slice(0, eq);
    const text = spec.slice(eq + 1);
    parseParamArgs([`${name}=${text.split(/[:,]/)[0]}`], declared, where);
    const range = /^(-?[\d.e+-]+):(-?[\d.e+-]+)$/.exec(text);
    if (range) {
      const lo = Number(range[1]);
      const hi = Number(range[2]);
      const integer = byName.get(name)?.type === "number" && Number.isInteger(byName.get(name)?.default) && Number.isInteger(lo) && Number.isInteger(hi);
      const log = lo > 0 && hi / lo >= 100;
      return { name, draw: (): unknown => {
        const u = random();
        const v = log ? Math.exp(Math.log(lo) + u * (Math.log(hi) - Math.log(lo))) : lo + u * (hi - lo);
        return integer ? Math.round(v) : Number(v.toPrecision(4));
      } };
    }
    const choices = text.split(",").map((v) => parseParamArgs([`${name}=${v}`], declared, where)[name]);
    return { name, draw: (): unknown => choices[Math.floor(random() * choices.length)] };
  });
  return Array.from({ length: count }, (_, index) => ({ index, params: Object.fromEntries(axes.map((a) => [a.name, a.draw()])) }));
}
