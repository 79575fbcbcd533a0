import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { seededRandom } from "../../../src/ml";
import { NATIVE_BLAS_ENV, nativeBlas } from "../../../src/ml/native";
import type { NativeBlas } from "../../../src/ml/native";
import { tempDir } from "../../helpers/tmp";

// The native BLAS is built at install (scripts/build-native.mjs); CI installs
// libopenblas-dev so that it is. With PIPELAB_NATIVE_BLAS=0 the suite checks the fallback instead.
const disabled = process.env[NATIVE_BLAS_ENV] === "0";
const root = join(__dirname, "..", "..", "..");
const distNative = join(root, "dist", "ml", "native", "index.js");

function blasOrFail(): NativeBlas {
  const blas = nativeBlas();
  assert.ok(blas, "the native BLAS is not built: install libopenblas-dev, then run node scripts/build-native.mjs (or run the tests with PIPELAB_NATIVE_BLAS=0)");
  return blas;
}

interface Gemm {
  transA: boolean;
  transB: boolean;
  m: number;
  n: number;
  k: number;
  alpha: number;
  beta: number;
  /** Extra row stride beyond the minimum, for each matrix. */
  pad?: number;
  /** Elements before each matrix in its buffer: the arrays are views at a byteOffset. */
  offset?: number;
}

/** A product's operands, filled from a seed; A, B and C are views into larger buffers when `offset` is set. */
function operands(g: Gemm, seed: number) {
  const random = seededRandom(seed);
  const pad = g.pad ?? 0;
  const offset = g.offset ?? 0;
  const [aRows, aCols] = g.transA ? [g.k, g.m] : [g.m, g.k];
  const [bRows, bCols] = g.transB ? [g.n, g.k] : [g.k, g.n];
  const lda = Math.max(1, aCols + pad);
  const ldb = Math.max(1, bCols + pad);
  const ldc = Math.max(1, g.n + pad);
  const view = (rows: number, ld: number): Float32Array => {
    const buffer = new Float32Array(offset + rows * ld + 3).map(() => random() * 2 - 1);
    return buffer.subarray(offset, offset + rows * ld);
  };
  return { a: view(aRows, lda), lda, b: view(bRows, ldb), ldb, c: view(g.m, ldc), ldc };
}

/** The product by definition, in double precision, with the bound on float32 rounding for each element of C. */
function reference(g: Gemm, o: ReturnType<typeof operands>): { want: Float64Array; tolerance: Float64Array } {
  const want = Float64Array.from(o.c);
  const tolerance = new Float64Array(o.c.length);
  for (let i = 0; i < g.m; i++) {
    for (let j = 0; j < g.n; j++) {
      let sum = 0;
      let magnitude = 0;
      for (let p = 0; p < g.k; p++) {
        const a = (g.transA ? o.a[p * o.lda + i] : o.a[i * o.lda + p]) as number;
        const b = (g.transB ? o.b[j * o.ldb + p] : o.b[p * o.ldb + j]) as number;
        sum += a * b;
        magnitude += Math.abs(a * b);
      }
      const c = o.c[i * o.ldc + j] as number;
      want[i * o.ldc + j] = g.alpha * sum + g.beta * c;
      tolerance[i * o.ldc + j] = 1e-6 * (g.k + 2) * (Math.abs(g.alpha) * magnitude + Math.abs(g.beta * c)) + 1e-7;
    }
  }
  return { want, tolerance };
}

function assertProduct(blas: NativeBlas, g: Gemm, seed = 1): void {
  const o = operands(g, seed);
  const { want, tolerance } = reference(g, o);
  blas.sgemm(g.transA, g.transB, g.m, g.n, g.k, g.alpha, o.a, o.lda, o.b, o.ldb, g.beta, o.c, o.ldc);
  for (let i = 0; i < o.c.length; i++) {
    const inside = i % o.ldc < g.n;
    const got = o.c[i] as number;
    // Outside the m x n window (the padding of ldc) C must stay exactly as it was.
    const expected = inside ? (want[i] as number) : Math.fround(want[i] as number);
    const allowed = inside ? (tolerance[i] as number) : 0;
    assert.ok(Math.abs(got - expected) <= allowed, `${JSON.stringify(g)}: c[${i}] = ${got}, expected ${expected} within ${allowed}`);
  }
}

const transposes = [
  [false, false],
  [true, false],
  [false, true],
  [true, true],
] as const;

describe("the native BLAS (sgemm over the system OpenBLAS)", { skip: disabled && `${NATIVE_BLAS_ENV}=0` }, () => {
  it("equals the product by definition for every transpose combination, on non-square shapes", () => {
    const blas = blasOrFail();
    for (const [transA, transB] of transposes) {
      for (const [m, n, k] of [
        [5, 7, 3],
        [1, 9, 4],
        [8, 1, 6],
        [33, 17, 65],
      ] as const) {
        assertProduct(blas, { transA, transB, m, n, k, alpha: 1, beta: 0 });
      }
    }
  });

  it("honours strides larger than a row, alpha and beta, and leaves the padding of C alone", () => {
    const blas = blasOrFail();
    for (const [transA, transB] of transposes) {
      assertProduct(blas, { transA, transB, m: 6, n: 5, k: 4, alpha: 1.5, beta: 0.25, pad: 3 });
      assertProduct(blas, { transA, transB, m: 3, n: 4, k: 9, alpha: -2, beta: 1, pad: 1 }, 2);
    }
  });

  it("uses typed arrays that are views at a byteOffset in place (as on the WebAssembly heap)", () => {
    const blas = blasOrFail();
    for (const [transA, transB] of transposes) assertProduct(blas, { transA, transB, m: 7, n: 6, k: 5, alpha: 0.5, beta: 2, pad: 2, offset: 13 }, 3);
    // One buffer for all three, as in a wasm heap.
    const heap = new Float32Array(64);
    const a = heap.subarray(1, 5).fill(1); // 2x2 of ones
    const b = heap.subarray(10, 14).fill(2);
    const c = heap.subarray(20, 24);
    blas.sgemm(false, false, 2, 2, 2, 1, a, 2, b, 2, 0, c, 2);
    assert.deepEqual([...heap.subarray(19, 25)], [0, 4, 4, 4, 4, 0]);
  });

  it("with k = 0 scales C by beta, and with m or n = 0 does nothing", () => {
    const blas = blasOrFail();
    const c = new Float32Array([1, 2, 3, 4]);
    blas.sgemm(false, false, 2, 2, 0, 1, new Float32Array(0), 1, new Float32Array(0), 2, 3, c, 2);
    assert.deepEqual([...c], [3, 6, 9, 12]);
    blas.sgemm(false, false, 0, 2, 2, 1, new Float32Array(0), 2, new Float32Array(4), 2, 0, new Float32Array(0), 2);
  });

  it("gives bit-identical results on repeated calls", () => {
    const blas = blasOrFail();
    const g: Gemm = { transA: false, transB: true, m: 128, n: 96, k: 200, alpha: 1, beta: 0 };
    const o = operands(g, 4);
    const results = Array.from({ length: 3 }, () => {
      const c = new Float32Array(o.c.length);
      blas.sgemm(g.transA, g.transB, g.m, g.n, g.k, g.alpha, o.a, o.lda, o.b, o.ldb, g.beta, c, o.ldc);
      return Buffer.from(c.buffer);
    });
    assert.ok(results.every((r) => r.equals(results[0] as Buffer)));
  });

  it("refuses arrays too short for their shape and stride, naming the argument, without touching memory", () => {
    const blas = blasOrFail();
    const f = (n: number): Float32Array => new Float32Array(n);
    // 2x3 times 3x4 into 2x4: a needs 6, b 12, c 8.
    const call = (a: Float32Array, lda: number, b: Float32Array, ldb: number, c: Float32Array, ldc: number, transA = false, transB = false): void =>
      blas.sgemm(transA, transB, 2, 4, 3, 1, a, lda, b, ldb, 0, c, ldc);
    assert.throws(() => call(f(5), 3, f(12), 4, f(8), 4), { name: "RangeError", message: /sgemm: a has 5 elements, but m x k with lda=3 reaches 6/ });
    assert.throws(() => call(f(6), 3, f(11), 4, f(8), 4), { name: "RangeError", message: /sgemm: b has 11 elements, but k x n with ldb=4 reaches 12/ });
    assert.throws(() => call(f(6), 3, f(12), 4, f(7), 4), { name: "RangeError", message: /sgemm: c has 7 elements/ });
    assert.throws(() => call(f(6), 3, f(12), 4, f(8), 5), { name: "RangeError", message: /sgemm: c has 8 elements, but m x n with ldc=5 reaches 9/ });
    assert.throws(() => call(f(100), 2, f(12), 4, f(8), 4), { name: "RangeError", message: /sgemm: lda is 2, but a \(m x k\) needs at least 3/ });
    // Transposed, a is stored k x m (3x2, lda >= 2) and b n x k (4x3, ldb >= 3).
    assert.throws(() => call(f(5), 2, f(12), 3, f(8), 4, true, true), { name: "RangeError", message: /sgemm: a has 5 elements, but transposed, k x m with lda=2 reaches 6/ });
    assert.doesNotThrow(() => call(f(6), 2, f(12), 3, f(8), 4, true, true));
    assert.throws(() => call(new Float64Array(6) as unknown as Float32Array, 3, f(12), 4, f(8), 4), { name: "TypeError", message: /sgemm: a must be a Float32Array/ });
    assert.throws(() => blas.sgemm(false, false, 2.5, 4, 3, 1, f(6), 3, f(12), 4, 0, f(8), 4), { name: "RangeError", message: /sgemm: m must be an integer/ });
    assert.throws(() => blas.sgemm(false, false, -1, 4, 3, 1, f(6), 3, f(12), 4, 0, f(8), 4), { name: "RangeError", message: /sgemm: m must be an integer from 0/ });
    assert.throws(() => blas.sgemm("no" as unknown as boolean, false, 2, 4, 3, 1, f(6), 3, f(12), 4, 0, f(8), 4), { name: "TypeError", message: /sgemm: transA must be a boolean/ });
    assert.throws(() => (blas.sgemm as (...args: unknown[]) => void)(false, false, 2), { name: "TypeError", message: /sgemm takes 13 arguments/ });
    const heap = f(32);
    assert.throws(() => call(heap.subarray(0, 6), 3, f(12), 4, heap.subarray(4, 12), 4), { name: "RangeError", message: /sgemm: c overlaps a in memory/ });
  });

  it("runs on one OpenBLAS thread unless asked for more, and names its OpenBLAS", () => {
    const blas = blasOrFail();
    assert.equal(blas.threads(), 1);
    blas.setThreads(2);
    assert.equal(blas.threads(), 2);
    blas.setThreads(1);
    assert.equal(blas.threads(), 1);
    assert.throws(() => blas.setThreads(0), { name: "RangeError", message: /setThreads: n must be an integer from 1/ });
    assert.match(blas.config(), /OpenBLAS \d+\.\d+/);
  });
});

/** Loads the native BLAS in a fresh process (it is loaded once per process) from `index` and says what it found and printed. */
function loadInChild(index: string, env: Record<string, string | undefined>): { loaded: boolean; stderr: string } {
  const script = `const { nativeBlas } = require(${JSON.stringify(index)});
nativeBlas();
process.stdout.write(JSON.stringify({ loaded: nativeBlas() !== undefined }));`;
  const r = spawnSync(process.execPath, ["-e", script], { encoding: "utf8", env: { ...process.env, ...env } });
  assert.equal(r.status, 0, r.stderr);
  return { loaded: (JSON.parse(r.stdout) as { loaded: boolean }).loaded, stderr: r.stderr };
}

describe("falling back from the native BLAS", () => {
  it(`is off with ${NATIVE_BLAS_ENV}=0, quietly`, () => {
    const { loaded, stderr } = loadInChild(distNative, { [NATIVE_BLAS_ENV]: "0" });
    assert.equal(loaded, false);
    assert.doesNotMatch(stderr, /native BLAS/);
  });

  it("is on when built and the variable is unset", { skip: disabled && `${NATIVE_BLAS_ENV}=0` }, () => {
    blasOrFail();
    assert.equal(loadInChild(distNative, { [NATIVE_BLAS_ENV]: undefined }).loaded, true);
  });

  it("says once why, when the install did not build it, and what to do", () => {
    // An installed pipelab whose install left a reason instead of the addon.
    const pkg = tempDir("native-", { inRepo: true });
    cpSync(join(root, "dist"), join(pkg, "dist"), { recursive: true });
    cpSync(join(root, "package.json"), join(pkg, "package.json"));
    mkdirSync(join(pkg, "native", "blas", "build"), { recursive: true });
    writeFileSync(join(pkg, "native", "blas", "build", "not-built.txt"), "missing OpenBLAS headers (cblas.h)\n");
    const { loaded, stderr } = loadInChild(join(pkg, "dist", "ml", "native", "index.js"), { [NATIVE_BLAS_ENV]: undefined });
    assert.equal(loaded, false);
    assert.equal(stderr.match(/native BLAS acceleration is not built \(missing OpenBLAS headers \(cblas\.h\)\); training runs on WebAssembly/g)?.length, 1, stderr);
    assert.match(stderr, /npm rebuild pipelab/);
  });
});
