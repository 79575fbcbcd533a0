/**
 * `pipelab package RUN_ID`: a recorded run's trained pipeline as a folder
 * that `pipelab serve` and `loadPipeline` take.
 */
import { relative, resolve } from "node:path";
import { packageRun } from "../deploy";
import { initBackend } from "../ml";
import { defaultStorePath } from "../tracking";
import { visible } from "../util";
import type { RunId } from "../tracking";
import { defaultCacheDir } from "../workbench";
import { CliUsageError, parse } from "./args";
import type { Command } from "./command";
import { openForReading } from "./runs-commands";

const OPTIONS = {
  out: { type: "string", short: "o" },
  model: { type: "string" },
  store: { type: "string" },
  cache: { type: "string" },
} as const;

export const packageCommand: Command = {
  summary: "package a run's trained model with its preprocessing and signature, to serve or load elsewhere",
  usage: "pipelab package RUN_ID [-o DIR] [--model STEP] [--store FILE] [--cache DIR]   (default DIR: packages/EXPERIMENT-runID)",
  async run(args) {
    const { values, positionals } = parse(args, OPTIONS, true);
    const id = Number(positionals[0]);
    if (positionals.length !== 1 || !Number.isInteger(id) || id <= 0) throw new CliUsageError(`package: expected one run id, got ${JSON.stringify(positionals.join(" "))}`);
    // The run's model comes back from the cache through TensorFlow.js: pick its backend first (and say nothing of tfjs-node).
    await initBackend();
    const store = openForReading(values.store ?? defaultStorePath());
    try {
      const run = store.runDetails(id as RunId);
      const dir = resolve(values.out ?? `packages/${(run?.experiment ?? "run").replace(/[^\w.-]+/g, "-")}-run${id}`);
      const manifest = await packageRun(store, id as RunId, dir, { cacheDir: values.cache ?? defaultCacheDir(), ...(values.model === undefined ? {} : { modelStep: values.model }) });
      console.log(visible(`packaged run ${id} into ${relative(process.cwd(), dir) || "."}: ${manifest.model.task} on ${manifest.signature.inputs.length} input columns (${manifest.signature.inputs.map((c) => c.name).join(", ")}), after ${manifest.transformers.length} fitted transformer${manifest.transformers.length === 1 ? "" : "s"}`));
      for (const s of manifest.notPackaged) console.log(visible(`  not packaged: ${s.step}: ${s.why}`));
      console.log(`serve it: pipelab serve ${relative(process.cwd(), dir) || "."}`);
      return 0;
    } finally {
      store.close();
    }
  },
};
