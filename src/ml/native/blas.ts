import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { messageOf } from "../../errors";
import { packageRoot, warnOnce } from "../../util";

/**
 * The system OpenBLAS through pipelab's addon (native/blas), for the products
 * training spends its time in. Matrices are row-major Float32Arrays; a view at
 * any byteOffset (on the WebAssembly heap, say) is used in place, not copied.
 */
export interface NativeBlas {
  /**
   * C = alpha · op(A) · op(B) + beta · C (cblas_sgemm, row-major), where op(A)
   * is m x k and op(B) is k x n: A is stored m x k with row stride lda (k x m
   * when transA), B is k x n with ldb (n x k when transB), C is m x n with ldc.
   * Throws a TypeError or RangeError naming the argument when an array is too
   * short for its shape and stride, a stride is below its row length, or C
   * overlaps A or B; it never reads or writes outside the arrays.
   *
   * @example
   * ```ts
   * // 2x3 times 3x2
   * const c = new Float32Array(4);
   * blas.sgemm(false, false, 2, 2, 3, 1, new Float32Array([1, 2, 3, 4, 5, 6]), 3, new Float32Array([1, 0, 0, 1, 1, 1]), 2, 0, c, 2);
   * // c = [4, 5, 10, 11]
   * ```
   */
  sgemm(
    transA: boolean,
    transB: boolean,
    m: number,
    n: number,
    k: number,
    alpha: number,
    a: Float32Array,
    lda: number,
    b: Float32Array,
    ldb: number,
    beta: number,
    c: Float32Array,
    ldc: number,
  ): void;
  /**
   * Sets OpenBLAS's thread count (1 at load: OpenBLAS's own default follows the
   * machine's cores and environment, and a seed's results must not; raise it
   * deliberately, for large products on a machine with idle cores).
   */
  setThreads(n: number): void;
  /** OpenBLAS's current thread count. */
  threads(): number;
  /** OpenBLAS's build description, e.g. "OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY SkylakeX MAX_THREADS=64". */
  config(): string;
}

/** The environment variable that turns the native BLAS off: `PIPELAB_NATIVE_BLAS=0` (at install it skips the build). */
export const NATIVE_BLAS_ENV = "PIPELAB_NATIVE_BLAS";

/** Where scripts/build-native.mjs puts the addon, and the reason it leaves when it does not build one. */
export const NATIVE_BLAS_ADDON = join(packageRoot, "native", "blas", "build", "Release", "pipelab_blas.node");
const NOT_BUILT_REASON = join(packageRoot, "native", "blas", "build", "not-built.txt");

const METHODS = ["sgemm", "setThreads", "threads", "config"] as const;

let loaded: { blas: NativeBlas | undefined } | undefined;

/**
 * The native BLAS when it is built and enabled (`PIPELAB_NATIVE_BLAS` unset or
 * not "0"), else undefined: callers then compute on WebAssembly. The first
 * time it is missing it says why, once; turned off by the variable it is quiet.
 * Loaded once per process.
 *
 * @example
 * ```ts
 * const blas = nativeBlas();
 * if (blas) blas.sgemm(false, true, m, n, k, 1, x, k, w, k, 0, y, n);
 * ```
 */
export function nativeBlas(): NativeBlas | undefined {
  loaded ??= { blas: load() };
  return loaded.blas;
}

function load(): NativeBlas | undefined {
  if (process.env[NATIVE_BLAS_ENV] === "0") return undefined;
  let reason: string;
  if (!existsSync(NATIVE_BLAS_ADDON)) {
    reason = notBuiltReason();
  } else {
    try {
      const addon = require(NATIVE_BLAS_ADDON) as Partial<Record<(typeof METHODS)[number], unknown>>;
      const absent = METHODS.filter((m) => typeof addon[m] !== "function");
      if (absent.length === 0) return addon as NativeBlas;
      reason = `${NATIVE_BLAS_ADDON} lacks ${absent.join(", ")}: it is from another pipelab version`;
    } catch (error) {
      reason = `${NATIVE_BLAS_ADDON} does not load: ${messageOf(error)}`;
    }
  }
  warnOnce(
    `native BLAS acceleration is not built (${reason}); training runs on WebAssembly. Install libopenblas-dev and a C compiler, then run \`npm rebuild pipelab\` (in pipelab's own folder: node scripts/build-native.mjs) for more speed, or set ${NATIVE_BLAS_ENV}=0 to silence this.`,
  );
  return undefined;
}

/** What the install's build said, when it left a reason. */
function notBuiltReason(): string {
  try {
    return readFileSync(NOT_BUILT_REASON, "utf8").trim();
  } catch {
    return "the install did not build it";
  }
}

/** The native BLAS as runs record it: "OpenBLAS 0.3.21" (from its configuration string), else "native BLAS". */
export function blasName(blas: NativeBlas): string {
  const version = /OpenBLAS\s+([\d.]+)/.exec(blas.config())?.[1];
  return version ? `OpenBLAS ${version}` : "native BLAS";
}
