import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ExperimentStore } from "../../src/tracking";
import { Workbench } from "../../src/workbench";
import { tempDir } from "../helpers/tmp";

const cli = join(__dirname, "..", "..", "dist", "cli", "main.js");
const asNobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"];
const canDropPrivileges = process.getuid?.() === 0 && spawnSync(asNobody[0] as string, [...asNobody.slice(1), "true"]).status === 0;

describe("read commands on a store the user can only read", () => {
  it("runs ls, show and best work, opened read-only", { skip: canDropPrivileges ? false : "needs root and setpriv" }, () => {
    const dir = tempDir();
    chmodSync(dir, 0o755);
    const file = join(dir, "experiments.db");
    const store = ExperimentStore.open(file, { shared: true });
    const run = store.createRun({ experiment: "ro", sourceKind: "script" });
    store.logMetric(run, "accuracy", 0.9);
    store.endRun(run, "finished");
    store.close();
    const cmd = (args: string[]) => spawnSync(asNobody[0] as string, [...asNobody.slice(1), process.execPath, cli, ...args, "--store", file], { encoding: "utf8" });
    const ls = cmd(["runs", "ls", "--json"]);
    assert.equal(ls.status, 0, ls.stderr);
    assert.deepEqual((JSON.parse(ls.stdout) as { id: number }[]).map((r) => r.id), [run]);
    assert.equal(cmd(["runs", "show", String(run)]).status, 0);
    assert.equal(cmd(["runs", "best", "accuracy", "--json"]).status, 0);
    const rm = cmd(["runs", "rm", String(run)]);
    assert.equal(rm.status, 1, "a write still needs write access");
    assert.match(rm.stderr, /not writable/);
  });
});

describe("what pipelab creates is private to the user unless PIPELAB_SHARED=1", () => {
  const modes = async (shared: boolean): Promise<{ store: number; folders: number[]; files: number[] }> => {
    const dir = tempDir();
    const previous = process.env.PIPELAB_SHARED;
    const umask = process.umask(0o022);
    if (shared) process.env.PIPELAB_SHARED = "1";
    else delete process.env.PIPELAB_SHARED;
    try {
      const wb = await Workbench.open({ experiment: "modes", store: join(dir, "experiments.db"), cacheDir: join(dir, ".pipelab", "cache"), quiet: true, print: () => {} });
      await wb.step("s", () => [1, 2, 3]);
      wb.show.plot({ marks: [] });
      wb.finish();
      const folders: number[] = [];
      const files: number[] = [];
      const walk = (p: string): void => {
        for (const e of readdirSync(p, { withFileTypes: true })) {
          const full = join(p, e.name);
          if (e.isDirectory()) {
            folders.push(statSync(full).mode & 0o777);
            walk(full);
          } else files.push(statSync(full).mode & 0o777);
        }
      };
      walk(join(dir, ".pipelab"));
      return { store: statSync(join(dir, "experiments.db")).mode & 0o777, folders, files };
    } finally {
      process.umask(umask);
      if (previous === undefined) delete process.env.PIPELAB_SHARED;
      else process.env.PIPELAB_SHARED = previous;
    }
  };

  it("creates the store 0600, .pipelab/ folders 0700, cache artifacts and charts 0600", async () => {
    const m = await modes(false);
    assert.equal(m.store, 0o600);
    assert.ok(m.folders.length >= 3 && m.folders.every((x) => x === 0o700), m.folders.map((x) => x.toString(8)).join(" "));
    assert.ok(m.files.length >= 3 && m.files.every((x) => x === 0o600), m.files.map((x) => x.toString(8)).join(" "));
  });

  it("with PIPELAB_SHARED=1, as the umask says (0644, 0755 under 022)", async () => {
    const m = await modes(true);
    assert.equal(m.store, 0o644);
    assert.ok(m.folders.every((x) => x === 0o755), m.folders.map((x) => x.toString(8)).join(" "));
    assert.ok(m.files.every((x) => x === 0o644), m.files.map((x) => x.toString(8)).join(" "));
  });
});
