/**
 * `pipelab worker --queue postgres://...`: runs the jobs of queued sweeps on
 * this machine, until stopped. The first SIGTERM or SIGINT stops claiming
 * jobs and lets the running ones finish (up to --grace), the second gives
 * them back to the queue at once.
 */
import { resolve } from "node:path";
import { SweepWorker } from "../sweep";
import { findProjectRoot, visible } from "../util";
import { CliUsageError, parse } from "./args";
import type { Command } from "./command";
import { parseDuration } from "./sweep-queue";

const OPTIONS = {
  queue: { type: "string" },
  concurrency: { type: "string" },
  name: { type: "string" },
  project: { type: "string" },
  grace: { type: "string" },
  "check-every": { type: "string" },
} as const;

/** The environment variable naming the queue when --queue is not given. */
const QUEUE_ENV = "PIPELAB_QUEUE";

const stamp = (): string => new Date().toISOString().slice(11, 19);

export const workerCommand: Command = {
  summary: "run the jobs of sweeps queued with `pipelab sweep --queue`, on this machine, until stopped",
  usage:
    "pipelab worker --queue postgres://... [--concurrency N] [--name NAME] [--project DIR] [--grace 5m] [--check-every 15s]\n" +
    `            (--queue defaults to $${QUEUE_ENV}; --check-every: how often lost jobs are looked for)`,
  async run(args) {
    const { values } = parse(args, OPTIONS, false);
    const queueUrl = values.queue ?? process.env[QUEUE_ENV];
    if (!queueUrl) throw new CliUsageError(`worker: give --queue postgres://... (or set ${QUEUE_ENV})`);
    const concurrency = values.concurrency === undefined ? 1 : Number(values.concurrency);
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new CliUsageError(`invalid --concurrency: ${values.concurrency} (a whole number, 1 or more)`);
    const graceMs = (values.grace === undefined ? 300 : parseDuration(values.grace, "--grace")) * 1000;
    const projectRoot = findProjectRoot(resolve(values.project ?? process.cwd()));
    const worker = await SweepWorker.start({
      queueUrl,
      concurrency,
      projectRoot,
      ...(values.name === undefined ? {} : { name: values.name }),
      ...(values["check-every"] === undefined ? {} : { maintenanceIntervalSeconds: parseDuration(values["check-every"], "--check-every") }),
      // Job params, scripts' errors and host names reach the terminal with their control characters made visible.
      log: (line) => console.log(`${stamp()} ${visible(line)}`),
    });
    let signals = 0;
    const onSignal = (signal: NodeJS.Signals): void => {
      signals += 1;
      if (signals === 1) {
        console.log(`${stamp()} ${signal}: no new jobs; ${worker.running} running, given ${graceMs / 1000} s to finish (${signal} again gives them back to the queue)`);
        void worker.stop(graceMs);
      } else {
        console.log(`${stamp()} ${signal}: giving the running jobs back to the queue`);
        worker.releaseAll();
      }
    };
    process.on("SIGTERM", onSignal);
    process.on("SIGINT", onSignal);
    try {
      await worker.stopped;
    } finally {
      process.off("SIGTERM", onSignal);
      process.off("SIGINT", onSignal);
    }
    console.log(`${stamp()} ${visible(`worker ${worker.identity.name} stopped`)}`);
    return 0;
  },
};
