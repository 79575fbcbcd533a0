/**
 * How a value a step depends on is identified in its key: one rule for the
 * step's named inputs and for the notebook or script variables it reads.
 *
 * - a step's output or a parameter set carries its fingerprint (an origin);
 * - a primitive is known by its content;
 * - a function by its code;
 * - anything else by the hash of its serialized bytes (the cache's codec);
 * - a value the codec cannot serialize cannot be identified: the step that
 *   depends on it is never served from the cache.
 */
import { inspect } from "node:util";
import { UnserializableError, encode } from "../cache";
import { analyzeFunction, originOf, primitiveFingerprint } from "../pipeline";
import type { Binding, InputRef } from "../pipeline";
import { sha256 } from "../util";

/** A value that cannot be identified, and why. */
export interface Unidentified {
  kind: "unidentified";
  /** What it is ("a Foo", "not defined in the notebook"), for the warning. */
  what: string;
  /** What the user can do about it. */
  advice: "input" | "step-or-serializer";
}

export type ValueRef = InputRef | Unidentified;

function preview(value: unknown): string {
  const text = inspect(value, { depth: 0, breakLength: Infinity, maxArrayLength: 5, maxStringLength: 40 });
  return text.length > 48 ? `${text.slice(0, 45)}...` : text;
}

/**
 * The reference of a value. `producerOf` names the step whose latest output
 * has a given fingerprint (a number or string output cannot carry an origin).
 */
export async function valueRef(value: unknown, producerOf: (fingerprint: string) => string | undefined): Promise<ValueRef> {
  const origin = originOf(value);
  if (origin?.kind === "step") return { kind: "step", step: origin.step, fingerprint: origin.fingerprint };
  if (origin?.kind === "params") return { kind: "params", fingerprint: origin.fingerprint, values: origin.values };
  const primitive = primitiveFingerprint(value);
  if (primitive) {
    const producer = producerOf(primitive);
    if (producer) return { kind: "step", step: producer, fingerprint: primitive };
    return { kind: "value", fingerprint: primitive, preview: preview(value) };
  }
  if (typeof value === "function") {
    const code = analyzeFunction(String(value), {});
    return { kind: "value", fingerprint: sha256(`function:${code.hash}`), preview: `function ${value.name || "(anonymous)"}` };
  }
  try {
    return { kind: "value", fingerprint: sha256(await encode(value)), preview: preview(value) };
  } catch (error) {
    if (!(error instanceof UnserializableError)) throw error;
    return { kind: "unidentified", what: error.typeName, advice: "step-or-serializer" };
  }
}

/**
 * The reference of a free variable from what binds it; undefined for what is
 * not data (the workbench).
 */
export async function variableRef(binding: Exclude<Binding, { kind: "function" }> | undefined, producerOf: (fingerprint: string) => string | undefined): Promise<ValueRef | undefined> {
  if (binding === undefined) return { kind: "unidentified", what: "not found where the step can see it", advice: "input" };
  switch (binding.kind) {
    case "not-data":
      return undefined;
    case "value":
      return valueRef(binding.value, producerOf);
  }
}
