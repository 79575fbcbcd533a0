import { dirname, sep } from "node:path";
import { messageOf } from "../errors";
import { warnOnce } from "../util";
import { blasName, nativeBlas } from "./native";
import { installWasmMatMulFix, stockWasmMatMulWanted } from "./wasm-matmul";

/** The environment variable that turns trainModel's fused path off (0): the LayersModel then trains itself. */
export const FUSED_TRAINING_ENV = "PIPELAB_FUSED_TRAINING";

/**
 * What trainModel's fused path multiplies with on this backend: the native
 * BLAS ("OpenBLAS 0.3.21") when built and enabled, else the wasm backend
 * ("wasm"); undefined where models train as LayersModels (the cpu and
 * tensorflow backends, or PIPELAB_FUSED_TRAINING=0).
 */
export function fusedEngine(backend: BackendName): string | undefined {
  if (process.env[FUSED_TRAINING_ENV] === "0") return undefined;
  const blas = nativeBlas();
  if (blas) return blasName(blas);
  return backend === "wasm" ? "wasm" : undefined;
}

/** The TensorFlow.js backends pipelab can compute with, fastest first. */
export type BackendName = "tensorflow" | "wasm" | "cpu";

/** The environment variable that picks a backend: tensorflow, wasm or cpu. */
export const BACKEND_ENV = "PIPELAB_TF_BACKEND";

/** The backend in use, as recorded with every run. */
export interface BackendInfo {
  name: BackendName;
  /** e.g. "wasm (tfjs 4.22.0, simd, fast transposed matmul)". */
  description: string;
}

/** The package that holds tfjs-node, installed under an alias so that danfo's tfjs override cannot shadow it. */
const TFJS_NODE_PACKAGES = ["tfjs-node-native", "@tensorflow/tfjs-node"];

let chosen: Promise<BackendInfo> | undefined;

/**
 * Initializes TensorFlow.js once per process and says which backend it uses:
 * tfjs-node (native TensorFlow) when it is installed and loads, else the
 * WebAssembly backend (its .wasm files load from node_modules, no network),
 * else the pure-JS cpu backend. `PIPELAB_TF_BACKEND` or `prefer` forces one.
 * On wasm, products with a transposed operand are sent to XNNPACK (see
 * `installWasmMatMulFix`) unless `PIPELAB_WASM_STOCK_MATMUL=1`; the
 * description says "fast transposed matmul" when they are.
 *
 * @example
 * ```ts
 * const backend = await initBackend(); // { name: "wasm", description: "wasm (tfjs 4.22.0, simd, fast transposed matmul)" }
 * ```
 */
export function initBackend(prefer?: BackendName): Promise<BackendInfo> {
  chosen ??= choose(prefer ?? envBackend());
  return chosen;
}

function envBackend(): BackendName | undefined {
  const value = process.env[BACKEND_ENV];
  if (value === undefined || value === "") return undefined;
  if (value === "tensorflow" || value === "wasm" || value === "cpu") return value;
  warnOnce(`ignoring ${BACKEND_ENV}=${JSON.stringify(value)}: use tensorflow, wasm or cpu`);
  return undefined;
}

async function choose(prefer: BackendName | undefined): Promise<BackendInfo> {
  const tf = require("@tensorflow/tfjs") as typeof import("@tensorflow/tfjs");
  const order: BackendName[] = prefer ? [prefer, ...(["tensorflow", "wasm", "cpu"] as const).filter((b) => b !== prefer)] : ["tensorflow", "wasm", "cpu"];
  const reasons: string[] = [];
  for (const name of order) {
    try {
      const detail = await activate(tf, name);
      if (prefer && name !== prefer) warnOnce(`the ${prefer} backend is unavailable (${reasons.join("; ")}); using ${name}`);
      // Runs record this: with the fused training path's engine, which trained their models.
      const engine = fusedEngine(name);
      return { name, description: `${name} (tfjs ${tf.version.tfjs}${detail ? `, ${detail}` : ""})${engine ? `; training fused on ${engine}` : ""}` };
    } catch (error) {
      reasons.push(`${name}: ${messageOf(error)}`);
      if (name === "tensorflow" && !prefer) {
        warnOnce(
          "native TensorFlow (tfjs-node) is not installed, so TensorFlow.js runs on WebAssembly. Its install downloads libtensorflow and needs internet; where that works, run `npm install tfjs-node-native@npm:@tensorflow/tfjs-node@4.22.0` for more speed.",
        );
      }
    }
  }
  throw new Error(`no TensorFlow.js backend could start: ${reasons.join("; ")}`);
}

async function activate(tf: typeof import("@tensorflow/tfjs"), name: BackendName): Promise<string> {
  if (name === "tensorflow") {
    loadTfjsNode();
  } else if (name === "wasm") {
    const wasm = require("@tensorflow/tfjs-backend-wasm") as typeof import("@tensorflow/tfjs-backend-wasm");
    // Point the backend at the .wasm files shipped in the package, so it never fetches them.
    const dir = dirname(require.resolve("@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm"));
    wasm.setWasmPaths(dir + sep);
  }
  const before = { exception: process.listeners("uncaughtException"), rejection: process.listeners("unhandledRejection") };
  try {
    if (!(await tf.setBackend(name))) throw new Error(`tf.setBackend("${name}") failed`);
    await tf.ready();
  } finally {
    // Emscripten's module (the wasm backend) installs handlers that rethrow every uncaught
    // error, printing its whole minified source instead of the error. Take them back out.
    restoreListeners("uncaughtException", before.exception);
    restoreListeners("unhandledRejection", before.rejection);
  }
  if (name === "wasm") {
    const simd = (await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT")) ? "simd" : "no simd";
    const fast = !stockWasmMatMulWanted() && installWasmMatMulFix(tf);
    return fast ? `${simd}, fast transposed matmul` : simd;
  }
  return "";
}

function restoreListeners(event: "uncaughtException" | "unhandledRejection", before: readonly unknown[]): void {
  // Node's typings overload these per event name; the listeners are only compared and removed here.
  const emitter = process as unknown as NodeJS.EventEmitter;
  for (const listener of emitter.listeners(event)) {
    if (!before.includes(listener)) emitter.removeListener(event, listener as (...args: unknown[]) => void);
  }
}

function loadTfjsNode(): void {
  for (const pkg of TFJS_NODE_PACKAGES) {
    let resolved: string;
    try {
      resolved = require.resolve(`${pkg}/package.json`);
    } catch {
      continue;
    }
    // danfo's override installs plain tfjs under the name @tensorflow/tfjs-node: that one is not native.
    const manifest = require(resolved) as { name?: string };
    if (manifest.name !== "@tensorflow/tfjs-node") continue;
    require(pkg);
    return;
  }
  throw new Error("tfjs-node is not installed");
}
