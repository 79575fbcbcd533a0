import { readFileSync } from "node:fs";
import { join } from "node:path";

/** The root of the installed pipelab package (the folder with its package.json). */
export const packageRoot: string = join(__dirname, "..", "..");

let cached: string | undefined;

/** pipelab's own version, from its package.json. */
export function pipelabVersion(): string {
  cached ??= (JSON.parse(readFileSync(join(packageRoot, "package.json"), "utf8")) as { version: string }).version;
  return cached;
}
