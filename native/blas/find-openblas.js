// Where OpenBLAS's header (cblas.h) and library are on this machine: the one
// rule for binding.gyp (which runs it to get compile and link flags) and
// scripts/build-native.mjs (which checks before building, to say what is missing).
//
//   node find-openblas.js include   the folder with cblas.h
//   node find-openblas.js libs      linker flags, e.g. -L/usr/lib/x86_64-linux-gnu/openblas-pthread -lopenblas
//   node find-openblas.js check     exits 1 and names what is missing
//
// PIPELAB_OPENBLAS_INCLUDE and PIPELAB_OPENBLAS_LIB name the folders directly
// (an OpenBLAS built by hand; the tests point them at a missing folder).
"use strict";
const { spawnSync } = require("node:child_process");
const { existsSync } = require("node:fs");
const { join } = require("node:path");

const INCLUDE_ENV = "PIPELAB_OPENBLAS_INCLUDE";
const LIB_ENV = "PIPELAB_OPENBLAS_LIB";

// Debian/Ubuntu (libopenblas-dev, pthread or openmp variant), Fedora, Arch, Homebrew.
const INCLUDE_DIRS = [
  "/usr/include/x86_64-linux-gnu/openblas-pthread",
  "/usr/include/aarch64-linux-gnu/openblas-pthread",
  "/usr/include/x86_64-linux-gnu/openblas-openmp",
  "/usr/include/aarch64-linux-gnu/openblas-openmp",
  "/usr/include/openblas",
  "/usr/include",
  "/usr/local/include",
  "/opt/homebrew/opt/openblas/include",
  "/usr/local/opt/openblas/include",
];
const LIB_DIRS = [
  "/usr/lib/x86_64-linux-gnu/openblas-pthread",
  "/usr/lib/aarch64-linux-gnu/openblas-pthread",
  "/usr/lib/x86_64-linux-gnu",
  "/usr/lib/aarch64-linux-gnu",
  "/usr/lib64",
  "/usr/lib",
  "/usr/local/lib",
  "/opt/homebrew/opt/openblas/lib",
  "/usr/local/opt/openblas/lib",
];
const LIB_FILES = ["libopenblas.so", "libopenblas.dylib"];

/** The folders pkg-config names for openblas with `option` (-I or -L folders), if pkg-config is there. */
function pkgConfig(option, prefix) {
  const r = spawnSync("pkg-config", [option, "openblas"], { encoding: "utf8" });
  if (r.status !== 0) return [];
  return r.stdout
    .split(/\s+/)
    .filter((f) => f.startsWith(prefix))
    .map((f) => f.slice(prefix.length).replace(/\/$/, ""));
}

/**
 * { include, lib, missing }: the folders found (undefined when not), and a
 * phrase per missing part for the one-line note.
 */
function findOpenBlas(env = process.env) {
  const includes = env[INCLUDE_ENV] ? [env[INCLUDE_ENV]] : [...pkgConfig("--cflags-only-I", "-I"), ...INCLUDE_DIRS];
  const libs = env[LIB_ENV] ? [env[LIB_ENV]] : [...pkgConfig("--libs-only-L", "-L"), ...LIB_DIRS];
  const include = includes.find((d) => existsSync(join(d, "cblas.h")) && existsSync(join(d, "openblas_config.h")));
  const lib = libs.find((d) => LIB_FILES.some((f) => existsSync(join(d, f))));
  const missing = [];
  if (!include) missing.push(`OpenBLAS headers (cblas.h in ${env[INCLUDE_ENV] ? `${INCLUDE_ENV}=${env[INCLUDE_ENV]}` : "the usual folders"}; Debian: apt-get install libopenblas-dev)`);
  if (!lib) missing.push(`the OpenBLAS library (libopenblas in ${env[LIB_ENV] ? `${LIB_ENV}=${env[LIB_ENV]}` : "the usual folders"}; Debian: apt-get install libopenblas-dev)`);
  return { include, lib, missing };
}

/** Linker flags; an rpath only for folders outside the system's, which the loader would not search. */
function linkFlags(lib) {
  const system = /^\/(usr\/)?lib(64)?\//.test(`${lib}/`);
  return [`-L${lib}`, "-lopenblas", ...(system ? [] : [`-Wl,-rpath,${lib}`])];
}

module.exports = { INCLUDE_ENV, LIB_ENV, findOpenBlas, linkFlags };

if (require.main === module) {
  const found = findOpenBlas();
  const what = process.argv[2];
  if (what === "include") console.log(found.include ?? "."); // "." keeps gyp's -I well formed; the compile then says cblas.h is missing
  else if (what === "libs") console.log(found.lib ? linkFlags(found.lib).join(" ") : "-lopenblas");
  else if (what === "check") {
    if (found.missing.length > 0) {
      console.log(found.missing.join("; "));
      process.exit(1);
    }
    console.log(`cblas.h in ${found.include}, libopenblas in ${found.lib}`);
  } else {
    console.error("usage: node find-openblas.js include|libs|check");
    process.exit(2);
  }
}
