import { mkdirSync, readdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const root = join(__dirname, "..", "..");

/**
 * Makes `dir` a user's project that has installed pipelab: a package.json,
 * and node_modules with pipelab's dependencies hoisted as npm installs them
 * (symlinks to this repository's). pipelab itself is linked unless
 * `withPipelab` is false (a test that installs its own copy).
 */
export function userProject(dir: string, name: string, withPipelab = true): void {
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name, private: true, dependencies: { pipelab: "^0.1.0" } }));
  mkdirSync(join(dir, "node_modules"), { recursive: true });
  for (const entry of readdirSync(join(root, "node_modules"))) {
    if (entry.startsWith(".") || (entry === "pipelab" && !withPipelab)) continue;
    symlinkSync(join(root, "node_modules", entry), join(dir, "node_modules", entry));
  }
}
