/**
 * The CLI's commands, by name: the registry `main` dispatches on and `help` lists.
 */
import { pipelabVersion } from "../util";
import type { Command } from "./command";
import { initCommand } from "./init-command";
import { monitorCommand } from "./monitor-command";
import { packageCommand } from "./package-command";
import { PIPELINE_COMMANDS } from "./pipeline-commands";
import { cache, runs } from "./runs-commands";
import { serveCommand } from "./serve-command";
import { doctor, kernel, notebook, setup } from "./setup-commands";
import { storeCommand } from "./store-command";
import { uiCommand } from "./ui-command";
import { workerCommand } from "./worker-command";

export type { Command } from "./command";

export const COMMANDS: Record<string, Command> = { init: initCommand, setup, doctor, notebook, kernel, runs, cache, store: storeCommand, ...PIPELINE_COMMANDS, worker: workerCommand, package: packageCommand, serve: serveCommand, monitor: monitorCommand, ui: uiCommand };

export function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(9)} ${c.summary}\n  ${" ".repeat(9)} ${c.usage}`);
  return `pipelab ${pipelabVersion()}: a notebook-style ML pipeline workbench\n\nUsage: pipelab COMMAND [options]\n\n${lines.join("\n\n")}`;
}
