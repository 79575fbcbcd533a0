import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { jupyterPython, testKernel } from "../helpers/jupyter";
import { tempDir } from "../helpers/tmp";

// Jupyter's own kernel test suite (jupyter_kernel_test, Debian's python3-jupyter-kernel-test),
// the one IRkernel and xeus run, against the real pipelab kernel under jupyter_client.

interface Check {
  test: string;
  outcome: "passed" | "failed" | "skipped";
  detail: string;
}

describe("Jupyter's kernel conformance suite", () => {
  const dir = tempDir("kernel-conformance-", { inRepo: true });
  let checks: Check[] = [];
  let stderr = "";

  before(() => {
    writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "kernel-conformance", private: true }));
    const env = { ...process.env, ...testKernel(join(dir, "jupyter")), PIPELAB_STORE: "", PIPELAB_CACHE_DIR: "", PYDEVD_DISABLE_FILE_VALIDATION: "1" };
    const report = join(dir, "report.json");
    const run = spawnSync(jupyterPython(), [join(__dirname, "conformance.py"), report], { cwd: dir, env, encoding: "utf8", timeout: 600_000 });
    stderr = run.stderr ?? "";
    try {
      checks = (JSON.parse(readFileSync(report, "utf8")) as { records: Check[] }).records;
    } catch {
      throw new Error(`the conformance suite wrote no report (exit ${run.status}):\n${stderr.slice(-4000)}`);
    }
  });

  it("runs every check of the suite", () => {
    const names = new Set(checks.map((c) => c.test.split(" ")[0]));
    for (const name of ["test_kernel_info", "test_execute_stdout", "test_execute_stderr", "test_completion", "test_is_complete", "test_pager", "test_error", "test_execute_result", "test_display_data", "test_history", "test_inspect", "test_clear_output", "test_heartbeat"]) {
      assert.ok(names.has(name), `${name} did not run:\n${stderr.slice(-2000)}`);
    }
  });

  it("passes them all, none skipped", () => {
    const bad = checks.filter((c) => c.outcome !== "passed");
    assert.deepEqual(
      bad.map((c) => `${c.test}: ${c.outcome}\n${c.detail}`),
      [],
    );
  });
});
