import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { tempDir } from "../helpers/tmp";

const dist = join(__dirname, "..", "..", "dist", "index.js");

const out = tempDir("backend-");
let calls = 0;

/**
 * Starts a fresh process (a backend is chosen once per process) and returns what it
 * chose (written to a file: libraries may print to stdout too) and what it printed.
 */
function choose(env: Record<string, string>, extra = ""): { stdout: string; stderr: string } {
  const file = join(out, `choice-${calls++}.json`);
  const script = `const p = require(${JSON.stringify(dist)});
${extra}
p.initBackend().then((b) => {
  const tf = require("@tensorflow/tfjs");
  const dfd = require("danfojs-node");
  require("fs").writeFileSync(${JSON.stringify(file)}, JSON.stringify({ name: b.name, description: b.description, active: tf.getBackend(), sameEngine: dfd.tensorflow.engine() === tf.engine() }));
});`;
  const r = spawnSync(process.execPath, ["-e", script], { encoding: "utf8", env: { ...process.env, ...env } });
  assert.equal(r.status, 0, r.stderr);
  return { stdout: readFileSync(file, "utf8"), stderr: r.stderr };
}

describe("TensorFlow.js backend choice", () => {
  it("uses WebAssembly when tfjs-node is not installed, says so once, and shares one tf with danfo", () => {
    const { stdout, stderr } = choose({ PIPELAB_TF_BACKEND: "" }, 'require("danfojs-node");');
    const chosen = JSON.parse(stdout) as { name: string; description: string; active: string; sameEngine: boolean };
    assert.equal(chosen.name, "wasm");
    assert.equal(chosen.active, "wasm");
    // The fused training path's engine follows: the native BLAS when built, else wasm.
    assert.match(chosen.description, new RegExp(`^wasm \\(tfjs 4\\.22\\.0, simd, fast transposed matmul\\); training fused on ${process.env.PIPELAB_NATIVE_BLAS === "0" ? "wasm" : "(OpenBLAS [\\d.]+|wasm)"}$`));
    assert.equal(chosen.sameEngine, true, "danfo computes on the same tf engine");
    assert.equal(stderr.match(/tfjs-node\) is not installed/g)?.length, 1, "said once");
    assert.doesNotMatch(stderr, /already registered|was already set|Overwriting/i, "no duplicate registrations");
  });

  it("takes PIPELAB_TF_BACKEND=cpu", () => {
    const chosen = JSON.parse(choose({ PIPELAB_TF_BACKEND: "cpu" }).stdout) as { name: string; active: string };
    assert.deepEqual([chosen.name, chosen.active], ["cpu", "cpu"]);
  });

  it("ignores an unknown PIPELAB_TF_BACKEND with a warning naming it", () => {
    const { stdout, stderr } = choose({ PIPELAB_TF_BACKEND: "gpu" });
    assert.match(stderr, /ignoring PIPELAB_TF_BACKEND="gpu": use tensorflow, wasm or cpu/);
    assert.equal((JSON.parse(stdout) as { name: string }).name, "wasm");
  });
});
