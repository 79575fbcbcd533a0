/**
 * Fast transposed matrix products on TensorFlow.js's WebAssembly backend.
 *
 * tfjs-backend-wasm 4.22 sends a product to XNNPACK only when neither operand
 * is transposed and both have a batch of one; a `transposeA` or `transposeB`
 * product (the whole backward pass of a dense layer) runs through a naive
 * loop several times slower. This re-registers the wasm `BatchMatMul` and
 * `_FusedMatMul` kernels so that a transposed operand is first transposed by
 * the wasm `Transpose` kernel into a temporary tensor, which the stock kernel
 * then multiplies without flags, on the fast path. Everything else (batches
 * of more than one, other dtypes, empty or mismatched shapes) goes to the
 * stock kernel unchanged, so it computes and fails as before.
 *
 * The stock kernel's naive loop also adds a fused bias at the wrong index when
 * an operand is transposed (every row after the first gets the bias's last
 * element); the fast path adds it per column, as the cpu backend does.
 *
 * Only tfjs's public kernel registry is used. The stock kernel config is kept
 * on the replacement (under a global symbol), so installing is idempotent,
 * even across two copies of this module, and can be undone.
 */
import type * as TF from "@tensorflow/tfjs";
import type { DataId, KernelConfig, KernelFunc, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from "@tensorflow/tfjs";
import { warnOnce } from "../util";

/** The environment variable that keeps tfjs's stock wasm matrix product: `PIPELAB_WASM_STOCK_MATMUL=1` (for benchmarks and comparisons). */
export const WASM_STOCK_MATMUL_ENV = "PIPELAB_WASM_STOCK_MATMUL";

/** The kernels whose transposed products this replaces; both take inputs `a`, `b` and attrs `transposeA`, `transposeB`. */
const KERNELS = ["BatchMatMul", "_FusedMatMul"] as const;
const BACKEND = "wasm";

/** Where a replacement kernel keeps the stock config it wraps. `Symbol.for`, so that another copy of this module recognizes it. */
const STOCK = Symbol.for("pipelab.wasm-matmul.stock");

type FixedKernelFunc = KernelFunc & { [STOCK]: KernelConfig };

/** What the fix needs of the backend handed to a kernel: freeing a temporary. */
interface DisposingBackend {
  disposeData(dataId: DataId): boolean;
}

/** Whether `PIPELAB_WASM_STOCK_MATMUL` asks for the stock kernel; an unknown value warns once and keeps the fix. */
export function stockWasmMatMulWanted(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = env[WASM_STOCK_MATMUL_ENV];
  if (value === undefined || value === "" || value === "0") return false;
  if (value === "1") return true;
  warnOnce(`ignoring ${WASM_STOCK_MATMUL_ENV}=${JSON.stringify(value)}: use 1 to keep tfjs's stock wasm matrix product, or leave it unset`);
  return false;
}

/**
 * Replaces the wasm backend's `BatchMatMul` and `_FusedMatMul` kernels with
 * ones that send transposed products to XNNPACK (see the module comment).
 * Returns whether the fix is in place; false, with a warning, when the wasm
 * kernels it wraps are not registered. Calling it again does nothing more.
 *
 * @example
 * ```ts
 * const tf = require("@tensorflow/tfjs");
 * await tf.setBackend("wasm");
 * installWasmMatMulFix(tf); // true
 * tf.matMul(x, w, true, false); // now on XNNPACK
 * ```
 */
export function installWasmMatMulFix(tf: typeof TF): boolean {
  const transpose = tf.getKernel("Transpose", BACKEND);
  const stocks = KERNELS.map((name) => tf.getKernel(name, BACKEND));
  if (transpose === undefined || stocks.some((k) => k === undefined)) {
    const missing = ["Transpose", ...KERNELS].filter((name) => tf.getKernel(name, BACKEND) === undefined);
    warnOnce(`the wasm backend has no ${missing.join(", ")} kernel (tfjs ${tf.version.tfjs}; the fast transposed product was written for 4.22.0), so transposed products stay on its slow loop`);
    return false;
  }
  for (const stock of stocks as KernelConfig[]) {
    if (isFixed(stock.kernelFunc)) continue;
    tf.unregisterKernel(stock.kernelName, BACKEND);
    tf.registerKernel({ ...stock, kernelFunc: fixedKernel(stock, transpose.kernelFunc) });
  }
  return true;
}

/**
 * Puts tfjs's stock wasm `BatchMatMul` and `_FusedMatMul` kernels back.
 * Returns whether a fix was installed.
 *
 * @example
 * ```ts
 * uninstallWasmMatMulFix(tf); // true: products with transposes take the stock loop again
 * ```
 */
export function uninstallWasmMatMulFix(tf: typeof TF): boolean {
  let removed = false;
  for (const name of KERNELS) {
    const current = tf.getKernel(name, BACKEND);
    if (current === undefined || !isFixed(current.kernelFunc)) continue;
    tf.unregisterKernel(name, BACKEND);
    tf.registerKernel(current.kernelFunc[STOCK]);
    removed = true;
  }
  return removed;
}

/** Whether the wasm `BatchMatMul` kernel registered now is the fast transposed one. */
export function wasmMatMulFixInstalled(tf: typeof TF): boolean {
  const current = tf.getKernel("BatchMatMul", BACKEND);
  return current !== undefined && isFixed(current.kernelFunc);
}

function isFixed(kernelFunc: KernelFunc): kernelFunc is FixedKernelFunc {
  return STOCK in kernelFunc;
}

function fixedKernel(stock: KernelConfig, transpose: KernelFunc): FixedKernelFunc {
  const kernelFunc: KernelFunc = (args) => {
    const { inputs, attrs } = args;
    const a = inputs.a as TensorInfo;
    const b = inputs.b as TensorInfo;
    const transposeA = attrs?.transposeA === true;
    const transposeB = attrs?.transposeB === true;
    if (!(transposeA || transposeB) || !fastPathTakes(a, b, transposeA, transposeB)) return stock.kernelFunc(args);
    const backend = args.backend as DisposingBackend;
    const temporaries: TensorInfo[] = [];
    try {
      const plain = (x: TensorInfo): TensorInfo => {
        const t = single(transpose({ inputs: { x }, backend: args.backend, attrs: { perm: lastTwoSwapped(x.shape.length) } }));
        temporaries.push(t);
        return t;
      };
      const untransposed: NamedTensorInfoMap = { ...inputs, a: transposeA ? plain(a) : a, b: transposeB ? plain(b) : b };
      const flagless: NamedAttrMap = { ...attrs, transposeA: false, transposeB: false };
      return stock.kernelFunc({ inputs: untransposed, backend: args.backend, attrs: flagless });
    } finally {
      for (const t of temporaries) backend.disposeData(t.dataId);
    }
  };
  return Object.assign(kernelFunc, { [STOCK]: stock });
}

/**
 * Whether the stock kernel, given these operands untransposed, takes XNNPACK:
 * float32, a batch of one on both sides, nothing empty, inner sizes that
 * match (a mismatch is left to the stock kernel, whose error names the flags).
 */
function fastPathTakes(a: TensorInfo, b: TensorInfo, transposeA: boolean, transposeB: boolean): boolean {
  if (a.dtype !== "float32" || b.dtype !== "float32") return false;
  if (a.shape.length < 2 || b.shape.length < 2) return false;
  if (batchOf(a.shape) !== 1 || batchOf(b.shape) !== 1) return false;
  if (a.shape.some((d) => d === 0) || b.shape.some((d) => d === 0)) return false;
  const innerA = a.shape[a.shape.length - (transposeA ? 2 : 1)];
  const innerB = b.shape[b.shape.length - (transposeB ? 1 : 2)];
  return innerA === innerB;
}

function batchOf(shape: readonly number[]): number {
  return shape.slice(0, -2).reduce((n, d) => n * d, 1);
}

function lastTwoSwapped(rank: number): number[] {
  const perm = Array.from({ length: rank }, (_, i) => i);
  perm[rank - 2] = rank - 1;
  perm[rank - 1] = rank - 2;
  return perm;
}

function single(out: TensorInfo | TensorInfo[]): TensorInfo {
  if (Array.isArray(out)) throw new Error(`the wasm Transpose kernel returned ${out.length} tensors; expected one`);
  return out;
}
