/**
 * `pipelab serve PACKAGE_DIR | RUN_ID`: a packaged pipeline over HTTP until
 * SIGTERM or Ctrl-C, which stop it gracefully (requests in flight answered,
 * the prediction log flushed, exit 0).
 */
import { existsSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { loadPipeline, packageRun } from "../deploy";
import type { LoadedPipeline } from "../deploy";
import { ServeError, TOKEN_ENV, servePipeline } from "../serve";
import type { ServedPipeline } from "../serve";
import { ExperimentStore, defaultStorePath } from "../tracking";
import type { RunId } from "../tracking";
import { defaultCacheDir } from "../workbench";
import { CliUsageError, parse } from "./args";
import type { Command } from "./command";

const OPTIONS = {
  port: { type: "string" },
  host: { type: "string" },
  token: { type: "string" },
  "log-sample": { type: "string" },
  store: { type: "string" },
  cache: { type: "string" },
} as const;

const DEFAULT_PORT = 8080;

const log = (line: string): void => console.log(line);

export const serveCommand: Command = {
  summary: "serve a packaged pipeline over HTTP (POST /predict, Open Inference V2), logging predictions to the store",
  usage: [
    "pipelab serve PACKAGE_DIR | RUN_ID [--port N] [--host H] [--token T] [--log-sample R] [--store FILE] [--cache DIR]",
    `            (port ${DEFAULT_PORT}, 0 for a free one; host 127.0.0.1: any other needs a token, from --token or $${TOKEN_ENV}, else one is made;`,
    "            --log-sample 0.1 logs a tenth of the predictions, 0 none; a RUN_ID is packaged first, as `pipelab package` does)",
  ].join("\n"),
  async run(args) {
    const { values, positionals } = parse(args, OPTIONS, true);
    if (positionals.length !== 1) throw new CliUsageError(`serve: expected one package folder or run id, got ${JSON.stringify(positionals.join(" "))}`);
    const port = wholeNumber(values.port, "port", DEFAULT_PORT);
    const sampleRate = share(values["log-sample"], "log-sample", 1);
    const storePath = values.store ?? defaultStorePath();
    const store = sampleRate > 0 || /^\d+$/.test(positionals[0] as string) ? ExperimentStore.open(storePath) : undefined;
    try {
      const pipeline = await loadPipeline(await packageFolder(positionals[0] as string, store, values.cache));
      const server = await servePipeline(pipeline, {
        port,
        ...(values.host === undefined ? {} : { host: values.host }),
        ...(values.token === undefined ? {} : { token: values.token }),
        log: store !== undefined && sampleRate > 0 ? { store, sampleRate } : undefined,
      });
      announce(pipeline, server, store, sampleRate);
      await stopSignal(server);
      const stats = server.stats();
      const logged = stats.log === undefined ? "" : `; logged ${stats.log.logged} predictions to serving run ${server.servingRun}${stats.log.dropped > 0 ? ` (${stats.log.dropped} dropped)` : ""}`;
      log(`stopped: served ${stats.served} requests (${stats.rows} rows)${logged}`);
      return 0;
    } finally {
      store?.close();
    }
  },
};

/** The package folder: the one given, or for a run id the run's package (made now unless already there). */
async function packageFolder(target: string, store: ExperimentStore | undefined, cacheDir: string | undefined): Promise<string> {
  const dir = resolve(target);
  if (existsSync(dir) || !/^\d+$/.test(target) || store === undefined) return dir;
  const id = Number(target) as RunId;
  const run = store.getRun(id);
  if (run === undefined) throw new ServeError(`no folder ${dir} and no run ${id} in ${store.path}: give a package folder (pipelab package RUN_ID makes one) or a run id of \`pipelab runs ls\``);
  const folder = resolve(`packages/${run.experiment.replace(/[^\w.-]+/g, "-")}-run${id}`);
  if (existsSync(join(folder, "pipeline.json"))) {
    log(`serving run ${id} from its package ${relative(process.cwd(), folder)}`);
    return folder;
  }
  await packageRun(store, id, folder, { cacheDir: cacheDir ?? defaultCacheDir() });
  log(`packaged run ${id} into ${relative(process.cwd(), folder)}`);
  return folder;
}

function announce(pipeline: LoadedPipeline, server: ServedPipeline, store: ExperimentStore | undefined, sampleRate: number): void {
  const run = pipeline.manifest.run;
  log(`serving ${JSON.stringify(pipeline.name)}${run === null ? "" : ` (trained in run ${run.id} of ${JSON.stringify(run.experiment)})`} at ${server.url}`);
  log(`  POST ${server.url}/predict   {"records": [{${pipeline.signature.inputs.map((c) => JSON.stringify(c.name)).join(", ")}}]}`);
  log(`  POST ${server.url}/v2/models/${pipeline.name}/infer   (Open Inference Protocol)`);
  if (server.servingRun !== undefined && store !== undefined) log(`  logging ${sampleRate === 1 ? "every prediction" : `a share of ${sampleRate} of the predictions`} to serving run ${server.servingRun} in ${store.path}`);
  if (server.tokenGenerated) log(`  token (made now, shown once; requests send Authorization: Bearer <token>): ${server.token}`);
  else if (server.token !== undefined) log("  requests send Authorization: Bearer <token>");
  log("  Ctrl-C or SIGTERM stops it, answering the requests in flight");
}

/** Resolves once the server was stopped by SIGTERM or SIGINT and has drained; a second signal stops at once. */
function stopSignal(server: ServedPipeline): Promise<void> {
  return new Promise((done, fail) => {
    const stop = (signal: NodeJS.Signals): void => {
      process.off("SIGTERM", stop);
      process.off("SIGINT", stop);
      process.once("SIGTERM", () => process.exit(1));
      process.once("SIGINT", () => process.exit(130));
      log(`${signal}: stopping; answering the requests in flight (${signal === "SIGINT" ? "Ctrl-C" : "SIGTERM"} again stops at once)`);
      server.close().then(done, fail);
    };
    process.on("SIGTERM", stop);
    process.on("SIGINT", stop);
  });
}

function wholeNumber(text: string | undefined, name: string, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n > 65535) throw new CliUsageError(`invalid --${name}: ${text} (a whole number from 0 to 65535)`);
  return n;
}

function share(text: string | undefined, name: string, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (text.trim() === "" || !(n >= 0 && n <= 1)) throw new CliUsageError(`invalid --${name}: ${text} (a share from 0 to 1, such as 0.1)`);
  return n;
}
