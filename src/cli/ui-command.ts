/**
 * `pipelab ui`: the web page of runs until Ctrl-C or SIGTERM. The store is
 * opened read only: the page never writes to it.
 */
import { TOKEN_ENV } from "../serve";
import { defaultStorePath, openStore } from "../tracking";
import { startUi } from "../ui";
import type { UiServer } from "../ui";
import { CliUsageError, parse } from "./args";
import type { Command } from "./command";

const OPTIONS = {
  port: { type: "string" },
  host: { type: "string" },
  token: { type: "string" },
  store: { type: "string" },
} as const;

const DEFAULT_PORT = 5000;

export const uiCommand: Command = {
  summary: "a web page of the runs: browse, filter, sort and compare them in the browser",
  usage: [
    "pipelab ui [--port N] [--host H] [--token T] [--store FILE]",
    `            (port ${DEFAULT_PORT}, 0 for a free one; host 127.0.0.1: any other needs a token, from --token or $${TOKEN_ENV}, else one is made)`,
  ].join("\n"),
  async run(args) {
    const { values } = parse(args, OPTIONS);
    const port = portNumber(values.port);
    const store = openStore(values.store ?? defaultStorePath(), { readOnly: true });
    try {
      const ui = await startUi(store, { port, ...(values.host === undefined ? {} : { host: values.host }), ...(values.token === undefined ? {} : { token: values.token }) });
      console.log(`the runs of ${store.path} at ${ui.openUrl}`);
      if (ui.tokenGenerated) console.log("  (the token in this link was made now and is shown once)");
      console.log("  Ctrl-C or SIGTERM stops it");
      await stopSignal(ui);
      return 0;
    } finally {
      store.close();
    }
  },
};

function stopSignal(ui: UiServer): Promise<void> {
  return new Promise((done, fail) => {
    const stop = (): void => {
      process.off("SIGTERM", stop);
      process.off("SIGINT", stop);
      ui.close().then(done, fail);
    };
    process.on("SIGTERM", stop);
    process.on("SIGINT", stop);
  });
}

function portNumber(text: string | undefined): number {
  if (text === undefined) return DEFAULT_PORT;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n > 65535) throw new CliUsageError(`invalid --port: ${text} (a whole number from 0 to 65535)`);
  return n;
}
