/**
 * Teaches the step cache to store transformers (fitted or not), so that a
 * step can return one: encoded as its toJSON(), decoded with
 * transformerFromJSON. Imported for its effect by this folder's index.ts.
 */
import { registerSerializer } from "../../cache";
import { transformerFromJSON } from "./from-json";
import { type Transformer, isTransformer } from "./transformer";

/**
 * The name the cache stores with an encoded transformer (version 1: the
 * transformer's toJSON()).
 *
 * @example
 * ```ts
 * const fitted = await wb.step("prep", { train }, ({ train }) => new StandardScaler({ columns: ["x"] }).fit(train));
 * // cached on disk under the serializer "pipelab.Transformer"; a disk hit is a working StandardScaler
 * ```
 */
export const TRANSFORMER_SERIALIZER = "pipelab.Transformer";

// replace: the module can be evaluated twice (two copies of pipelab, a test
// runner resetting modules); the brand test recognizes either copy's transformers.
registerSerializer<Transformer>(
  {
    name: TRANSFORMER_SERIALIZER,
    version: 1,
    test: isTransformer,
    encode: (transformer) => transformer.toJSON(),
    decode: (tree) => transformerFromJSON(tree),
  },
  { replace: true },
);
