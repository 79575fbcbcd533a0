/**
 * A column's values made ready for the drift tests: missing values dropped
 * (null, undefined, NaN and ±Infinity, as Evidently replaces infinities with
 * NaN and drops them), numbers sorted once in a Float64Array, categories
 * counted once, and the pandas-like type that Evidently's column-type rule
 * looks at.
 */
import type { ColumnarTable } from "../../data";
import { DataError } from "../../errors";

/**
 * A category as counted: text, or a number. Booleans count as 1 and 0, as
 * they do in pandas, where True == 1 in a value count.
 */
export type Category = string | number;

/** What `columnDrift` takes for each side: numbers, or labels (strings, numbers, booleans), with null for missing. */
export type DriftValues = ArrayLike<number> | readonly (string | number | boolean | null | undefined)[];

/**
 * The type pandas would give the values, which decides the column's kind
 * (see `resolveKind`): float, integer (only whole numbers and nothing
 * missing, else pandas makes it float), bool, text (strings, or a mix), or
 * empty (nothing but missing values).
 */
export type ValueType = "float" | "integer" | "bool" | "text" | "empty";

/** The values of one side of a column, missing ones dropped. */
export class Sample {
  private countsCache: Map<Category, number> | undefined;
  private distinctCache: number | undefined;

  private constructor(
    readonly type: ValueType,
    /** The values left after dropping missing ones. */
    readonly size: number,
    /** The values as sorted numbers, unless they are text. */
    readonly sorted: Float64Array | undefined,
    counts: Map<Category, number> | undefined,
  ) {
    this.countsCache = counts;
  }

  /** A sample of numbers: `values` must be finite and sorted ascending. */
  static ofSortedNumbers(type: "float" | "integer" | "bool", values: Float64Array): Sample {
    return new Sample(values.length === 0 ? "empty" : type, values.length, values, undefined);
  }

  /** A sample of categories, already counted. */
  static ofCounts(counts: Map<Category, number>): Sample {
    let size = 0;
    for (const c of counts.values()) size += c;
    return new Sample(size === 0 ? "empty" : "text", size, undefined, counts);
  }

  /** The values as sorted numbers; a DataError for text. */
  numbers(what: string): Float64Array {
    if (this.sorted === undefined) throw new DataError(`${what} holds text, not numbers: a numeric drift test cannot take it; pass kind "categorical" or a method for categories (chisquare, z, jensenshannon, psi)`);
    return this.sorted;
  }

  /** How often each value occurs. */
  counts(): Map<Category, number> {
    if (this.countsCache === undefined) {
      const counts = new Map<Category, number>();
      const values = this.sorted as Float64Array;
      for (let i = 0; i < values.length; ) {
        const value = values[i] as number;
        let j = i + 1;
        while (j < values.length && values[j] === value) j++;
        counts.set(value === 0 ? 0 : value, j - i); // -0 and 0 are one value
        i = j;
      }
      this.countsCache = counts;
    }
    return this.countsCache;
  }

  /** The number of distinct values (pandas' nunique). */
  distinct(): number {
    if (this.distinctCache === undefined) {
      if (this.countsCache !== undefined || this.sorted === undefined) {
        this.distinctCache = this.counts().size;
      } else {
        let runs = 0;
        const values = this.sorted;
        for (let i = 0; i < values.length; i++) if (i === 0 || values[i] !== values[i - 1]) runs++;
        this.distinctCache = runs;
      }
    }
    return this.distinctCache;
  }
}

/** A sample of what a caller passed: a typed array, or an array of numbers, labels and nulls. */
export function sampleOf(values: DriftValues, what: string): Sample {
  if (ArrayBuffer.isView(values)) {
    if (values instanceof BigInt64Array || values instanceof BigUint64Array || values instanceof DataView) {
      throw new DataError(`${what} is a ${values.constructor.name}: pass numbers (a Float64Array, an Int32Array or an array)`);
    }
    const integer = !(values instanceof Float64Array || values instanceof Float32Array);
    return Sample.ofSortedNumbers(integer ? "integer" : "float", finiteSorted(values as ArrayLike<number>));
  }
  if (typeof values !== "object" || values === null || typeof (values as { length?: unknown }).length !== "number") {
    throw new DataError(`${what} is ${describe(values)}, not an array of values: pass numbers, strings or booleans`);
  }
  return sampleOfArray(Array.isArray(values) ? (values as readonly unknown[]) : Array.from(values as ArrayLike<unknown>), what);
}

function sampleOfArray(values: readonly unknown[], what: string): Sample {
  let numbers = 0;
  let booleans = 0;
  let texts = 0;
  let missing = 0;
  let whole = true;
  values.forEach((v, i) => {
    if (v === null || v === undefined) missing++;
    else if (typeof v === "number") {
      if (Number.isFinite(v)) {
        numbers++;
        if (!Number.isInteger(v)) whole = false;
      } else missing++;
    } else if (typeof v === "boolean") booleans++;
    else if (typeof v === "string") texts++;
    else throw new DataError(`${what} holds ${describe(v)} at index ${i}: a drift test takes numbers, strings, booleans or null`);
  });
  if (texts > 0 || (booleans > 0 && numbers > 0)) {
    const counts = new Map<Category, number>();
    for (const v of values) {
      const key = categoryOf(v);
      if (key !== undefined) counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    return Sample.ofCounts(counts);
  }
  const kept = new Float64Array(numbers + booleans);
  let k = 0;
  for (const v of values) {
    if (typeof v === "number" && Number.isFinite(v)) kept[k++] = v;
    else if (typeof v === "boolean") kept[k++] = v ? 1 : 0;
  }
  kept.sort();
  if (booleans > 0) return Sample.ofSortedNumbers("bool", kept);
  // pandas makes whole numbers with a missing value float64.
  return Sample.ofSortedNumbers(whole && missing === 0 ? "integer" : "float", kept);
}

/** A table column as a sample, typed by its dtype. */
export function sampleOfColumn(table: ColumnarTable, name: string): Sample {
  const dtype = table.dtypes[name];
  switch (dtype) {
    case "float64":
    case "float32":
    case "timestamp":
      return Sample.ofSortedNumbers("float", finiteSorted(table.numbers(name)));
    case "int32":
    case "int64":
      return Sample.ofSortedNumbers("integer", finiteSorted(table.numbers(name)));
    case "bool":
      return Sample.ofSortedNumbers("bool", finiteSorted(table.numbers(name)));
    case "category": {
      const dictionary = table.dictionary(name);
      const codes = table.column(name) as Int32Array;
      const byCode = new Float64Array(dictionary.length);
      for (let i = 0; i < codes.length; i++) {
        const code = codes[i] as number;
        if (code >= 0) byCode[code] = (byCode[code] as number) + 1;
      }
      const counts = new Map<Category, number>();
      dictionary.forEach((label, code) => {
        const count = byCode[code] as number;
        if (count > 0) counts.set(label, (counts.get(label) ?? 0) + count);
      });
      return Sample.ofCounts(counts);
    }
    case "string":
      return sampleOfArray(table.strings(name), `column ${JSON.stringify(name)}`);
    default:
      throw new DataError(`column ${JSON.stringify(name)} has dtype ${String(dtype)}, which the drift tests do not know`);
  }
}

/** The finite values, sorted, in a new Float64Array. */
function finiteSorted(values: ArrayLike<number>): Float64Array {
  let finite = 0;
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i])) finite++;
  const out = new Float64Array(finite);
  if (finite === values.length) out.set(values);
  else for (let i = 0, k = 0; i < values.length; i++) if (Number.isFinite(values[i])) out[k++] = values[i] as number;
  return out.sort();
}

function categoryOf(v: unknown): Category | undefined {
  if (typeof v === "string") return v;
  if (typeof v === "boolean") return v ? 1 : 0;
  if (typeof v === "number" && Number.isFinite(v)) return v === 0 ? 0 : v;
  return undefined;
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (typeof v === "object") return Object.prototype.toString.call(v);
  return `${typeof v} ${String(v)}`;
}
