// Runs one benchmark of bench/: `node scripts/run-bench.mjs NAME [args...]`
// (or `npm run bench -- NAME`) runs `node --import tsx bench/NAME.ts` from the
// repository root. Without a NAME, or with an unknown one, it lists the
// benchmarks and exits 2.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const benchDir = join(root, "bench");

const available = existsSync(benchDir)
  ? readdirSync(benchDir, { withFileTypes: true })
      .filter((e) => e.isFile() && e.name.endsWith(".ts") && !e.name.endsWith(".d.ts") && !e.name.startsWith(".") && !e.name.startsWith("lib"))
      .map((e) => e.name.slice(0, -".ts".length))
      .sort()
  : [];

const [name, ...args] = process.argv.slice(2);
if (name === undefined || !available.includes(name)) {
  if (name !== undefined) console.error(`unknown benchmark "${name}"`);
  console.error("usage: node scripts/run-bench.mjs NAME   (or: npm run bench -- NAME)");
  console.error(`benchmarks: ${available.length > 0 ? available.join(", ") : "none in bench/"}`);
  process.exit(2);
}

// Benchmarks that use pipelab as a user's code does (import from "pipelab") need the build.
const build = spawnSync(process.execPath, [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.build.json"], { cwd: root, stdio: ["ignore", "ignore", "inherit"] });
if (build.status !== 0) {
  console.error("cannot build dist/ for the benchmark: run npm run build and read its errors");
  process.exit(1);
}
const result = spawnSync(process.execPath, ["--import", "tsx", join("bench", `${name}.ts`), ...args], { cwd: root, stdio: "inherit" });
if (result.error) {
  console.error(`cannot run bench/${name}.ts: ${result.error.message}`);
  process.exit(1);
}
process.exit(result.status ?? 1);
