/**
 * Query results into columns, chunk by chunk: numeric vectors copied
 * straight from DuckDB's memory, short strings read from its bytes, ENUMs as
 * codes and a dictionary. What `queryColumns` builds a ColumnarTable from.
 */
import type { DuckDBDataChunk, DuckDBResult } from "@duckdb/node-api";
import { DataError } from "../errors";
import type { Column } from "./column";
import { isValid } from "./duckdb-bindings";
import type { Bindings } from "./duckdb-bindings";
import { sqlIdentifier } from "./sql-text";

/** How a query's text columns are returned. */
export type StringColumns = "dictionary" | "strings";

export interface Builder {
  add(bindings: Bindings, chunk: DuckDBDataChunk, column: number, rows: number): void;
  finish(): Column;
}

type Numbers = Float64Array | Float32Array | Int32Array | Int16Array | Int8Array | Uint8Array | Uint16Array | Uint32Array | BigInt64Array | BigUint64Array;
type NumbersClass = { new (buffer: ArrayBufferLike, offset: number, length: number): Numbers; BYTES_PER_ELEMENT: number };

/** DuckDB type id (DuckDBTypeId) -> how its vectors are read. */
const NUMERIC: Record<number, { source: NumbersClass; kind: "float64" | "float32" | "int32" | "int64" | "bool" | "timestamp"; msPerUnit?: number }> = {
  1: { source: Uint8Array, kind: "bool" },
  2: { source: Int8Array, kind: "int32" },
  3: { source: Int16Array, kind: "int32" },
  4: { source: Int32Array, kind: "int32" },
  5: { source: BigInt64Array, kind: "int64" },
  6: { source: Uint8Array, kind: "int32" },
  7: { source: Uint16Array, kind: "int32" },
  8: { source: Uint32Array, kind: "float64" },
  9: { source: BigUint64Array, kind: "int64" },
  10: { source: Float32Array, kind: "float32" },
  11: { source: Float64Array, kind: "float64" },
  12: { source: BigInt64Array, kind: "timestamp", msPerUnit: 1e-3 }, // TIMESTAMP: microseconds
  13: { source: Int32Array, kind: "timestamp", msPerUnit: 86_400_000 }, // DATE: days
  20: { source: BigInt64Array, kind: "timestamp", msPerUnit: 1000 }, // TIMESTAMP_S
  21: { source: BigInt64Array, kind: "timestamp", msPerUnit: 1 }, // TIMESTAMP_MS
  22: { source: BigInt64Array, kind: "timestamp", msPerUnit: 1e-6 }, // TIMESTAMP_NS
  31: { source: BigInt64Array, kind: "timestamp", msPerUnit: 1e-3 }, // TIMESTAMP WITH TIME ZONE: microseconds
};
const TEXT = new Set([17]); // VARCHAR
const ENUM = 23;
/** HUGEINT, DECIMAL, UHUGEINT: what sum() of integers and decimal columns give; read as float64. */
const WIDE = new Set([16, 19, 32]);

export function builderFor(result: DuckDBResult, column: number, strings: StringColumns, rows: number | undefined): Builder {
  const name = result.columnName(column);
  const typeId = result.columnTypeId(column) as number;
  const numeric = NUMERIC[typeId];
  if (numeric && rows !== undefined && (typeId === 10 || typeId === 11 || typeId === 5)) return new DirectBuilder(name, typeId === 10 ? "float32" : typeId === 11 ? "float64" : "int64", rows);
  if (numeric) return new NumericBuilder(name, numeric.source, numeric.kind, numeric.msPerUnit);
  if (TEXT.has(typeId)) return new TextBuilder(name, strings);
  if (typeId === ENUM) return new EnumBuilder(name, result.columnType(column) as unknown as { values: readonly string[]; internalTypeId: number }, strings);
  if (WIDE.has(typeId)) return new WideNumberBuilder(name);
  throw new DataError(
    `column ${JSON.stringify(name)} has the DuckDB type ${result.columnType(column).toString()}, which pipelab cannot hold in a columnar table yet: cast it in SQL (CAST(${sqlIdentifier(name)} AS DOUBLE) or AS VARCHAR), or leave the column out`,
  );
}

/**
 * DOUBLE, FLOAT and BIGINT columns written straight into their final array
 * (the result's size is known), with no per-chunk copies to join later.
 * BIGINT becomes float64 while every value is exact as a double; from the
 * first that is not, the column is kept as a BigInt64Array.
 */
class DirectBuilder implements Builder {
  private readonly out: Float64Array | Float32Array;
  private big: BigInt64Array | undefined;
  private rows = 0;
  private nulls = false;
  /** Whether every BIGINT so far fits in an int32. */
  private small = true;

  constructor(
    private readonly name: string,
    private readonly kind: "float64" | "float32" | "int64",
    total: number,
  ) {
    this.out = kind === "float32" ? new Float32Array(total) : new Float64Array(total);
  }

  add(bindings: Bindings, chunk: DuckDBDataChunk, column: number, rows: number): void {
    const vector = bindings.data_chunk_get_vector(chunk.chunk, column);
    const at = this.rows;
    // The bytes under a null are junk: they must not count as a value (an int64 beyond 2^53 among them).
    const validity = bindings.vector_get_validity(vector, Math.ceil(rows / 64) * 8) ?? undefined;
    if (this.kind === "int64") this.addInt64(bindings.vector_get_data(vector, rows * 8), rows, validity);
    else {
      const bytes = bindings.vector_get_data(vector, rows * this.out.BYTES_PER_ELEMENT);
      const source = this.kind === "float32" ? new Float32Array(bytes.buffer, bytes.byteOffset, rows) : new Float64Array(bytes.buffer, bytes.byteOffset, rows);
      this.out.set(source, at);
    }
    if (validity) {
      for (let i = 0; i < rows; i++) {
        if (isValid(validity, i)) continue;
        this.out[at + i] = NaN;
        this.nulls = true;
      }
    }
    this.rows += rows;
  }

  private addInt64(bytes: Uint8Array, rows: number, validity: Uint8Array | undefined): void {
    // Each value as two 32-bit halves: a double holds it exactly when the high half fits in 21 bits and a sign.
    const halves = new Int32Array(bytes.buffer, bytes.byteOffset, rows * 2);
    const at = this.rows;
    for (let i = 0; i < rows; i++) {
      const lo = halves[2 * i] as number;
      const hi = halves[2 * i + 1] as number;
      if (this.big === undefined && (hi < -0x200000 || hi >= 0x200000) && (validity === undefined || isValid(validity, i))) {
        this.big = new BigInt64Array(this.out.length);
        for (let j = 0; j < at + i; j++) this.big[j] = Number.isNaN(this.out[j] as number) ? 0n : BigInt(this.out[j] as number);
      }
      this.out[at + i] = hi * 4294967296 + (lo >>> 0);
      // Small integers (counts, months, ids) become an int32 column when all of them fit and none is missing.
      if (this.small && !(hi === (lo >> 31)) && (validity === undefined || isValid(validity, i))) this.small = false;
    }
    if (this.big !== undefined) this.big.set(new BigInt64Array(bytes.buffer, bytes.byteOffset, rows), at);
  }

  finish(): Column {
    const { name } = this;
    if (this.kind === "int64" && this.small && !this.nulls) return { name, dtype: "int32", values: Int32Array.from(this.out) };
    if (this.big === undefined) return { name, dtype: this.kind === "float32" ? "float32" : "float64", values: this.out };
    if (this.nulls) {
      throw new DataError(`column ${JSON.stringify(name)} has integers beyond ±2^53 and nulls, which no typed array pipelab holds can keep exactly: cast it in SQL (CAST(${sqlIdentifier(name)} AS DOUBLE), or coalesce the nulls)`);
    }
    return { name, dtype: "int64", values: this.big };
  }
}

class NumericBuilder implements Builder {
  private readonly parts: Numbers[] = [];
  private readonly nulls: number[] = [];
  private rows = 0;

  constructor(
    private readonly name: string,
    private readonly source: NumbersClass,
    private readonly kind: "float64" | "float32" | "int32" | "int64" | "bool" | "timestamp",
    private readonly msPerUnit = 1,
  ) {}

  add(bindings: Bindings, chunk: DuckDBDataChunk, column: number, rows: number): void {
    const vector = bindings.data_chunk_get_vector(chunk.chunk, column);
    const bytes = bindings.vector_get_data(vector, rows * this.source.BYTES_PER_ELEMENT);
    // A copy: the chunk's memory is DuckDB's, and is reused for the next chunk.
    this.parts.push(new this.source(bytes.buffer, bytes.byteOffset, rows).slice());
    const validity = bindings.vector_get_validity(vector, Math.ceil(rows / 64) * 8);
    if (validity) {
      // One bit a row, least significant first; a byte of all ones is 8 valid rows.
      const used = Math.ceil(rows / 8);
      for (let b = 0; b < used; b++) {
        const byte = validity[b] as number;
        if (byte === 0xff) continue;
        for (let bit = 0; bit < 8; bit++) {
          const row = b * 8 + bit;
          if (row < rows && (byte & (1 << bit)) === 0) this.nulls.push(this.rows + row);
        }
      }
    }
    this.rows += rows;
  }

  finish(): Column {
    const { name, kind, nulls } = this;
    if (kind === "float32") return { name, dtype: "float32", values: this.fill(new Float32Array(this.rows), (v) => v as number, NaN) };
    if ((kind === "int32" || kind === "bool") && nulls.length === 0) {
      return { name, dtype: kind, values: this.fill(kind === "bool" ? new Uint8Array(this.rows) : new Int32Array(this.rows), (v) => v as number, 0) };
    }
    if (kind === "int64") return this.finishInt64();
    const scale = this.msPerUnit;
    return { name, dtype: kind === "timestamp" ? "timestamp" : "float64", values: this.fill(new Float64Array(this.rows), (v) => Number(v) * scale, NaN) };
  }

  /** BIGINT: float64 when every value is exact as a double (|v| <= 2^53), as a BigInt64Array otherwise. */
  private finishInt64(): Column {
    const { name, nulls } = this;
    const out = new Float64Array(this.rows);
    let exact = true;
    let at = 0;
    // The bytes under a null are junk: they must not decide whether the column is exact.
    const missing = new Set(nulls);
    for (const part of this.parts as (BigInt64Array | BigUint64Array)[]) {
      // Each value as two 32-bit halves: a double holds it exactly when the high half fits in 21 bits and a sign.
      const halves = new Int32Array(part.buffer, part.byteOffset, part.length * 2);
      const unsigned = part instanceof BigUint64Array;
      for (let i = 0; i < part.length; i++) {
        const lo = halves[2 * i] as number;
        const hi = halves[2 * i + 1] as number;
        if ((unsigned ? hi < 0 || hi >= 0x200000 : hi < -0x200000 || hi >= 0x200000) && !missing.has(at)) exact = false;
        out[at++] = (unsigned ? hi >>> 0 : hi) * 4294967296 + (lo >>> 0);
      }
    }
    if (exact) {
      for (const row of nulls) out[row] = NaN;
      return { name, dtype: "float64", values: out };
    }
    if (nulls.length > 0 || this.parts[0] instanceof BigUint64Array) {
      throw new DataError(
        `column ${JSON.stringify(name)} has integers beyond ±2^53 ${nulls.length > 0 ? "and nulls" : "that are unsigned"}, which no typed array pipelab holds can keep exactly: cast it in SQL (CAST(${sqlIdentifier(name)} AS DOUBLE), or coalesce the nulls)`,
      );
    }
    return { name, dtype: "int64", values: this.fill(new BigInt64Array(this.rows), (v) => v as bigint, 0n) };
  }

  private fill<T extends Float64Array | Float32Array | Int32Array | Uint8Array | BigInt64Array>(out: T, convert: (v: number | bigint) => number | bigint, missing: number | bigint): T {
    const target = out as unknown as { [i: number]: number | bigint; set(a: ArrayLike<number | bigint>, at: number): void };
    let at = 0;
    for (const part of this.parts) {
      if (this.msPerUnit === 1 && sameKind(part, out)) target.set(part as ArrayLike<number | bigint>, at);
      else for (let i = 0; i < part.length; i++) target[at + i] = convert(part[i] as number | bigint);
      at += part.length;
    }
    for (const row of this.nulls) target[row] = missing;
    return out;
  }
}

/** Whether `set` can copy `part` into `out` (both numbers, or both bigints). */
function sameKind(part: Numbers, out: ArrayLike<unknown>): boolean {
  const big = (a: unknown): boolean => a instanceof BigInt64Array || a instanceof BigUint64Array;
  return big(part) === big(out);
}

/**
 * HUGEINT and DECIMAL values as float64, one value at a time through
 * node-api's readers: they come from aggregates (small results) and decimal
 * columns, not the bulk numeric path.
 */
class WideNumberBuilder implements Builder {
  private readonly values: number[] = [];

  constructor(private readonly name: string) {}

  add(_bindings: Bindings, chunk: DuckDBDataChunk, column: number, rows: number): void {
    const vector = chunk.getColumnVector(column);
    for (let i = 0; i < rows; i++) {
      const v = vector.getItem(i) as bigint | { toDouble(): number } | null;
      this.values.push(v === null ? NaN : typeof v === "bigint" ? Number(v) : v.toDouble());
    }
  }

  finish(): Column {
    return { name: this.name, dtype: "float64", values: Float64Array.from(this.values) };
  }
}

/** An ENUM column (what a category loaded into DuckDB stays as): its codes copied, its members the dictionary. */
class EnumBuilder implements Builder {
  private readonly parts: Int32Array[] = [];
  private readonly source: typeof Uint8Array | typeof Uint16Array | typeof Uint32Array;

  constructor(
    private readonly name: string,
    private readonly type: { values: readonly string[]; internalTypeId: number },
    private readonly strings: StringColumns,
  ) {
    this.source = type.internalTypeId === 6 ? Uint8Array : type.internalTypeId === 7 ? Uint16Array : Uint32Array;
  }

  add(bindings: Bindings, chunk: DuckDBDataChunk, column: number, rows: number): void {
    const vector = bindings.data_chunk_get_vector(chunk.chunk, column);
    const bytes = bindings.vector_get_data(vector, rows * this.source.BYTES_PER_ELEMENT);
    const codes = Int32Array.from(new this.source(bytes.buffer as ArrayBuffer, bytes.byteOffset, rows));
    const validity = bindings.vector_get_validity(vector, Math.ceil(rows / 64) * 8);
    if (validity) for (let i = 0; i < rows; i++) if (((validity[i >> 3] as number) & (1 << (i & 7))) === 0) codes[i] = -1;
    this.parts.push(codes);
  }

  finish(): Column {
    const total = this.parts.reduce((n, p) => n + p.length, 0);
    const codes = new Int32Array(total);
    let at = 0;
    for (const p of this.parts) {
      codes.set(p, at);
      at += p.length;
    }
    const dictionary = [...this.type.values];
    if (this.strings === "strings") return { name: this.name, dtype: "string", values: Array.from(codes, (c) => (c < 0 ? null : (dictionary[c] ?? null))) };
    return { name: this.name, dtype: "category", values: codes, dictionary };
  }
}

/**
 * Text columns. DuckDB holds a string in 16 bytes: its length, then the
 * string itself when it has at most 12 bytes, else a prefix and a pointer.
 * Short strings (most categories) are read straight from those bytes, with
 * the distinct ones decoded once; only longer ones go through node-api's
 * per-value reader.
 */
/**
 * The codes of short strings keyed by their 16 bytes in DuckDB's vector (a
 * string of at most 12 bytes is held whole there, zero-padded): an
 * open-addressing table in typed arrays, so a row costs a hash and a compare.
 */
class InlineIndex {
  private keys = new Uint32Array(64 * 4);
  private codes = new Int32Array(64).fill(-1);
  private size = 0;

  /** The code of the string at row `i` of `words`, or -1. */
  find(words: Uint32Array, i: number): number {
    const mask = this.codes.length - 1;
    const w0 = words[4 * i] as number;
    const w1 = words[4 * i + 1] as number;
    const w2 = words[4 * i + 2] as number;
    const w3 = words[4 * i + 3] as number;
    for (let slot = slotOf(w0, w1, w2, w3) & mask; ; slot = (slot + 1) & mask) {
      const code = this.codes[slot] as number;
      if (code < 0) return -1;
      const k = 4 * slot;
      if (this.keys[k] === w0 && this.keys[k + 1] === w1 && this.keys[k + 2] === w2 && this.keys[k + 3] === w3) return code;
    }
  }

  add(words: Uint32Array, i: number, code: number): void {
    if (2 * (this.size + 1) > this.codes.length) this.grow();
    this.put(words[4 * i] as number, words[4 * i + 1] as number, words[4 * i + 2] as number, words[4 * i + 3] as number, code);
  }

  private put(w0: number, w1: number, w2: number, w3: number, code: number): void {
    const mask = this.codes.length - 1;
    let slot = slotOf(w0, w1, w2, w3) & mask;
    while ((this.codes[slot] as number) >= 0) slot = (slot + 1) & mask;
    this.codes[slot] = code;
    this.keys.set([w0, w1, w2, w3], 4 * slot);
    this.size++;
  }

  private grow(): void {
    const { keys, codes } = this;
    this.keys = new Uint32Array(keys.length * 2);
    this.codes = new Int32Array(codes.length * 2).fill(-1);
    this.size = 0;
    for (let slot = 0; slot < codes.length; slot++) {
      const code = codes[slot] as number;
      if (code >= 0) this.put(keys[4 * slot] as number, keys[4 * slot + 1] as number, keys[4 * slot + 2] as number, keys[4 * slot + 3] as number, code);
    }
  }
}

/** A slot for 16 bytes: their words mixed by multiplication (Knuth's golden-ratio constant), the high bits folded down. */
function slotOf(w0: number, w1: number, w2: number, w3: number): number {
  let h = Math.imul(w0 ^ 0x2545f491, 0x9e3779b1);
  h = Math.imul(h ^ w1, 0x9e3779b1);
  h = Math.imul(h ^ w2, 0x9e3779b1);
  h = Math.imul(h ^ w3, 0x9e3779b1);
  return (h ^ (h >>> 15)) >>> 0;
}

class TextBuilder implements Builder {
  private readonly values: (string | null)[] = [];
  private codes = new Int32Array(1024);
  private count = 0;
  private readonly dictionary: string[] = [];
  private readonly index = new Map<string, number>();
  /** Short strings by their 16 bytes: their code, found without decoding them. */
  private readonly inline = new InlineIndex();
  private readonly decoder = new TextDecoder();

  constructor(
    private readonly name: string,
    private readonly strings: StringColumns,
  ) {}

  add(bindings: Bindings, chunk: DuckDBDataChunk, column: number, rows: number): void {
    const raw = bindings.data_chunk_get_vector(chunk.chunk, column);
    const bytes = bindings.vector_get_data(raw, rows * 16);
    const words = new Uint32Array(bytes.buffer, bytes.byteOffset, rows * 4);
    const validity = bindings.vector_get_validity(raw, Math.ceil(rows / 64) * 8);
    let slow: ReturnType<DuckDBDataChunk["getColumnVector"]> | undefined;
    if (this.count + rows > this.codes.length) {
      const grown = new Int32Array(Math.max(this.codes.length * 2, this.count + rows));
      grown.set(this.codes.subarray(0, this.count));
      this.codes = grown;
    }
    for (let i = 0; i < rows; i++) {
      if (validity && ((validity[i >> 3] as number) & (1 << (i & 7))) === 0) {
        this.push(null, -1);
        continue;
      }
      const length = words[4 * i] as number;
      if (length <= 12) {
        this.pushInline(bytes, words, i, length);
        continue;
      }
      slow ??= chunk.getColumnVector(column);
      const v = slow.getItem(i) as string | null;
      this.push(v, v === null ? -1 : this.codeOf(v));
    }
  }

  private pushInline(bytes: Uint8Array, words: Uint32Array, i: number, length: number): void {
    let code = this.inline.find(words, i);
    if (code < 0) {
      code = this.codeOf(this.decoder.decode(bytes.subarray(16 * i + 4, 16 * i + 4 + length)));
      this.inline.add(words, i, code);
    }
    this.push(null, code);
  }

  private codeOf(text: string): number {
    let code = this.index.get(text);
    if (code === undefined) {
      code = this.dictionary.length;
      this.dictionary.push(text);
      this.index.set(text, code);
    }
    return code;
  }

  private push(text: string | null, code: number): void {
    if (this.strings === "strings") this.values.push(code < 0 ? null : (text ?? (this.dictionary[code] as string)));
    else this.codes[this.count] = code;
    this.count++;
  }

  finish(): Column {
    if (this.strings === "strings") return { name: this.name, dtype: "string", values: this.values };
    return { name: this.name, dtype: "category", values: this.codes.slice(0, this.count), dictionary: this.dictionary };
  }
}
