/**
 * Big libraries, loaded on first use: the TypeScript compiler (reads step
 * code, exports notebooks), danfo and TensorFlow.js (loaded only when a frame
 * or a tensor shows up). One loader each, for every folder.
 */
import type * as TS from "typescript";

/** A value computed once, on first call. */
export function lazy<T>(load: () => T): () => T {
  let loaded = false;
  let value: T | undefined;
  return () => {
    if (!loaded) {
      value = load();
      loaded = true;
    }
    return value as T;
  };
}

/** The TypeScript compiler API. */
export const typescript = lazy(() => require("typescript") as typeof TS);
/** danfo (it loads its own TensorFlow.js: require it only when a frame is built). */
export const danfojs = lazy(() => require("danfojs-node") as typeof import("danfojs-node"));
/** TensorFlow.js. */
export const tensorflow = lazy(() => require("@tensorflow/tfjs") as typeof import("@tensorflow/tfjs"));
