/**
 * The scan: one pass over each declared column's typed array, counting the
 * rows that break each rule. Nothing is allocated per row but the example
 * row numbers and, when the bad rows are to be quarantined, their positions.
 */
import type { ColumnarTable } from "../columnar";
import type { CompiledColumn, RuleName } from "./rules";
import { RULE_NAMES } from "./rules";

/** The rows that break one rule of one column. */
export class Tally {
  count = 0;
  /** The first rows that broke it, up to the number of examples asked for. */
  readonly examples: number[] = [];
  /** Every row that broke it, in order: kept only when bad rows are quarantined. */
  readonly hits: number[] | undefined;

  constructor(
    readonly column: CompiledColumn,
    readonly rule: RuleName,
    private readonly bad: Uint8Array,
    private readonly keep: number,
    keepHits: boolean,
  ) {
    this.hits = keepHits ? [] : undefined;
  }

  hit(row: number): void {
    this.count++;
    if (this.examples.length < this.keep) this.examples.push(row);
    this.hits?.push(row);
    this.bad[row] = 1;
  }
}

/** What the scan found: a tally per rule (schema order, then RULE_NAMES order), and which rows broke any. */
export interface ScanResult {
  readonly tallies: readonly Tally[];
  /** 1 for a row that breaks at least one rule. */
  readonly bad: Uint8Array;
  readonly badRows: number;
}

type Tallies = Partial<Record<RuleName, Tally>>;

/** Checks every row of the declared columns. `examples` rows are kept per rule; `keepHits` keeps every bad row's position. */
export function scanTable(table: ColumnarTable, columns: readonly CompiledColumn[], options: { examples: number; keepHits: boolean }): ScanResult {
  const bad = new Uint8Array(table.rows);
  const tallies: Tally[] = [];
  for (const column of columns) {
    const t: Tallies = {};
    for (const rule of RULE_NAMES) {
      if (applies(column, rule)) {
        const tally = new Tally(column, rule, bad, options.examples, options.keepHits);
        t[rule] = tally;
        tallies.push(tally);
      }
    }
    if (Object.keys(t).length === 0) continue;
    const values = table.column(column.name);
    if (column.dtype === "category") scanCategory(values as Int32Array, table.dictionary(column.name), column, t);
    else if (column.dtype === "string") scanStrings(values as readonly (string | null)[], column, t);
    else if (column.dtype === "int64") scanBigints(values as BigInt64Array, column, t);
    else scanNumbers(values as Float64Array | Float32Array | Int32Array | Uint8Array, column, t);
  }
  let badRows = 0;
  for (let r = 0; r < bad.length; r++) badRows += bad[r] as number;
  return { tallies, bad, badRows };
}

function applies(c: CompiledColumn, rule: RuleName): boolean {
  switch (rule) {
    case "nullable":
      return !c.nullable;
    case "integer":
      return c.integer;
    case "boolean":
      return c.boolean;
    case "min":
      return c.min !== undefined;
    case "max":
      return c.max !== undefined;
    case "values":
      return c.allowed !== undefined;
    case "pattern":
      return c.pattern !== undefined;
  }
}

/** Doubles, int32, 0/1 flags and ms timestamps: NaN is null. */
function scanNumbers(values: Float64Array | Float32Array | Int32Array | Uint8Array, c: CompiledColumn, t: Tallies): void {
  const { nullable, integer, boolean, min, max, values: allowed } = t;
  const low = c.min ?? -Infinity;
  const high = c.max ?? Infinity;
  const set = c.allowed as ReadonlySet<number> | undefined;
  const n = values.length;
  for (let r = 0; r < n; r++) {
    const v = values[r] as number;
    if (v !== v) {
      nullable?.hit(r);
      continue;
    }
    if (integer !== undefined && !Number.isInteger(v)) integer.hit(r);
    if (boolean !== undefined && v !== 0 && v !== 1) boolean.hit(r);
    if (v < low) min?.hit(r);
    if (v > high) max?.hit(r);
    if (set !== undefined && !set.has(v)) allowed?.hit(r);
  }
}

/** int64 has no nulls (the reader gives int64 with nulls as float64); a bigint compares exactly with a number bound. */
function scanBigints(values: BigInt64Array, c: CompiledColumn, t: Tallies): void {
  const { min, max, values: allowed } = t;
  const low = c.min ?? -Infinity;
  const high = c.max ?? Infinity;
  const set = c.allowed as ReadonlySet<bigint> | undefined;
  const n = values.length;
  for (let r = 0; r < n; r++) {
    const v = values[r] as bigint;
    if (v < low) min?.hit(r);
    if (v > high) max?.hit(r);
    if (set !== undefined && !set.has(v)) allowed?.hit(r);
  }
}

function scanStrings(values: readonly (string | null)[], c: CompiledColumn, t: Tallies): void {
  const { nullable, values: allowed, pattern } = t;
  const set = c.allowed as ReadonlySet<string> | undefined;
  const re = c.pattern;
  const n = values.length;
  for (let r = 0; r < n; r++) {
    const v = values[r];
    if (v === null || v === undefined) {
      nullable?.hit(r);
      continue;
    }
    if (set !== undefined && !set.has(v)) allowed?.hit(r);
    if (re !== undefined && !re.test(v)) pattern?.hit(r);
  }
}

/** A category is checked on its dictionary once; the rows then only look their code up. */
function scanCategory(codes: Int32Array, dictionary: readonly string[], c: CompiledColumn, t: Tallies): void {
  const { nullable, values: allowed, pattern } = t;
  const set = c.allowed as ReadonlySet<string> | undefined;
  const re = c.pattern;
  const outside = Uint8Array.from(dictionary, (v) => (set !== undefined && !set.has(v) ? 1 : 0));
  const unmatched = Uint8Array.from(dictionary, (v) => (re !== undefined && !re.test(v) ? 1 : 0));
  const n = codes.length;
  for (let r = 0; r < n; r++) {
    const code = codes[r] as number;
    if (code < 0) {
      nullable?.hit(r);
      continue;
    }
    if (outside[code] === 1) allowed?.hit(r);
    if (unmatched[code] === 1) pattern?.hit(r);
  }
}
