/**
 * The codec: any cacheable value <-> bytes.
 *
 * The value is walked into a JSON skeleton; typed arrays (numeric columns,
 * tensor data, model weights) leave the skeleton and are appended as raw,
 * 8-byte-aligned bytes, so that decoding them is a view, not a parse.
 *
 *   payload = u32 skeleton length | skeleton (UTF-8 JSON) | pad to 8 | blobs
 *
 * Special values in the skeleton are objects with a "$" key; a plain object
 * that has a "$" key of its own is wrapped, so nothing is ambiguous.
 *
 * Arrays are where the bytes are (data frame columns, indexes): an array of
 * numbers is stored as float64 bytes, 0..n-1 as its length, and an array of
 * strings (null and undefined allowed) as one blob of their bytes and one of
 * each element's byte length, or, when its values repeat, as a dictionary
 * (its distinct values, packed the same way) and a code per element. Packing
 * keeps millions of elements out of the JSON skeleton: building, stringifying
 * and parsing a skeleton that size took most of the time, and more than
 * linearly more for larger arrays (the collector's work grows with the heap).
 * The walk is synchronous (awaiting per element costs more than the work); a
 * serializer that returns a promise (a tf model) is awaited once, after the walk.
 */
import { CacheError } from "../errors";
import { serializerFor, serializerNamed, toArray } from "./serializers";

/** Bump when the payload layout changes. Part of every cache key. */
export const CODEC_VERSION = 3;

const TYPED_ARRAYS = {
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
} as const;
type TypedArrayName = keyof typeof TYPED_ARRAYS;

/** A value the codec cannot store, with where it sits in the output and what it is. */
export class UnserializableError extends CacheError {
  readonly path: string;
  readonly typeName: string;
  constructor(path: string, typeName: string, detail = "") {
    super(`${typeName}${path ? ` at ${path}` : ""} has no serializer${detail}`);
    this.path = path;
    this.typeName = typeName;
  }
}

/** Bytes at an offset of the blob area: a view to copy, or a function that writes them in place. */
interface Blob {
  offset: number;
  size: number;
  bytes?: Uint8Array;
  write?: (out: Buffer, at: number) => void;
}

class Writer {
  readonly blobs: Blob[] = [];
  size = 0;
  readonly ancestors = new Set<object>();
  readonly pending: Promise<() => void>[] = [];

  blob(view: ArrayBufferView): { o: number; n: number } {
    return this.add({ offset: align8(this.size), size: view.byteLength, bytes: new Uint8Array(view.buffer, view.byteOffset, view.byteLength) });
  }

  /**
   * `size` bytes that `write` puts straight into the payload. Strings are
   * written this way: a buffer of their own would be allocated and copied for
   * nothing, and large allocations outside the heap bring on full collections.
   */
  reserve(size: number, write: (out: Buffer, at: number) => void): { o: number; n: number } {
    return this.add({ offset: align8(this.size), size, write });
  }

  private add(blob: Blob): { o: number; n: number } {
    this.blobs.push(blob);
    this.size = blob.offset + blob.size;
    return { o: blob.offset, n: blob.size };
  }
}

function align8(n: number): number {
  return (n + 7) & ~7;
}

function typeName(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "function") return `function ${(value as { name?: string }).name || "(anonymous)"}`;
  if (typeof value !== "object") return typeof value;
  const name = (value as object).constructor?.name;
  return name ? `${/^[aeiou]/i.test(name) ? "an" : "a"} ${name}` : "an object without a prototype";
}

/** An array of at least this many elements is considered for packing. */
const PACK_MIN = 16;

function encodeValue(value: unknown, w: Writer, path: string): unknown {
  switch (typeof value) {
    case "string":
    case "boolean":
      return value;
    case "number":
      return Number.isFinite(value) && !Object.is(value, -0) ? value : { $: "num", v: String(Object.is(value, -0) ? "-0" : value) };
    case "undefined":
      return { $: "undef" };
    case "bigint":
      return { $: "bigint", v: value.toString() };
    case "function":
    case "symbol":
      throw new UnserializableError(path, typeName(value));
  }
  if (value === null) return null;
  const obj = value as object;
  if (w.ancestors.has(obj)) throw new UnserializableError(path, typeName(value), " (it refers to itself: a circular structure)");
  w.ancestors.add(obj);
  try {
    return encodeObject(obj, w, path);
  } finally {
    w.ancestors.delete(obj);
  }
}

/** A packed form of an array of numbers or strings, or undefined when it has other elements. */
function packArray(arr: readonly unknown[], w: Writer): unknown {
  const n = arr.length;
  if (n < PACK_MIN) return undefined;
  const first = arr[0];
  if (typeof first === "number") {
    let range = true;
    for (let i = 0; i < n; i++) {
      const v = arr[i];
      if (typeof v !== "number") return undefined;
      if (range && v !== i) range = false;
    }
    if (range) return { $: "range", n };
    return { $: "nums", ...w.blob(Float64Array.from(arr as number[])) };
  }
  if (typeof first === "string" || first === null || first === undefined) {
    if (!isStringArray(arr)) return undefined;
    return packDictionary(arr, w) ?? packStrings(arr, w);
  }
  return undefined;
}

/** An element of a packed string array. */
type StringElement = string | null | undefined;

/** Whether every element is a string, null or undefined, and at least one is a string. */
function isStringArray(arr: readonly unknown[]): arr is readonly StringElement[] {
  let strings = false;
  for (let i = 0; i < arr.length; i++) {
    const v = arr[i];
    if (typeof v === "string") strings = true;
    else if (v !== null && v !== undefined) return false;
  }
  return strings;
}

/**
 * A dictionary pays when values repeat: a code per element instead of the
 * string, and the decoded elements share one string per value. It is given up
 * as soon as more than half of the elements, or more than DICT_MAX values,
 * are distinct: a larger map costs more to build than the strings cost to
 * write. The rule depends on the array alone, so equal arrays encode to equal
 * bytes.
 */
const DICT_MAX = 65536;

function packDictionary(arr: readonly StringElement[], w: Writer): unknown {
  const n = arr.length;
  const codes = new Map<StringElement, number>();
  const values: StringElement[] = [];
  const indexes = new Uint16Array(n);
  for (let i = 0; i < n; i++) {
    const v = arr[i];
    let code = codes.get(v);
    if (code === undefined) {
      code = values.length;
      if (code + 1 > n / 2 || code + 1 > DICT_MAX) return undefined;
      codes.set(v, code);
      values.push(v);
    }
    indexes[i] = code;
  }
  const packed = values.length <= 256 ? new Uint8Array(indexes) : indexes;
  return { $: "dict", values: packStrings(values, w), t: packed.constructor.name, ...w.blob(packed) };
}

/** Byte lengths that stand for a missing element in a packed string array. */
const NULL_LENGTH = -1;
const UNDEFINED_LENGTH = -2;

type StringEncoding = "utf8" | "utf16le";

// String.prototype.isWellFormed (ES2024, in Node 20) is newer than the ES2022 library this project compiles against.
const isWellFormed = (s: string): boolean => (s as unknown as { isWellFormed(): boolean }).isWellFormed();

/**
 * Strings as one blob of bytes and a blob of each element's byte length
 * (negative for null and undefined), in two linear passes:
 *
 *   { $: "strs", e: "utf8" | "utf16le", lengths: { t: "Int8Array" | "Int16Array" | "Int32Array", o, n }, o, n }
 *
 * UTF-8, unless a string holds a lone surrogate, which UTF-8 cannot carry:
 * then the whole array is stored as UTF-16 code units, which keep it exact.
 */
function packStrings(arr: readonly StringElement[], w: Writer): unknown {
  const n = arr.length;
  let encoding: StringEncoding = "utf8";
  for (let i = 0; i < n; i++) {
    const v = arr[i];
    if (typeof v === "string" && !isWellFormed(v)) {
      encoding = "utf16le";
      break;
    }
  }
  const lengths = new Int32Array(n);
  let total = 0;
  let longest = 0;
  for (let i = 0; i < n; i++) {
    const v = arr[i];
    if (typeof v === "string") {
      const length = encoding === "utf8" ? Buffer.byteLength(v, "utf8") : 2 * v.length;
      lengths[i] = length;
      total += length;
      if (length > longest) longest = length;
    } else lengths[i] = v === null ? NULL_LENGTH : UNDEFINED_LENGTH;
  }
  // Most strings in a column are short: their lengths fit in a byte or two.
  const packed = longest <= 0x7f ? new Int8Array(lengths) : longest <= 0x7fff ? new Int16Array(lengths) : lengths;
  const lengthsBlob = { t: packed.constructor.name, ...w.blob(packed) };
  const bytes = w.reserve(total, (out, start) => {
    // A write per string. Joining strings into fewer writes is faster on its own, but its garbage
    // makes the collector mark the whole heap (the array included) in about half of large encodes.
    let at = start;
    for (let i = 0; i < n; i++) {
      const v = arr[i];
      if (typeof v === "string") at += out.write(v, at, encoding);
    }
    // The bytes are written after the walk, when async serializers have been awaited.
    if (at - start !== total) throw new CacheError("a string array changed while it was being cached: do not modify a step's output while the step is being stored");
  });
  return { $: "strs", e: encoding, lengths: lengthsBlob, ...bytes };
}

function encodeObject(obj: object, w: Writer, path: string): unknown {
  if (Array.isArray(obj)) {
    const packed = packArray(obj, w);
    if (packed !== undefined) return packed;
    const out: unknown[] = new Array(obj.length);
    for (let i = 0; i < obj.length; i++) out[i] = encodeValue(obj[i], w, `${path}[${i}]`);
    return out;
  }
  if (ArrayBuffer.isView(obj) && !(obj instanceof DataView)) {
    const name = obj.constructor.name as TypedArrayName;
    if (!(name in TYPED_ARRAYS) && !(obj instanceof Uint8Array)) throw new UnserializableError(path, typeName(obj));
    // A Buffer is stored as its bytes and comes back as a Uint8Array-backed Buffer.
    const t = obj instanceof Buffer ? "Buffer" : name;
    return { $: "ta", t, ...w.blob(obj) };
  }
  if (obj instanceof ArrayBuffer) return { $: "ab", ...w.blob(new Uint8Array(obj)) };
  if (obj instanceof Date) return { $: "date", v: Number.isNaN(obj.getTime()) ? null : obj.toISOString() };
  if (obj instanceof Map) {
    const entries: unknown[] = [];
    let i = 0;
    for (const [k, v] of obj) {
      entries.push([encodeValue(k, w, `${path}<key ${i}>`), encodeValue(v, w, `${path}.get(${JSON.stringify(k)})`)]);
      i++;
    }
    return { $: "map", v: entries };
  }
  if (obj instanceof Set) {
    const items: unknown[] = [];
    let i = 0;
    for (const v of obj) items.push(encodeValue(v, w, `${path}<item ${i++}>`));
    return { $: "set", v: items };
  }
  const proto = Object.getPrototypeOf(obj) as object | null;
  if (proto === Object.prototype || proto === null) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(obj)) out[key] = encodeValue((obj as Record<string, unknown>)[key], w, path ? `${path}.${key}` : key);
    return "$" in out ? { $: "obj", v: out } : out;
  }
  const serializer = serializerFor(obj);
  if (!serializer) throw new UnserializableError(path, typeName(obj));
  const node: { $: "ser"; n: string; ver: number; v?: unknown } = { $: "ser", n: serializer.name, ver: serializer.version };
  const tree = serializer.encode(obj);
  if (tree instanceof Promise) {
    // Filled in after the walk: an async serializer (a tf model) is awaited once, not per element.
    w.pending.push(tree.then((t) => () => (node.v = encodeValue(t, w, path))));
  } else node.v = encodeValue(tree, w, path);
  return node;
}

/** Encodes a value into bytes. Throws UnserializableError for what it cannot hold. */
export async function encode(value: unknown): Promise<Buffer> {
  const w = new Writer();
  const skeletonTree = encodeValue(value, w, "");
  while (w.pending.length > 0) {
    const fills = await Promise.all(w.pending.splice(0));
    for (const fill of fills) fill();
  }
  const skeleton = Buffer.from(JSON.stringify(skeletonTree), "utf8");
  const blobStart = align8(4 + skeleton.byteLength);
  const out = Buffer.allocUnsafe(blobStart + w.size);
  out.fill(0, 0, blobStart);
  out.writeUInt32LE(skeleton.byteLength, 0);
  skeleton.copy(out, 4);
  let end = blobStart;
  for (const b of w.blobs) {
    out.fill(0, end, blobStart + b.offset);
    if (b.bytes) out.set(b.bytes, blobStart + b.offset);
    else b.write?.(out, blobStart + b.offset);
    end = blobStart + b.offset + b.size;
  }
  return out;
}

interface Reader {
  payload: Buffer;
  blobStart: number;
}

function view(r: Reader, t: string, o: number, n: number): unknown {
  const start = r.payload.byteOffset + r.blobStart + o;
  // Payloads are read from files into ordinary (not shared) buffers.
  const buffer = r.payload.buffer as ArrayBuffer;
  if (t === "Buffer") return Buffer.from(buffer, start, n);
  const Ctor = TYPED_ARRAYS[t as TypedArrayName];
  if (!Ctor) throw new CacheError(`unknown typed array type ${JSON.stringify(t)} in a cache artifact`);
  // Zero-copy when the bytes are aligned for the element type (they are, unless the buffer itself is not).
  if (start % Ctor.BYTES_PER_ELEMENT === 0) return new Ctor(buffer, start, n / Ctor.BYTES_PER_ELEMENT);
  return new Ctor(buffer.slice(start, start + n));
}

/** The array `packStrings` stored: each element decoded from its own bytes. */
function unpackStrings(node: Record<string, unknown>, r: Reader): StringElement[] {
  const encoding = node.e;
  if (encoding !== "utf8" && encoding !== "utf16le") throw new CacheError(`unknown string encoding ${JSON.stringify(encoding)} in a cache artifact`);
  const l = node.lengths as Record<string, unknown>;
  const lengths = view(r, l.t as string, l.o as number, l.n as number) as Int8Array | Int16Array | Int32Array;
  const start = r.blobStart + (node.o as number);
  const out: StringElement[] = new Array(lengths.length);
  let at = start;
  for (let i = 0; i < lengths.length; i++) {
    const length = lengths[i] as number;
    if (length >= 0) {
      out[i] = r.payload.toString(encoding, at, at + length);
      at += length;
    } else if (length === NULL_LENGTH) out[i] = null;
    else if (length === UNDEFINED_LENGTH) out[i] = undefined;
    else throw new CacheError(`a packed string array in a cache artifact has the byte length ${length}`);
  }
  if (at - start !== node.n) throw new CacheError("a packed string array in a cache artifact does not match its byte lengths");
  return out;
}

/** A decoded value that a serializer delivers later (a promise): where to put it when it comes. */
type Fixup = Promise<() => void>;

function decodeValue(node: unknown, r: Reader, later: Fixup[], assign?: (v: unknown) => void): unknown {
  if (node === null || typeof node !== "object") return node;
  if (Array.isArray(node)) {
    const out: unknown[] = new Array(node.length);
    for (let i = 0; i < node.length; i++) out[i] = decodeValue(node[i], r, later, (v) => (out[i] = v));
    return out;
  }
  const n = node as Record<string, unknown>;
  switch (n.$) {
    case undefined:
    case "obj": {
      const inner = (n.$ === "obj" ? n.v : n) as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(inner)) out[key] = decodeValue(inner[key], r, later, (v) => (out[key] = v));
      return out;
    }
    case "num":
      return Number(n.v);
    case "undef":
      return undefined;
    case "bigint":
      return BigInt(n.v as string);
    case "date":
      return new Date(n.v === null ? Number.NaN : (n.v as string));
    case "ta":
      return view(r, n.t as string, n.o as number, n.n as number);
    case "ab": {
      const start = r.payload.byteOffset + r.blobStart + (n.o as number);
      return r.payload.buffer.slice(start, start + (n.n as number));
    }
    case "range": {
      const out: number[] = new Array(n.n as number);
      for (let i = 0; i < out.length; i++) out[i] = i;
      return out;
    }
    case "nums":
      return toArray(view(r, "Float64Array", n.o as number, n.n as number) as Float64Array);
    case "strs":
      return unpackStrings(n, r);
    case "dict": {
      const values = unpackStrings(n.values as Record<string, unknown>, r);
      const codes = view(r, n.t as string, n.o as number, n.n as number) as Uint8Array | Uint16Array;
      const out: StringElement[] = new Array(codes.length);
      for (let i = 0; i < codes.length; i++) out[i] = values[codes[i] as number];
      return out;
    }
    case "map": {
      const m = new Map<unknown, unknown>();
      for (const [k, v] of n.v as [unknown, unknown][]) {
        const key = decodeValue(k, r, later);
        m.set(key, decodeValue(v, r, later, (value) => m.set(key, value)));
      }
      return m;
    }
    case "set": {
      const s = new Set<unknown>();
      for (const v of n.v as unknown[]) s.add(decodeValue(v, r, later, (value) => s.add(value)));
      return s;
    }
    case "ser": {
      const serializer = serializerNamed(n.n as string);
      if (!serializer) {
        throw new CacheError(`the cached value needs the serializer "${String(n.n)}", which is not registered in this process: register it before the step runs`);
      }
      if (serializer.version !== n.ver) {
        throw new CacheError(`the cached value was written by serializer "${String(n.n)}" version ${String(n.ver)}, this process has version ${serializer.version}`);
      }
      const inner: Fixup[] = [];
      const tree = decodeValue(n.v, r, inner);
      if (inner.length > 0 || !assign) {
        // Its tree is not complete yet, or there is no parent to fill in later: decode after the walk.
        const done = Promise.all(inner).then(async (fills) => {
          for (const fill of fills) fill();
          return serializer.decode(tree);
        });
        if (!assign) throw new CacheError("internal: a serializer at the top level must be decoded by decode()");
        later.push(done.then((v) => () => assign(v)));
        return undefined;
      }
      const value = serializer.decode(tree);
      if (value instanceof Promise) {
        later.push(value.then((v) => () => assign(v)));
        return undefined;
      }
      return value;
    }
    default:
      throw new CacheError(`unknown tag ${JSON.stringify(n.$)} in a cache artifact`);
  }
}

/** Decodes bytes made by `encode`. */
export async function decode(payload: Buffer): Promise<unknown> {
  if (payload.byteLength < 4) throw new CacheError("a cache payload is shorter than its own header");
  const length = payload.readUInt32LE(0);
  if (4 + length > payload.byteLength) throw new CacheError("a cache payload is truncated");
  const skeleton = JSON.parse(payload.toString("utf8", 4, 4 + length)) as unknown;
  const holder: { value?: unknown } = {};
  const later: Fixup[] = [];
  holder.value = decodeValue(skeleton, { payload, blobStart: align8(4 + length) }, later, (v) => (holder.value = v));
  while (later.length > 0) {
    const fills = await Promise.all(later.splice(0));
    for (const fill of fills) fill();
  }
  return holder.value;
}
