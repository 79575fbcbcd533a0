/**
 * A notebook executed twice under the real pipelab kernel, as a user would
 * run it again: from a copy in a folder of the test's own (inside the
 * repository, so that "pipelab" resolves as in a user's project), the second
 * execution a new kernel on the same store and cache.
 */
import { copyFileSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { ExperimentStore } from "../../src/tracking";
import type { RunRecord, StepExecution } from "../../src/tracking";
import { executeNotebook, testKernel } from "./jupyter";
import type { Notebook } from "./jupyter";
import { tempDir } from "./tmp";

/** A run as the store has it: its record, final metrics and step executions. */
export interface StoredRun {
  record: RunRecord;
  metrics: Record<string, number>;
  steps: StepExecution[];
}

export interface TwoExecutions {
  /** The folder the notebook ran in (what it wrote beside itself is there). */
  dir: string;
  /** The store both executions wrote to. */
  store: string;
  first: Notebook;
  second: Notebook;
  /** Seconds each execution took. */
  seconds: [number, number];
  /** The runs of an experiment, oldest first. */
  runsOf(experiment: string): StoredRun[];
}

/** The folder a notebook test runs its copy in: call it in the `describe` body (its removal is registered with the suite). */
export function notebookFolder(source: string): string {
  return tempDir(`${basename(source, ".ipynb")}-`, { inRepo: true });
}

/** Executes the notebook at `source` twice in `dir` (from notebookFolder); call it in a `before` hook. */
export function executeTwice(source: string, dir: string, options: { timeoutSeconds: number }): TwoExecutions {
  const name = basename(source, ".ipynb");
  const notebook = join(dir, basename(source));
  const store = join(dir, "experiments.db");
  const env = { ...testKernel(join(dir, "jupyter")), PIPELAB_STORE: store, PIPELAB_CACHE_DIR: join(dir, "cache") };
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name, private: true }));
  copyFileSync(source, notebook);
  const seconds: number[] = [];
  const execute = (pass: string): Notebook => {
    const start = performance.now();
    const executed = executeNotebook(notebook, { outDir: join(dir, pass), env, cwd: dir, timeoutSeconds: options.timeoutSeconds }).notebook;
    seconds.push((performance.now() - start) / 1000);
    return executed;
  };
  const first = execute("first");
  const second = execute("second");
  return {
    dir,
    store,
    first,
    second,
    seconds: seconds as [number, number],
    runsOf(experiment) {
      const s = ExperimentStore.open(store);
      try {
        return s
          .listRuns({ experiment })
          .reverse()
          .map((record) => ({ record, metrics: s.runDetails(record.id)?.metrics ?? {}, steps: s.stepExecutions(record.id) }));
      } finally {
        s.close();
      }
    },
  };
}
