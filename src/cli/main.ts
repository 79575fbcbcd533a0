#!/usr/bin/env node
import { PipelabError } from "../errors";
import { checkNodeVersion } from "../setup";
import { pipelabVersion } from "../util";
import { COMMANDS, usage } from "./commands";
import { CliUsageError } from "./args";

/** Runs the CLI with `argv` (without node and the script). Returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  try {
    checkNodeVersion();
    const [name, ...rest] = argv;
    if (name === undefined || name === "help" || name === "--help" || name === "-h") {
      console.log(usage());
      return 0;
    }
    if (name === "--version" || name === "-v") {
      console.log(pipelabVersion());
      return 0;
    }
    const command = COMMANDS[name];
    if (!command) throw new CliUsageError(`unknown command "${name}"`);
    return await command.run(rest);
  } catch (error) {
    if (error instanceof CliUsageError) {
      console.error(`pipelab: ${error.message}\n\n${usage()}`);
      return 2;
    }
    if (error instanceof PipelabError) {
      console.error(`pipelab: ${error.message}`);
      return 1;
    }
    throw error;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
