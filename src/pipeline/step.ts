import { inspect } from "node:util";
import { StepError } from "../errors";

/** The function of a step: gets its named inputs, returns its output (or a promise of it). */
export type StepFunction<I, T> = (inputs: I) => T | Promise<T>;

/** How a step's output is cached. */
export type CacheMode = "disk" | "memory" | "off";

/** Options of one step. */
export interface StepOptions {
  /**
   * Files the step reads: their contents are part of its cache key, so an
   * edited CSV recomputes the step. Paths are relative to the working folder.
   */
  files?: readonly string[];
  /**
   * "disk" (default): memory and disk, reused after a restart and by scripts.
   * "memory": this process only (for outputs no serializer handles).
   * "off": always recompute.
   */
  cache?: CacheMode;
}

/** A step as declared: a name, named inputs, a function, options. */
export interface StepDefinition<I = Record<string, unknown>, T = unknown> {
  readonly name: string;
  readonly inputs: I;
  readonly fn: StepFunction<I, T>;
  readonly options: StepOptions;
}

/**
 * Reads `step(name, fn, options?)` or `step(name, inputs, fn, options?)` into
 * a definition, or says precisely what is wrong with the call.
 */
export function defineStep<I extends Record<string, unknown>, T>(
  name: string,
  inputsOrFn: unknown,
  fnOrOptions?: unknown,
  maybeOptions?: unknown,
): StepDefinition<I, T> {
  if (typeof name !== "string" || name.trim() === "") {
    throw new StepError(String(name), `invalid step name: ${JSON.stringify(name)} (give each step a non-empty name)`);
  }
  let inputs: unknown;
  let fn: unknown;
  let options: unknown;
  if (typeof inputsOrFn === "function") {
    inputs = {};
    fn = inputsOrFn;
    options = fnOrOptions;
    if (maybeOptions !== undefined) throw new StepError(name, `step "${name}": pass either (fn, options) or (inputs, fn, options)`);
  } else {
    inputs = inputsOrFn;
    fn = fnOrOptions;
    options = maybeOptions;
    if (typeof fn !== "function") {
      throw new StepError(name, `step "${name}" has no function: call wb.step("${name}", inputs, (inputs) => ...)`);
    }
    if (inputs === null || typeof inputs !== "object" || Array.isArray(inputs)) {
      throw new StepError(name, `step "${name}": inputs must be an object of named values, got ${inspect(inputs, { depth: 0 })}`);
    }
  }
  return { name, inputs: inputs as I, fn: fn as StepFunction<I, T>, options: checkOptions(name, options) };
}

function checkOptions(step: string, options: unknown): StepOptions {
  if (options === undefined) return {};
  if (options === null || typeof options !== "object") {
    throw new StepError(step, `step "${step}": options must be an object such as { cache: "memory" }, got ${inspect(options)}`);
  }
  const o = options as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (key !== "files" && key !== "cache") throw new StepError(step, `step "${step}": unknown option "${key}" (known: files, cache)`);
  }
  if (o.cache !== undefined && o.cache !== "disk" && o.cache !== "memory" && o.cache !== "off") {
    throw new StepError(step, `step "${step}": invalid cache option ${inspect(o.cache)} (use "disk", "memory" or "off")`);
  }
  if (o.files !== undefined && (!Array.isArray(o.files) || !o.files.every((f) => typeof f === "string"))) {
    throw new StepError(step, `step "${step}": files must be an array of paths, got ${inspect(o.files)}`);
  }
  return o as StepOptions;
}
