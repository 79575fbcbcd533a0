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
 */
import { CacheError } from "../errors";
import { serializerFor, serializerNamed } from "./serializers";

/** Bump when the payload layout changes. Part of every cache key. */
export const CODEC_VERSION = 1;

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

interface Blob {
  bytes: Uint8Array;
  offset: number;
}

class Writer {
  readonly blobs: Blob[] = [];
  size = 0;
  readonly ancestors = new Set<object>();

  blob(view: ArrayBufferView): { o: number; n: number } {
    const offset = align8(this.size);
    const bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
    this.blobs.push({ bytes, offset });
    this.size = offset + bytes.byteLength;
    return { o: offset, n: bytes.byteLength };
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

async function encodeValue(value: unknown, w: Writer, path: string): Promise<unknown> {
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
    return await encodeObject(obj, w, path);
  } finally {
    w.ancestors.delete(obj);
  }
}

async function encodeObject(obj: object, w: Writer, path: string): Promise<unknown> {
  if (Array.isArray(obj)) {
    const out: unknown[] = new Array(obj.length);
    for (let i = 0; i < obj.length; i++) out[i] = await encodeValue(obj[i], w, `${path}[${i}]`);
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
      entries.push([await encodeValue(k, w, `${path}<key ${i}>`), await encodeValue(v, w, `${path}.get(${JSON.stringify(k)})`)]);
      i++;
    }
    return { $: "map", v: entries };
  }
  if (obj instanceof Set) {
    const items: unknown[] = [];
    let i = 0;
    for (const v of obj) items.push(await encodeValue(v, w, `${path}<item ${i++}>`));
    return { $: "set", v: items };
  }
  const proto = Object.getPrototypeOf(obj) as object | null;
  if (proto === Object.prototype || proto === null) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(obj)) out[key] = await encodeValue((obj as Record<string, unknown>)[key], w, path ? `${path}.${key}` : key);
    return "$" in out ? { $: "obj", v: out } : out;
  }
  const serializer = serializerFor(obj);
  if (!serializer) throw new UnserializableError(path, typeName(obj));
  const tree = await serializer.encode(obj);
  return { $: "ser", n: serializer.name, ver: serializer.version, v: await encodeValue(tree, w, path) };
}

/** Encodes a value into bytes. Throws UnserializableError for what it cannot hold. */
export async function encode(value: unknown): Promise<Buffer> {
  const w = new Writer();
  const skeleton = Buffer.from(JSON.stringify(await encodeValue(value, w, "")), "utf8");
  const blobStart = align8(4 + skeleton.byteLength);
  const out = Buffer.alloc(blobStart + w.size);
  out.writeUInt32LE(skeleton.byteLength, 0);
  skeleton.copy(out, 4);
  for (const b of w.blobs) out.set(b.bytes, blobStart + b.offset);
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

async function decodeValue(node: unknown, r: Reader): Promise<unknown> {
  if (node === null || typeof node !== "object") return node;
  if (Array.isArray(node)) {
    const out: unknown[] = new Array(node.length);
    for (let i = 0; i < node.length; i++) out[i] = await decodeValue(node[i], r);
    return out;
  }
  const n = node as Record<string, unknown>;
  switch (n.$) {
    case undefined: {
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(n)) out[key] = await decodeValue(n[key], r);
      return out;
    }
    case "obj": {
      const inner = n.v as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(inner)) out[key] = await decodeValue(inner[key], r);
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
    case "map": {
      const m = new Map<unknown, unknown>();
      for (const [k, v] of n.v as [unknown, unknown][]) m.set(await decodeValue(k, r), await decodeValue(v, r));
      return m;
    }
    case "set": {
      const s = new Set<unknown>();
      for (const v of n.v as unknown[]) s.add(await decodeValue(v, r));
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
      return serializer.decode(await decodeValue(n.v, r));
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
  return decodeValue(skeleton, { payload, blobStart: align8(4 + length) });
}
