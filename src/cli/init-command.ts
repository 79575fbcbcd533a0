/**
 * `pipelab init`: makes a folder a pipelab project. It creates package.json if
 * missing, writes the npm overrides pipelab's dependencies need (danfo's
 * tfjs-node and xlsx, which cannot install offline: npm applies overrides of
 * the root project only, so pipelab's own do not reach a user's project),
 * registers the kernel for this project, writes a starter notebook and
 * .gitignore lines, and prints the next command. It installs nothing unless
 * asked (--install).
 */
import { spawnSync } from "node:child_process";
import { appendFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { basename, join, relative, resolve } from "node:path";
import { SetupError } from "../errors";
import { findJupyterPython, installInstructions, projectKernel } from "../setup";
import { packageRoot, pipelabVersion, writeFileAtomic } from "../util";
import { parse } from "./args";
import type { Command } from "./command";

type Json = Record<string, unknown>;

function log(line: string): void {
  console.log(line);
}

/** The overrides pipelab's own package.json declares: the one place they are written down. */
export function pipelabOverrides(): Json {
  const manifest = JSON.parse(readFileSync(join(packageRoot, "package.json"), "utf8")) as { overrides?: Json };
  return manifest.overrides ?? {};
}

/** Adds `wanted` to `into` where missing; returns the paths added ("danfojs-node > xlsx"). */
function mergeMissing(into: Json, wanted: Json, path: string[] = []): string[] {
  const added: string[] = [];
  for (const [key, value] of Object.entries(wanted)) {
    const here = into[key];
    if (value !== null && typeof value === "object" && !Array.isArray(value)) {
      if (here === undefined) into[key] = {};
      else if (typeof here !== "object" || here === null || Array.isArray(here)) continue; // the user's own setting wins
      added.push(...mergeMissing(into[key] as Json, value as Json, [...path, key]));
    } else if (here === undefined) {
      into[key] = value;
      added.push([...path, key].join(" > "));
    }
  }
  return added;
}

/** A notebook's JSON from its cells (markdown and code). */
function notebookJson(cells: { kind: "markdown" | "code"; source: string }[]): string {
  const nb = {
    cells: cells.map((c) =>
      c.kind === "markdown"
        ? { cell_type: "markdown", metadata: {}, source: c.source }
        : { cell_type: "code", metadata: {}, source: c.source, outputs: [], execution_count: null },
    ),
    metadata: {
      kernelspec: { name: "pipelab", display_name: "TypeScript (pipelab)", language: "typescript" },
      language_info: { name: "typescript" },
    },
    nbformat: 4,
    nbformat_minor: 5,
  };
  return `${JSON.stringify(nb, null, 1)}\n`;
}

/** The starter notebook: real data, a few cached steps, a metric, a chart, and where your own data goes. */
export function starterNotebook(experiment: string): string {
  return notebookJson([
    {
      kind: "markdown",
      source:
        "# Getting started\n\nEach cell is a pipeline step: run them one by one (Shift+Enter). Run a step again and it comes from the cache at once; change its code or what it reads and it recomputes, saying why. Every run is recorded in `experiments.db` at the project root (`npx pipelab runs ls`).",
    },
    { kind: "code", source: `import { Workbench, loadDataset, readCsv } from "pipelab";\nimport * as Plot from "@observablehq/plot";\nimport * as dfd from "danfojs-node";\n\nconst wb = await Workbench.open({ experiment: ${JSON.stringify(experiment)} });` },
    { kind: "code", source: "const p = wb.params({ minMass: 3500 });" },
    {
      kind: "markdown",
      source:
        'Your own data: put it in `data/` and read it with a path relative to this notebook\'s folder, e.g. `readCsv("../data/my.csv")`. The same path works when the notebook is exported to a script (`npx pipelab export`), run (`npx pipelab run`) or verified.',
    },
    { kind: "code", source: 'const raw = await wb.step("load", () => loadDataset("penguins"));\nraw.shape' },
    { kind: "code", source: 'const clean = await wb.step("clean", { raw }, ({ raw }) => raw.dropNa({ axis: 1 }));\nclean.shape' },
    {
      kind: "code",
      source:
        'const heavy = await wb.step("heavy", { clean, p }, ({ clean, p }) =>\n  (clean.column("Body Mass (g)").values as number[]).filter((mass) => mass > p.minMass).length,\n);\nwb.log("heavy_share", heavy / clean.shape[0]);\nheavy',
    },
    {
      kind: "code",
      source:
        'wb.show.plot({\n  color: { legend: true },\n  marks: [Plot.dot(dfd.toJSON(clean) as object[], { x: "Flipper Length (mm)", y: "Body Mass (g)", stroke: "Species" })],\n});',
    },
    { kind: "code", source: "await wb.plan();" },
  ]);
}

const GITIGNORE = ["node_modules/", ".pipelab/", "experiments.db", "experiments.db-*", "*.executed.ipynb"];

export const initCommand: Command = {
  summary: "make this folder a pipelab project: package.json and npm overrides, the kernel, a starter notebook",
  usage: "pipelab init [--dir FOLDER] [--install] [--no-kernel]   (--install: run npm install afterwards)",
  async run(args) {
    const { values } = parse(args, { dir: { type: "string" }, install: { type: "boolean" }, "no-kernel": { type: "boolean" } });
    const dir = resolve(values.dir ?? process.cwd());
    mkdirSync(dir, { recursive: true });
    const manifestPath = join(dir, "package.json");
    let manifest: Json;
    if (existsSync(manifestPath)) {
      try {
        manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as Json;
      } catch (error) {
        throw new SetupError(`${manifestPath} is not valid JSON (${(error as Error).message}); fix it, then run pipelab init again`, { cause: error });
      }
    } else {
      manifest = { name: basename(dir).toLowerCase().replace(/[^a-z0-9._-]+/g, "-") || "analysis", version: "1.0.0", private: true };
      log(`created package.json`);
    }
    const dependencies = (manifest.dependencies ??= {}) as Json;
    if (dependencies.pipelab === undefined && (manifest.devDependencies as Json | undefined)?.pipelab === undefined) {
      dependencies.pipelab = `^${pipelabVersion()}`;
      log(`package.json: added the dependency pipelab ^${pipelabVersion()}`);
    }
    const overrides = (manifest.overrides ??= {}) as Json;
    const added = mergeMissing(overrides, pipelabOverrides());
    if (added.length > 0) {
      log(`package.json: added npm overrides (${added.join(", ")}): danfojs-node's own dependencies download from outside the npm registry, and npm applies the overrides of your project only`);
    }
    writeFileAtomic(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);

    const gitignore = join(dir, ".gitignore");
    const present = existsSync(gitignore) ? readFileSync(gitignore, "utf8").split("\n").map((l) => l.trim()) : [];
    const missing = GITIGNORE.filter((line) => !present.includes(line));
    if (missing.length > 0) {
      appendFileSync(gitignore, `${present.length > 0 && present[present.length - 1] !== "" ? "\n" : ""}# pipelab\n${missing.join("\n")}\n`);
      log(`.gitignore: ${missing.join(" ")}`);
    }

    mkdirSync(join(dir, "data"), { recursive: true });
    const starter = join(dir, "notebooks", "start.ipynb");
    if (!existsSync(starter)) {
      mkdirSync(join(dir, "notebooks"), { recursive: true });
      writeFileAtomic(starter, starterNotebook(String(manifest.name ?? "start")));
      log(`wrote ${relative(process.cwd(), starter) || starter} (your own data goes in data/)`);
    }

    if (values.install) {
      log("running npm install ...");
      const npm = spawnSync("npm", ["install"], { cwd: dir, stdio: "inherit" });
      if (npm.status !== 0) throw new SetupError(`npm install failed in ${dir} (exit ${npm.status}); read its errors above, then run it again`);
    }

    if (!values["no-kernel"]) {
      const jupyter = findJupyterPython();
      if (jupyter) {
        const kernel = projectKernel(dir, jupyter.python);
        log(`kernel: "TypeScript (pipelab)" for this project, in ${relative(dir, kernel.dir)} (the kernels you registered are left as they are)`);
      } else {
        log(`kernel: not registered: no Python with Jupyter found. Install Jupyter, then run pipelab init again:\n${installInstructions()}`);
      }
    }
    const installed = existsSync(join(dir, "node_modules", "pipelab"));
    const rel = relative(process.cwd(), dir);
    const cd = rel ? `cd ${rel} && ` : "";
    log("");
    log(installed ? `next: ${cd}npx pipelab notebook` : `next: ${cd}npm install && npx pipelab notebook`);
    return 0;
  },
};
