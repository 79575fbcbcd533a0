import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { jupyterPython, testKernel } from "../helpers/jupyter";
import type { SessionResult } from "../helpers/jupyter";
import { tempDir } from "../helpers/tmp";

// Jupyter's stop button during long steps, through the real kernel: jupyter_client's
// interrupt_kernel() (a SIGINT, the kernelspec's interrupt_mode) and an interrupt_request
// on the control channel. See interrupt.py for the session.

type Cell = Omit<SessionResult, "op"> & { interrupt_to_reply_s?: number };

describe("interrupting the pipelab kernel", () => {
  const dir = tempDir("kernel-interrupt-", { inRepo: true });
  let cells: Record<string, Cell> = {};

  before(() => {
    writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "kernel-interrupt", private: true }));
    // A CSV big enough that reading it takes seconds (2,000,000 rows, about 60 MB).
    const rows = ["id,a,b,label"];
    for (let i = 0; i < 2_000_000; i++) rows.push(`${i},${(i * 0.37) % 1},${(i * 7) % 13},${i % 3 === 0 ? "x" : "y"}`);
    writeFileSync(join(dir, "big.csv"), `${rows.join("\n")}\n`);
    const env = { ...process.env, ...testKernel(join(dir, "jupyter")), PIPELAB_STORE: join(dir, "experiments.db"), PIPELAB_CACHE_DIR: join(dir, "cache"), PYDEVD_DISABLE_FILE_VALIDATION: "1" };
    const result = join(dir, "result.json");
    const run = spawnSync(jupyterPython(), [join(__dirname, "interrupt.py"), dir, result], { env, encoding: "utf8", timeout: 900_000 });
    try {
      cells = JSON.parse(readFileSync(result, "utf8")) as Record<string, Cell>;
    } catch {
      throw new Error(`the interrupt session wrote no result (exit ${run.status}):\n${(run.stderr ?? "").slice(-4000)}`);
    }
    if (run.status !== 0) throw new Error(`the interrupt session failed (exit ${run.status}):\n${(run.stderr ?? "").slice(-4000)}`);
  });

  const errorOf = (cell: Cell | undefined) => cell?.outputs.find((o) => o.type === "error");
  const textOf = (cell: Cell | undefined) => (cell?.outputs ?? []).map((o) => o.text ?? o.mime?.["text/plain"] ?? "").join("");

  it("stops a training step between batches and says so, naming the step", () => {
    assert.equal(cells.train?.status, "error");
    const error = errorOf(cells.train);
    assert.equal(error?.ename, "KeyboardInterrupt");
    assert.match(error?.evalue ?? "", /^step "train" was interrupted at epoch \d+, batch \d+ of 50$/);
    assert.ok(cells.train?.interrupt_to_reply_s !== undefined, "the kernel was interrupted");
  });

  it("records the step as interrupted, caches nothing of it and keeps the memory cache", () => {
    assert.equal(cells.after?.status, "ok", textOf(cells.after));
    const text = textOf(cells.after);
    assert.match(text, /▸ data: cached \(memory/);
    const report = JSON.parse(text.split("\n").find((l) => l.startsWith("{")) ?? "{}") as { steps: string[]; cached: string[]; memory: number };
    assert.ok(report.steps.includes("train:interrupted"), report.steps.join(", "));
    assert.ok(!report.steps.includes("train:failed") && !report.steps.includes("train:miss"));
    assert.deepEqual(report.cached, ["data"], "nothing of the interrupted step is on disk");
    assert.equal(report.memory, 1, "the memory cache holds the data step, and only it");
  });

  it("breaks off a long read at once", () => {
    assert.equal(cells.read?.status, "error");
    const error = errorOf(cells.read);
    assert.equal(error?.ename, "KeyboardInterrupt");
    assert.match(error?.evalue ?? "", /^step "read" was interrupted at reading big\.csv$/);
  });

  it("stops on an interrupt_request too", () => {
    assert.equal(errorOf(cells.message)?.ename, "KeyboardInterrupt");
    assert.match(errorOf(cells.message)?.evalue ?? "", /^step "train" was interrupted at epoch/);
  });

  it("stays usable", () => {
    assert.equal(cells.last?.status, "ok");
    assert.equal(cells.last?.outputs.find((o) => o.type === "execute_result")?.mime?.["text/plain"], "2");
  });
});
