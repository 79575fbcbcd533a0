import type { Tensor } from "@tensorflow/tfjs";

/**
 * Whether a value is a TensorFlow.js tensor (or variable). Recognized by its
 * shape rather than by `instanceof`, so that asking does not load
 * TensorFlow.js, and a tensor of another copy of it counts too.
 *
 * @example
 * ```ts
 * isTensor(tf.zeros([2, 3])); // true
 * isTensor({ shape: [2, 3] }); // false
 * ```
 */
export function isTensor(value: unknown): value is Tensor {
  if (typeof value !== "object" || value === null) return false;
  const t = value as Record<string, unknown>;
  return (
    typeof t.dataSync === "function" &&
    typeof t.slice === "function" &&
    Array.isArray(t.shape) &&
    typeof t.dtype === "string" &&
    typeof t.rank === "number" &&
    typeof t.isDisposed === "boolean" &&
    "dataId" in t
  );
}
