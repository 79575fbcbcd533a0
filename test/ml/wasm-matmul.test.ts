import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { initBackend, seededRandom, trainModel } from "../../src/ml";
import { WASM_STOCK_MATMUL_ENV, installWasmMatMulFix, uninstallWasmMatMulFix, wasmMatMulFixInstalled } from "../../src/ml/wasm-matmul";

const SIZES = [1, 3, 17, 64, 129];
const FLAGS = [
  [false, false],
  [true, false],
  [false, true],
  [true, true],
] as const;

/** A tensor of seeded values in [-1, 1). */
function seeded(shape: number[], seed: number): tf.Tensor {
  const random = seededRandom(seed);
  const size = shape.reduce((n, d) => n * d, 1);
  return tf.tensor(Float32Array.from({ length: size }, () => random() * 2 - 1), shape);
}

/** The shape of an operand that, with `transposed`, stands for a rows x cols matrix (under `batch`). */
function operand(batch: number[], rows: number, cols: number, transposed: boolean): number[] {
  return [...batch, ...(transposed ? [cols, rows] : [rows, cols])];
}

/** Runs `fn` with tfjs's stock wasm kernels, then puts the fix back. */
function withStock<T>(fn: () => T): T {
  assert.ok(uninstallWasmMatMulFix(tf), "the fix was installed");
  try {
    return fn();
  } finally {
    installWasmMatMulFix(tf);
  }
}

/** Values and shape of a tensor, disposing it. */
function read(t: tf.Tensor): { shape: number[]; values: Float32Array } {
  const out = { shape: t.shape, values: t.dataSync() as Float32Array };
  t.dispose();
  return out;
}

/** Asserts equal shapes and values within a relative 1e-5 of the expected values' largest magnitude (float rounding differs by path). */
function assertAgrees(actual: tf.Tensor, expected: tf.Tensor, what: string): void {
  const a = read(actual);
  const e = read(expected);
  assert.deepEqual(a.shape, e.shape, `${what}: shape`);
  let scale = 0;
  for (const v of e.values) scale = Math.max(scale, Math.abs(v));
  const allowed = 1e-5 * Math.max(scale, 1e-30);
  for (let i = 0; i < e.values.length; i++) {
    const diff = Math.abs((a.values[i] as number) - (e.values[i] as number));
    if (!(diff <= allowed)) assert.fail(`${what}: element ${i} is ${a.values[i]}, the stock kernel gives ${e.values[i]} (allowed difference ${allowed})`);
  }
}

function describeFlags(transposeA: boolean, transposeB: boolean): string {
  return `transposeA=${transposeA}, transposeB=${transposeB}`;
}

/** Milliseconds per call of `fn` (whose result is disposed), after a warm-up. */
function msPerCall(fn: () => tf.Tensor, calls = 200): number {
  for (let i = 0; i < 10; i++) fn().dispose();
  const start = performance.now();
  for (let i = 0; i < calls; i++) fn().dispose();
  return (performance.now() - start) / calls;
}

describe("the fast transposed matrix product on the wasm backend", () => {
  before(async () => {
    const backend = await initBackend("wasm");
    assert.equal(backend.name, "wasm");
    // The default install may be switched off by the environment this suite runs in: install it here regardless.
    assert.equal(installWasmMatMulFix(tf), true);
    assert.equal(wasmMatMulFixInstalled(tf), true);
  });

  it("installs once: a second install keeps the one replacement, and uninstalling restores the stock kernel", () => {
    const fixed = tf.getKernel("BatchMatMul", "wasm").kernelFunc;
    assert.equal(installWasmMatMulFix(tf), true);
    assert.equal(tf.getKernel("BatchMatMul", "wasm").kernelFunc, fixed);
    withStock(() => {
      assert.equal(wasmMatMulFixInstalled(tf), false);
      assert.notEqual(tf.getKernel("BatchMatMul", "wasm").kernelFunc, fixed);
      assert.equal(uninstallWasmMatMulFix(tf), false, "nothing left to uninstall");
    });
    assert.equal(wasmMatMulFixInstalled(tf), true);
  });

  it("equals the stock kernel for every transpose combination and every rank-2 size from 1 to 129", () => {
    let seed = 1;
    for (const m of SIZES) {
      for (const k of SIZES) {
        for (const n of SIZES) {
          for (const [transposeA, transposeB] of FLAGS) {
            const a = seeded(operand([], m, k, transposeA), seed++);
            const b = seeded(operand([], k, n, transposeB), seed++);
            assertAgrees(
              tf.matMul(a, b, transposeA, transposeB),
              withStock(() => tf.matMul(a, b, transposeA, transposeB)),
              `${m}x${k} · ${k}x${n}, ${describeFlags(transposeA, transposeB)}`,
            );
            tf.dispose([a, b]);
          }
        }
      }
    }
  });

  it("equals the stock kernel on rank-3 operands: a batch of one, batches of several, and a batch of one broadcast against several", () => {
    const batches: [number[], number[]][] = [
      [[1], [1]],
      [[2], [2]],
      [[1], [3]],
      [[3], [1]],
      [[], [2]],
      [[2, 1], [1, 3]],
    ];
    const dims: [number, number, number][] = [
      [1, 3, 17],
      [17, 64, 3],
      [129, 17, 64],
      [64, 129, 1],
    ];
    let seed = 10_000;
    for (const [batchA, batchB] of batches) {
      for (const [m, k, n] of dims) {
        for (const [transposeA, transposeB] of FLAGS) {
          const a = seeded(operand(batchA, m, k, transposeA), seed++);
          const b = seeded(operand(batchB, k, n, transposeB), seed++);
          assertAgrees(
            tf.matMul(a, b, transposeA, transposeB),
            withStock(() => tf.matMul(a, b, transposeA, transposeB)),
            `[${a.shape}] · [${b.shape}], ${describeFlags(transposeA, transposeB)}`,
          );
          tf.dispose([a, b]);
        }
      }
    }
  });

  it("computes a transposed product exactly as transposing first and multiplying on the fast path does, bit for bit", () => {
    const a = seeded([129, 64], 7);
    const b = seeded([129, 17], 8);
    const c = seeded([17, 64], 9);
    assert.deepEqual(read(tf.matMul(a, b, true, false)).values, read(tf.matMul(tf.transpose(a), b)).values);
    assert.deepEqual(read(tf.matMul(a, c, false, true)).values, read(tf.matMul(a, tf.transpose(c))).values);
    assert.deepEqual(read(tf.matMul(c, b, true, true)).values, read(tf.matMul(tf.transpose(c), tf.transpose(b))).values);
    tf.dispose([a, b, c]);
  });

  it("gives the stock kernel's gradients through tf.matMul for every transpose combination", () => {
    let seed = 20_000;
    for (const [m, k, n] of [
      [3, 17, 64],
      [129, 64, 17],
      [1, 129, 3],
    ] as const) {
      for (const [transposeA, transposeB] of FLAGS) {
        const a = seeded(operand([], m, k, transposeA), seed++);
        const b = seeded(operand([], k, n, transposeB), seed++);
        const grads = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.matMul(x, y, transposeA, transposeB).square().sum());
        const fast = grads([a, b]);
        const stock = withStock(() => grads([a, b]));
        const what = `${m}x${k} · ${k}x${n}, ${describeFlags(transposeA, transposeB)}`;
        assertAgrees(fast[0] as tf.Tensor, stock[0] as tf.Tensor, `${what}: d/da`);
        assertAgrees(fast[1] as tf.Tensor, stock[1] as tf.Tensor, `${what}: d/db`);
        tf.dispose([a, b]);
      }
    }
  });

  it("gives the stock kernel's gradients through a fused dense product (bias and relu), as layers compute them", () => {
    const x = seeded([128, 64], 30);
    const w = seeded([64, 17], 31);
    const bias = seeded([17], 32);
    const grads = tf.grads((x: tf.Tensor, w: tf.Tensor, bias: tf.Tensor) =>
      tf.fused.matMul({ a: x as tf.Tensor2D, b: w as tf.Tensor2D, bias, activation: "relu" }).square().sum(),
    );
    const fast = grads([x, w, bias]);
    const stock = withStock(() => grads([x, w, bias]));
    ["d/dx", "d/dw", "d/dbias"].forEach((what, i) => assertAgrees(fast[i] as tf.Tensor, stock[i] as tf.Tensor, what));
    tf.dispose([x, w, bias]);
  });

  it("equals the stock fused kernel with transposes, and computes bias and relu as the unfused ops do, where the stock loop does not", () => {
    let seed = 40_000;
    for (const [m, k, n] of [
      [3, 17, 64],
      [129, 64, 17],
      [64, 1, 3],
      [17, 129, 129],
    ] as const) {
      for (const [transposeA, transposeB] of FLAGS) {
        const a = seeded(operand([], m, k, transposeA), seed++) as tf.Tensor2D;
        const b = seeded(operand([], k, n, transposeB), seed++) as tf.Tensor2D;
        const bias = seeded([n], seed++);
        const what = `${m}x${k} · ${k}x${n}, ${describeFlags(transposeA, transposeB)}`;
        assertAgrees(
          tf.fused.matMul({ a, b, transposeA, transposeB }),
          withStock(() => tf.fused.matMul({ a, b, transposeA, transposeB })),
          `${what}, linear`,
        );
        // tfjs 4.22's naive loop adds bias[min(row * n + col, n - 1)] and applies relu to each
        // 48-wide partial sum: compare bias and relu with the unfused ops instead.
        assertAgrees(
          tf.fused.matMul({ a, b, transposeA, transposeB, bias, activation: "relu" }),
          tf.relu(tf.add(tf.matMul(a, b, transposeA, transposeB), bias)),
          `${what}, bias and relu`,
        );
        tf.dispose([a, b, bias]);
      }
    }
  });

  it("leaves no tensor behind: the temporary transposes are freed", () => {
    const bias = seeded([3], 50);
    const start = { tensors: tf.memory().numTensors, data: tf.backend().numDataIds() };
    let seed = 51;
    for (const [transposeA, transposeB] of FLAGS) {
      const a = seeded(operand([], 17, 64, transposeA), seed++) as tf.Tensor2D;
      const b = seeded(operand([], 64, 3, transposeB), seed++) as tf.Tensor2D;
      const before = { tensors: tf.memory().numTensors, data: tf.backend().numDataIds() };
      tf.matMul(a, b, transposeA, transposeB).dispose();
      tf.fused.matMul({ a, b, transposeA, transposeB, bias, activation: "relu" }).dispose();
      assert.deepEqual({ tensors: tf.memory().numTensors, data: tf.backend().numDataIds() }, before, describeFlags(transposeA, transposeB));
      tf.dispose([a, b]);
    }
    assert.deepEqual({ tensors: tf.memory().numTensors, data: tf.backend().numDataIds() }, start);
    bias.dispose();
  });

  it("trains to a bit-identical history and weights twice in a row, its products on the fixed kernel", async () => {
    const random = seededRandom(60);
    const x = Array.from({ length: 600 }, () => Array.from({ length: 8 }, () => random() * 2 - 1));
    const y = x.map((row) => ((row[0] as number) + (row[1] as number) > 0 ? ((row[2] as number) > 0 ? "a" : "b") : "c"));
    const options = { task: "classification" as const, hidden: [32, 16], epochs: 4, batchSize: 32, optimizer: "adam" as const, seed: 3, progress: false };
    // The layers path: its products are tfjs's BatchMatMul (the fused path may multiply on the native BLAS).
    const fusedBefore = process.env.PIPELAB_FUSED_TRAINING;
    process.env.PIPELAB_FUSED_TRAINING = "0";
    try {
      const runs: { history: Record<string, number>[]; weights: number[][] }[] = [];
      for (let i = 0; i < 2; i++) {
        let trained: Awaited<ReturnType<typeof trainModel>> | undefined;
        const profile = await tf.profile(async () => {
          trained = await trainModel({ x, y }, options);
        });
        assert.ok(profile.kernelNames.includes("BatchMatMul"), `training ran BatchMatMul on the wasm backend (kernels: ${profile.kernelNames.join(", ")})`);
        assert.ok(trained);
        runs.push({ history: trained.history, weights: trained.model.getWeights().map((w) => Array.from(w.dataSync())) });
        trained.model.dispose();
      }
      assert.equal(wasmMatMulFixInstalled(tf), true, "trained with the fix");
      assert.deepEqual(runs[0], runs[1]);
    } finally {
      if (fusedBefore === undefined) delete process.env.PIPELAB_FUSED_TRAINING;
      else process.env.PIPELAB_FUSED_TRAINING = fusedBefore;
    }
  });

  it("prints its speed on a 128x128 · 128x128 product with transposeA (a sanity print, not a requirement)", (t) => {
    const a = seeded([128, 128], 70);
    const b = seeded([128, 128], 71);
    const fast = msPerCall(() => tf.matMul(a, b, true, false));
    const stock = withStock(() => msPerCall(() => tf.matMul(a, b, true, false)));
    const plain = msPerCall(() => tf.matMul(a, b));
    t.diagnostic(`128x128 · 128x128, transposeA: ${fast.toFixed(3)} ms with the fix, ${stock.toFixed(3)} ms stock (${(stock / fast).toFixed(1)}x); untransposed ${plain.toFixed(3)} ms`);
    tf.dispose([a, b]);
  });
});

describe("the wasm backend's matrix product setting", () => {
  const dist = join(__dirname, "..", "..", "dist");

  /** In a fresh process (the backend is chosen once per process): the backend description and whether the fix is installed. */
  function start(stockEnv: string | undefined): { description: string; installed: boolean; stderr: string } {
    const script = `const tf = require("@tensorflow/tfjs");
require(${JSON.stringify(join(dist, "index.js"))}).initBackend().then((b) => {
  const { wasmMatMulFixInstalled } = require(${JSON.stringify(join(dist, "ml", "wasm-matmul.js"))});
  process.stdout.write(JSON.stringify({ description: b.description, installed: wasmMatMulFixInstalled(tf) }));
});`;
    const env: NodeJS.ProcessEnv = { ...process.env, PIPELAB_TF_BACKEND: "wasm" };
    if (stockEnv === undefined) delete env[WASM_STOCK_MATMUL_ENV];
    else env[WASM_STOCK_MATMUL_ENV] = stockEnv;
    const r = spawnSync(process.execPath, ["-e", script], { encoding: "utf8", env });
    assert.equal(r.status, 0, r.stderr);
    const line = r.stdout.split("\n").find((l) => l.startsWith("{")) ?? "";
    return { ...(JSON.parse(line) as { description: string; installed: boolean }), stderr: r.stderr };
  }

  it("is on by default, and the backend description says so", () => {
    const chosen = start(undefined);
    assert.equal(chosen.installed, true);
    assert.match(chosen.description, /^wasm \(tfjs 4\.22\.0, simd, fast transposed matmul\)(; training fused on .+)?$/);
  });

  it(`keeps tfjs's stock kernel with ${WASM_STOCK_MATMUL_ENV}=1`, () => {
    const chosen = start("1");
    assert.equal(chosen.installed, false);
    assert.match(chosen.description, /^wasm \(tfjs 4\.22\.0, simd\)(; training fused on .+)?$/);
  });

  it(`ignores an unknown ${WASM_STOCK_MATMUL_ENV} with a warning naming it`, () => {
    const chosen = start("yes");
    assert.equal(chosen.installed, true);
    assert.match(chosen.stderr, /ignoring PIPELAB_WASM_STOCK_MATMUL="yes": use 1/);
  });
});
