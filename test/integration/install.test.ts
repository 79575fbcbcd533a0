import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ExperimentStore } from "../../src/tracking";
import { notebookJson } from "../helpers/jupyter";

// pipelab in a user's own project, from an empty folder outside this repository:
// the README's install commands run verbatim (the package made by `npm pack`,
// the npm registry as the only network), then the workflow (run, export, run,
// verify, sweep, runs ls) on the starter notebook, on a notebook at the project
// root reading data/, and on one in a subfolder reading ../data/. The kernels
// the user registered are left byte for byte as they were.

const root = join(__dirname, "..", "..");
const readme = readFileSync(join(root, "README.md"), "utf8");

/** The shell blocks of the README's "Use pipelab in your project" section, in order. */
function installSection(): string[][] {
  const start = readme.indexOf("## Use pipelab in your project");
  const end = readme.indexOf("\n## ", start + 10);
  const section = readme.slice(start, end);
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) =>
    (m[1] as string)
      .split("\n")
      .map((l) => l.replace(/\s+#.*$/, "").trim())
      .filter(Boolean),
  );
}

const WINE = ["alcohol,acidity,quality", ...Array.from({ length: 60 }, (_, i) => `${(9 + (i % 7) * 0.5).toFixed(1)},${(0.3 + (i % 5) * 0.1).toFixed(2)},${3 + (i % 6)}`)].join("\n") + "\n";


/** A notebook of the user's own, reading their CSV with a path relative to the notebook's folder. */
function wineNotebook(experiment: string, csvPath: string): string {
  return notebookJson([
    `import { Workbench, readCsv } from "pipelab";\nconst wb = await Workbench.open({ experiment: ${JSON.stringify(experiment)} });`,
    "const p = wb.params({ threshold: 5 });",
    `const wine = await wb.step("load", () => readCsv(${JSON.stringify(csvPath)}));\nwine.shape`,
    'const good = await wb.step("good", { wine, p }, ({ wine, p }) => (wine.column("quality").values as number[]).filter((q) => q > p.threshold).length / wine.shape[0]);\nwb.log("share_good", good);\ngood',
  ]);
}

describe("pipelab installed into a new project with the README's commands", { timeout: 1_800_000 }, () => {
  const base = mkdtempSync(join(tmpdir(), "pipelab-install-"));
  const project = join(base, "my-analysis");
  const home = join(base, "home");
  const userKernel = join(home, ".local", "share", "jupyter", "kernels", "pipelab", "kernel.json");
  const userKernelBytes = JSON.stringify({ argv: ["node", "/another/checkout/kernel/launch.cjs", "{connection_file}"], display_name: "TypeScript (pipelab)", language: "typescript" });
  let tarball = "";
  // A home of the test's own (to see that the user's kernels stay as they are), with npm's settings and cache of this machine's user.
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: home,
    npm_config_userconfig: join(homedir(), ".npmrc"),
    npm_config_cache: join(homedir(), ".npm"),
    npm_config_update_notifier: "false",
  };
  for (const k of ["PIPELAB_STORE", "PIPELAB_CACHE_DIR", "JUPYTER_PATH", "JUPYTER_DATA_DIR", "JUPYTER_CONFIG_DIR", "npm_config_prefix"]) delete env[k];
  const log: string[] = [];

  function sh(command: string, cwd = project): string {
    const r = spawnSync("bash", ["-c", command], { cwd, env, encoding: "utf8", timeout: 1_200_000 });
    log.push(`$ ${command}\n${r.stdout}${r.stderr}`);
    assert.equal(r.status, 0, `\`${command}\` failed (exit ${r.status}):\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}`);
    return r.stdout;
  }

  before(() => {
    mkdirSync(project, { recursive: true });
    mkdirSync(join(home, ".local", "share", "jupyter", "kernels", "pipelab"), { recursive: true });
    writeFileSync(userKernel, userKernelBytes);
    // The package of this checkout, as npm publishes it (dist/ is built by npm test before the tests).
    const packed = JSON.parse(execFileSync("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", base], { cwd: root, encoding: "utf8", env })) as { filename: string }[];
    tarball = join(base, packed[0]?.filename ?? "");
    const [install] = installSection();
    assert.ok(install && install.length === 2, "the README's install block has two commands");
    for (const line of install) sh(line.replace("/path/to/pipelab-0.1.0.tgz", tarball));
  });

  after(() => {
    if (process.env.PIPELAB_KEEP_TMP) console.log(`kept ${base}`);
    else rmSync(base, { recursive: true, force: true });
  });

  it("installs offline from the package, with init's starter notebook, kernel and .gitignore", () => {
    assert.ok(existsSync(join(project, "node_modules", "pipelab", "dist", "index.js")));
    assert.ok(existsSync(join(project, "node_modules", "danfojs-node")), "danfo installed through the overrides");
    assert.ok(existsSync(join(project, "notebooks", "start.ipynb")));
    assert.ok(existsSync(join(project, ".pipelab", "jupyter", "kernels", "pipelab", "kernel.json")));
    const spec = JSON.parse(readFileSync(join(project, ".pipelab", "jupyter", "kernels", "pipelab", "kernel.json"), "utf8")) as { argv: string[] };
    assert.equal(spec.argv[1], join(project, "node_modules", "pipelab", "kernel", "launch.cjs"), "the project's kernel runs the project's pipelab");
    assert.match(readFileSync(join(project, ".gitignore"), "utf8"), /\.pipelab\//);
  });

  it("runs the README's workflow on the starter notebook", () => {
    const [, workflow] = installSection();
    assert.ok(workflow);
    for (const line of workflow) {
      if (/pipelab notebook\b/.test(line)) continue; // starts a server: the browser test covers it
      sh(line);
    }
    assert.ok(existsSync(join(project, "pipelines", "start.ts")));
  });

  for (const layout of [
    { name: "a notebook at the project root reading data/", notebook: "wine.ipynb", csv: "data/wine.csv", experiment: "wine-root" },
    { name: "a notebook in a subfolder reading ../data/", notebook: "analysis/wine.ipynb", csv: "../data/wine.csv", experiment: "wine-sub" },
  ]) {
    it(`${layout.name}: run, export, run without cache, verify, sweep, runs ls`, () => {
      writeFileSync(join(project, "data", "wine.csv"), WINE);
      mkdirSync(join(project, "analysis"), { recursive: true });
      writeFileSync(join(project, layout.notebook), wineNotebook(layout.experiment, layout.csv));
      const script = `pipelines/${layout.experiment}.ts`;
      sh(`npx pipelab run ${layout.notebook}`);
      sh(`npx pipelab export ${layout.notebook} -o ${script} --check`);
      // From another folder, with an empty cache: the script reads the CSV itself, in its notebook's folder.
      sh(`PIPELAB_CACHE_DIR=${join(base, `cache-${layout.experiment}`)} npx --prefix ${project} pipelab run ${join(project, script)}`, base);
      const verified = sh(`npx pipelab verify ${layout.notebook}`);
      assert.match(verified, /✓ script run \d+ reproduces notebook run \d+/);
      sh(`npx pipelab sweep ${script} --grid threshold=4,6`);
      const runs = JSON.parse(sh(`npx pipelab runs ls --experiment ${layout.experiment} --json`)) as { id: number; status: string; params?: Record<string, unknown> }[];
      assert.ok(runs.length >= 5, `notebook, script, verify and two sweep runs: ${runs.length}`);
      // The runs are in this project's own store.
      const store = ExperimentStore.open(join(project, "experiments.db"));
      try {
        const recorded = store.listRuns({ experiment: layout.experiment });
        assert.deepEqual(recorded.map((r) => r.id).sort(), runs.map((r) => r.id).sort());
        const shares = recorded.map((r) => store.runDetails(r.id)?.metrics.share_good);
        assert.ok(shares.every((s) => typeof s === "number" && s > 0 && s < 1), JSON.stringify(shares));
        assert.ok(recorded.every((r) => r.status === "finished"), JSON.stringify(recorded.map((r) => r.status)));
      } finally {
        store.close();
      }
    });
  }

  it("leaves the kernel the user registered byte for byte as it was", () => {
    assert.equal(readFileSync(userKernel, "utf8"), userKernelBytes);
    assert.deepEqual(readdirSync(join(home, ".local", "share", "jupyter", "kernels")), ["pipelab"]);
  });

  it("says what to do when a script is exported outside the project", () => {
    const elsewhere = join(base, "elsewhere");
    mkdirSync(elsewhere, { recursive: true });
    sh(`npx pipelab export wine.ipynb -o ${join(elsewhere, "p.ts")}`);
    const r = spawnSync("bash", ["-c", `npx pipelab run ${join(elsewhere, "p.ts")}`], { cwd: project, env, encoding: "utf8" });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /imports "pipelab", which is not installed in .*elsewhere or any folder above it\. Export the notebook into your project instead/);
    assert.doesNotMatch(r.stderr, /Cannot find module|    at /, "no raw stack trace");
  });
});
