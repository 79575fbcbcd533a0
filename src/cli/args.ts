import { parseArgs } from "node:util";
import type { ParseArgsConfig } from "node:util";

/** A mistake in how the CLI was called: printed with the usage. */
export class CliUsageError extends Error {}

type Options = NonNullable<ParseArgsConfig["options"]>;

/** Parses a command's arguments; unknown options are a usage error that names them. */
export function parse<O extends Options>(
  args: string[],
  options: O,
  allowPositionals = false,
): ReturnType<typeof parseArgs<{ args: string[]; options: O; allowPositionals: boolean; strict: true }>> {
  try {
    return parseArgs({ args, options, allowPositionals, strict: true });
  } catch (error) {
    throw new CliUsageError((error as Error).message.replace(/^TypeError \[[A-Z_]+\]: /, ""));
  }
}
