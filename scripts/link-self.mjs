// Makes `import ... from "pipelab"` work inside this repository (notebooks/,
// examples, tests) the way it works in a user's project: a tiny package at
// node_modules/pipelab that forwards to the build in dist/. Plain files, not a
// symlink to the repository, so no folder contains itself.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dir = join(root, "node_modules", "pipelab");
mkdirSync(dir, { recursive: true });
const files = {
  "package.json": JSON.stringify({ name: "pipelab", private: true, main: "index.js", types: "index.d.ts" }, null, 2) + "\n",
  "index.js": 'module.exports = require("../../dist/index.js");\n',
  "index.d.ts": 'export * from "../../dist/index";\n',
};
for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
