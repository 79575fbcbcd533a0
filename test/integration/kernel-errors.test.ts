import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { executeNotebook, notebookJson, runKernelSession, testKernel } from "../helpers/jupyter";
import type { Notebook, SessionResult } from "../helpers/jupyter";
import { tempDir } from "../helpers/tmp";

// A failed cell is reported the way Jupyter's protocol says: an `error` output and an
// execute reply with ename, evalue and traceback, so that nbconvert and nbclient show the
// message (tslab alone replies a bare error status: "<Error>: "). Tracebacks hold the user's
// frames only: not pipelab's, tslab's or Node's.


describe("failed cells under the real pipelab kernel", () => {
  const dir = tempDir("kernel-errors-", { inRepo: true });
  let env: NodeJS.ProcessEnv = {};
  let session: SessionResult[] = [];
  let failed: { status: number | null; stderr: string } = { status: null, stderr: "" };
  let allowed: Notebook | undefined;

  before(() => {
    writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "kernel-errors", private: true }));
    env = { ...testKernel(join(dir, "jupyter")), PIPELAB_STORE: "", PIPELAB_CACHE_DIR: "" };
    session = runKernelSession(
      dir,
      [
        { op: "exec", code: 'throw new RangeError("out of range here");' },
        { op: "exec", code: 'const n: number = "text";' },
        { op: "exec", code: 'import { Workbench } from "pipelab";\nconst wb = await Workbench.open({ experiment: "errors" });\nawait wb.step("s", () => {\n  throw new Error("inner failure");\n});' },
        { op: "exec", code: "1 + 1" },
        { op: "exec", code: 'throw "a bare string";' },
        { op: "exec", code: '({ [Symbol.for("nodejs.util.inspect.custom")]() { throw new Error("cannot print me"); } })' },
        { op: "exec", code: '({ [Symbol.for("pipelab.mimeBundle")]() { throw new Error("broken hook"); }, ok: 1 })' },
      ],
      env,
    );
    writeFileSync(join(dir, "fails.ipynb"), notebookJson(["const a = 1;", 'throw new Error("nbconvert shows this message");', "a"]));
    const r = executeNotebook(join(dir, "fails.ipynb"), { outDir: dir, env, cwd: dir, allowErrors: true });
    allowed = r.notebook;
    try {
      executeNotebook(join(dir, "fails.ipynb"), { outDir: join(dir), env, cwd: dir });
    } catch (error) {
      failed = { status: 1, stderr: String(error) };
    }
  });

  it("sends an error output with the error's name and message", () => {
    const errorOf = (r: SessionResult | undefined) => r?.outputs.find((o) => o.type === "error");
    assert.equal(session[0]?.status, "error");
    assert.deepEqual([errorOf(session[0])?.ename, errorOf(session[0])?.evalue], ["RangeError", "out of range here"]);
    assert.equal(errorOf(session[1])?.ename, "TSError");
    assert.equal(errorOf(session[1])?.evalue, "line 1, column 7: Type 'string' is not assignable to type 'number'.");
    assert.equal(errorOf(session[2])?.ename, "StepError");
    assert.match(errorOf(session[2])?.evalue ?? "", /^step "s" failed after [\d.]+ ms: inner failure$/);
    assert.equal(session[3]?.status, "ok", "the kernel goes on after a failed cell");
    assert.equal(session[3]?.outputs.find((o) => o.type === "execute_result")?.mime?.["text/plain"], "2", "a last expression is Out[n]");
  });

  it("reports a thrown non-Error by its value, and still shows a value that cannot print", () => {
    const errorOf = (r: SessionResult | undefined) => r?.outputs.find((o) => o.type === "error");
    assert.deepEqual([errorOf(session[4])?.ename, errorOf(session[4])?.evalue], ["Uncaught", "'a bare string'"]);
    const result = (r: SessionResult | undefined) => r?.outputs.find((o) => o.type === "execute_result")?.mime?.["text/plain"];
    assert.equal(session[5]?.status, "ok");
    assert.equal(result(session[5]), "[a value that cannot be shown: cannot print me]");
    assert.equal(session[6]?.status, "ok", "a broken display hook does not fail the cell");
    assert.match(result(session[6]) ?? "", /ok: 1/);
  });

  it("keeps the user's frames in a traceback, and a step error's cause", () => {
    const traceback = session[2]?.outputs.find((o) => o.type === "error")?.traceback ?? [];
    assert.match(traceback[0] ?? "", /^StepError: step "s" failed/);
    assert.ok(traceback.includes("Caused by: Error: inner failure"), traceback.join("\n"));
    assert.ok(traceback.some((l) => /at .*evalmachine/.test(l)), `the cell's own frame: ${traceback.join("\n")}`);
    assert.ok(!traceback.some((l) => /node_modules|node:internal|[\\/]dist[\\/]/.test(l)), traceback.join("\n"));
  });

  it("makes nbconvert name the error, not `<Error>: `", () => {
    assert.equal(failed.status, 1);
    assert.match(failed.stderr, /Error: nbconvert shows this message/);
    assert.doesNotMatch(failed.stderr, /<Error>: \n/);
    const cell = allowed?.cells[1];
    const error = cell?.outputs?.find((o) => o.output_type === "error");
    assert.deepEqual([error?.ename, error?.evalue], ["Error", "nbconvert shows this message"]);
  });
});
