// Builds pipelab's optional native BLAS (native/blas: cblas_sgemm from the
// system OpenBLAS) with node-gyp. It is pipelab's `install` script, so it runs
// on `npm ci` here and on `npm install pipelab` in a user's project, and it
// never fails the install: when something is missing it prints one line
// saying what, records the reason for pipelab to show at run time, and exits 0;
// pipelab then trains on WebAssembly.
//
//   node scripts/build-native.mjs        build (or rebuild) it
//   PIPELAB_NATIVE_BLAS=0                skip the build
//   PIPELAB_OPENBLAS_INCLUDE / _LIB      folders of cblas.h and libopenblas (see native/blas/find-openblas.js)
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dir = join(root, "native", "blas");
const buildDir = join(dir, "build");
const addon = join(buildDir, "Release", "pipelab_blas.node");
// Read by src/ml/native when the addon is missing, to say why.
const reasonFile = join(buildDir, "not-built.txt");
const logFile = join(buildDir, "build.log");
const require = createRequire(import.meta.url);

/** Says why there is no native BLAS, in one line and in the reason file, and ends the install successfully. */
function notBuilt(reason) {
  try {
    // No addon stays behind to contradict the note (node-gyp may have linked one before failing).
    rmSync(join(buildDir, "Release"), { recursive: true, force: true });
    mkdirSync(buildDir, { recursive: true });
    writeFileSync(reasonFile, `${reason}\n`);
  } catch {
    // A read-only install folder: the note below still tells the user.
  }
  console.log(`pipelab: native BLAS not built: ${reason}; pipelab will train on WebAssembly`);
  process.exit(0);
}

const runs = (cmd, args = ["--version"]) => spawnSync(cmd, args, { stdio: "ignore" }).status === 0;

/** The tools node-gyp needs besides itself, as phrases for the note. */
function missingTools() {
  const missing = [];
  const cc = process.env.CC || "cc";
  if (!runs(cc)) missing.push(`a C compiler (${cc}; Debian: apt-get install build-essential)`);
  if (process.platform !== "win32" && !runs("make")) missing.push("make (Debian: apt-get install build-essential)");
  const python = process.env.npm_config_python || process.env.PYTHON || "python3";
  if (!runs(python)) missing.push(`Python 3 for node-gyp (${python})`);
  return missing;
}

/** How to run node-gyp: npm's own (npm names it to install scripts), else one found beside Node or in node_modules, else PATH. */
function nodeGyp() {
  const scripts = [
    process.env.npm_config_node_gyp,
    process.env.npm_execpath && join(dirname(process.env.npm_execpath), "..", "node_modules", "node-gyp", "bin", "node-gyp.js"),
    join(dirname(process.execPath), "..", "lib", "node_modules", "npm", "node_modules", "node-gyp", "bin", "node-gyp.js"),
    join(dirname(process.execPath), "node_modules", "npm", "node_modules", "node-gyp", "bin", "node-gyp.js"),
  ];
  try {
    scripts.push(require.resolve("node-gyp/bin/node-gyp.js"));
  } catch {
    // not a dependency of ours or of the project
  }
  const script = scripts.find((s) => s && s.endsWith(".js") && existsSync(s));
  if (script) return [process.execPath, script];
  if (runs("node-gyp")) return ["node-gyp"];
  return undefined;
}

/**
 * Node's headers where they are already on disk (Debian's nodejs in /usr, an
 * official tarball's prefix), so that node-gyp does not try to download them.
 * A nodedir that npm passes on is left to node-gyp.
 */
function nodeDirFlags() {
  if (process.env.npm_config_nodedir) return [];
  const prefixes = [join(dirname(process.execPath), ".."), process.config.variables.node_prefix].filter(Boolean);
  const prefix = prefixes.find((p) => existsSync(join(p, "include", "node", "node_api.h")) && existsSync(join(p, "include", "node", "common.gypi")));
  return prefix ? [`--nodedir=${prefix}`] : [];
}

/** The first line of a failed build's output that says what went wrong. */
function firstError(output) {
  const lines = output.split("\n").map((l) => l.trim());
  return lines.find((l) => /\berror\b/i.test(l) && !/^gyp (ERR|info)/.test(l)) ?? lines.find((l) => /^gyp ERR!/.test(l)) ?? "no output";
}

function main() {
  // A fresh start: what is left afterwards is this run's addon, or its reason and log.
  rmSync(buildDir, { recursive: true, force: true });
  if (process.env.PIPELAB_NATIVE_BLAS === "0") notBuilt("skipped (PIPELAB_NATIVE_BLAS=0)");

  const { findOpenBlas } = require(join(dir, "find-openblas.js"));
  const missing = [...missingTools(), ...findOpenBlas().missing];
  const gyp = nodeGyp();
  if (!gyp) missing.push("node-gyp (it comes with npm)");
  if (missing.length > 0) notBuilt(`missing ${missing.join(", ")}`);

  const [cmd, ...args] = [...gyp, "rebuild", "--release", ...nodeDirFlags()];
  const build = spawnSync(cmd, args, { cwd: dir, encoding: "utf8", timeout: 10 * 60_000, env: { ...process.env, npm_config_loglevel: "warn" } });
  const output = `$ ${[cmd, ...args].join(" ")}\n${build.stdout ?? ""}${build.stderr ?? ""}${build.error ? `\n${build.error.message}` : ""}`;
  try {
    mkdirSync(buildDir, { recursive: true });
    writeFileSync(logFile, output);
  } catch {
    // the note still says what failed
  }
  if (build.status !== 0 || !existsSync(addon)) notBuilt(`node-gyp failed (${firstError(output)}; full log: ${relative(process.cwd(), logFile) || logFile})`);

  // Load it in a child, so that a library that is there at build time but not at load time is caught here.
  const probe = spawnSync(process.execPath, ["-e", `const b = require(${JSON.stringify(addon)}); b.sgemm(false, false, 1, 1, 1, 1, new Float32Array([2]), 1, new Float32Array([3]), 1, 0, new Float32Array(1), 1); console.log(b.config())`], {
    encoding: "utf8",
  });
  if (probe.status !== 0) {
    const lines = (probe.stderr || "").split("\n").map((l) => l.trim());
    notBuilt(`it built but does not load (${lines.find((l) => /Error\b/.test(l)) ?? lines.find(Boolean) ?? `exit ${probe.status ?? probe.signal}`})`);
  }
  rmSync(reasonFile, { force: true });
  console.log(`pipelab: native BLAS built (${probe.stdout.trim()}): ${relative(process.cwd(), addon) || addon}`);
}

try {
  main();
} catch (error) {
  notBuilt(`the build script failed (${error instanceof Error ? error.message : String(error)})`);
}
