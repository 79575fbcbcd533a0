#!/usr/bin/env node
// The pipelab kernel: tslab's TypeScript kernel, started the way pipelab
// notebooks need it. Jupyter runs `node launch.cjs {connection_file}`.
"use strict";
const path = require("node:path");

const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 20 || (major === 20 && minor < 19)) {
  console.error(`pipelab kernel: Node.js 20.19 or newer is needed (this is ${process.versions.node}).`);
  process.exit(1);
}

const configPath = process.argv[2];
if (!configPath) {
  console.error("pipelab kernel: usage: launch.cjs CONNECTION_FILE (Jupyter passes it)");
  process.exit(2);
}

process.env.PIPELAB_KERNEL = "1";

let kernel;
try {
  kernel = require(path.join(__dirname, "..", "dist", "notebook", "kernel-main.js"));
} catch (error) {
  console.error(`pipelab kernel: cannot load pipelab's build (${error.message}). Run \`npm run build\` in ${path.join(__dirname, "..")}.`);
  process.exit(1);
}
kernel.startKernel(configPath);
