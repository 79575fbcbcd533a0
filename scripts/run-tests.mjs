// Runs the test suite with Node's test runner: every test/**/*.test.ts, or the
// files and folders given as arguments (`npm test -- test/tracking`).
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";

function collect(path) {
  if (statSync(path).isFile()) return path.endsWith(".test.ts") ? [path] : [];
  return readdirSync(path, { withFileTypes: true })
    .filter((e) => !e.name.startsWith("."))
    .flatMap((e) => collect(join(path, e.name)));
}

// The CLI and kernel tests run dist/: build it first, so that no test passes against a stale build.
const build = spawnSync(process.execPath, [join("node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.build.json"], { stdio: "inherit" });
if (build.status !== 0) {
  console.error("the build failed: the tests run against dist/, so fix the build first");
  process.exit(1);
}

const roots = process.argv.slice(2);
const files = (roots.length > 0 ? roots : ["test"]).flatMap(collect).map((f) => relative(process.cwd(), f)).sort();
if (files.length === 0) {
  console.error(`no test files under ${roots.join(", ") || "test"}`);
  process.exit(1);
}
// Safety nets, not expectations: a test file whose tests are done exits even if
// a browser or server it forgot keeps a handle open (--test-force-exit), and a
// test stuck for 20 minutes fails rather than hanging CI (--test-timeout).
const result = spawnSync(
  process.execPath,
  ["--import", "tsx", "--test", "--test-reporter=spec", "--test-concurrency=1", "--test-force-exit", "--test-timeout=1200000", ...files],
  { stdio: "inherit" },
);
process.exit(result.status ?? 1);
