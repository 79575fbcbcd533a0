import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { KERNEL_NAME, installKernel, listKernels, uninstallKernel } from "../../src/setup";
import { jupyterPython } from "../helpers/jupyter";
import { tempDir } from "../helpers/tmp";

describe("the pipelab kernelspec", () => {
  const prefix = tempDir();
  const python = jupyterPython();
  // Only the test's prefix, not the user's own Jupyter folder (which may hold a pipelab kernel already).
  const env = { ...process.env, JUPYTER_PATH: join(prefix, "share", "jupyter"), JUPYTER_DATA_DIR: join(prefix, "user-data"), HOME: prefix };

  it("installs into a prefix, where Jupyter lists it as TypeScript (pipelab)", () => {
    const { dir } = installKernel({ python, location: { kind: "prefix", prefix }, store: "/data/experiments.db" });
    assert.equal(dir, join(prefix, "share", "jupyter", "kernels", KERNEL_NAME));
    const spec = JSON.parse(readFileSync(join(dir, "kernel.json"), "utf8")) as { argv: string[]; display_name: string; language: string; env: Record<string, string> };
    assert.equal(spec.display_name, "TypeScript (pipelab)");
    assert.equal(spec.language, "typescript");
    assert.equal(spec.argv[0], process.execPath);
    assert.match(spec.argv[1] ?? "", /kernel\/launch\.cjs$/);
    assert.ok(existsSync(spec.argv[1] ?? ""), "the launcher exists");
    assert.equal(spec.argv[2], "{connection_file}");
    assert.equal(spec.env.PIPELAB_STORE, "/data/experiments.db");
    assert.ok(existsSync(join(dir, "logo-64x64.png")));
    assert.equal(listKernels(python, env)[KERNEL_NAME], dir);
  });

  it("shows up in `jupyter kernelspec list`", () => {
    const result = spawnSync(python, ["-m", "jupyter_client.kernelspecapp", "list"], { encoding: "utf8", env });
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, new RegExp(`${KERNEL_NAME}\\s+${join(prefix, "share", "jupyter", "kernels", KERNEL_NAME)}`));
  });

  it("installs idempotently and uninstalls idempotently", () => {
    installKernel({ python, location: { kind: "prefix", prefix } });
    const { dir, replaced } = installKernel({ python, location: { kind: "prefix", prefix } });
    assert.equal(replaced, undefined, "the same kernel again replaces nothing");
    const spec = JSON.parse(readFileSync(join(dir, "kernel.json"), "utf8")) as { env: Record<string, string> };
    assert.deepEqual(spec.env, {}, "a reinstall without --store drops the old store setting");
    assert.equal(uninstallKernel({ python, location: { kind: "prefix", prefix } }), dir);
    assert.equal(uninstallKernel({ python, location: { kind: "prefix", prefix } }), undefined);
    assert.equal(listKernels(python, env)[KERNEL_NAME], undefined);
  });

  it("says which kernel it replaced when the one registered there ran another pipelab", () => {
    const other = tempDir();
    const kernels = join(other, "share", "jupyter", "kernels", KERNEL_NAME);
    mkdirSync(kernels, { recursive: true });
    writeFileSync(join(kernels, "kernel.json"), JSON.stringify({ argv: ["node", "/another/checkout/kernel/launch.cjs", "{connection_file}"], display_name: "x", language: "typescript" }));
    const { replaced } = installKernel({ python, location: { kind: "prefix", prefix: other } });
    assert.equal(replaced, "node /another/checkout/kernel/launch.cjs");
  });
});
