/**
 * Serializers turn values that plain JSON cannot hold (a DataFrame, a tensor,
 * a trained model, your own classes) into a tree of JSON values and typed
 * arrays, and back. The codec (codec.ts) writes that tree with the typed
 * arrays as raw bytes.
 *
 * A registry is plain data and refuses to overwrite an entry unless told.
 */
import { CacheError } from "../errors";
import { ColumnarTable, isColumnarTable } from "../data/columnar";
import type { ColumnValues, Dtype } from "../data/columnar";
import { adoptColumns, danfojs, isDanfoFrame, isDanfoSeries, tensorflow } from "../util";

/** What a serializer's encode returns: JSON values, typed arrays, Dates, Maps, Sets, nested. */
export type Encodable = unknown;

export interface Serializer<T = unknown> {
  /** A unique name, e.g. "danfo.DataFrame". Stored with the data. */
  readonly name: string;
  /** Bump when the encoded form changes: older artifacts are then recomputed, not misread. */
  readonly version: number;
  /** Whether this serializer handles `value`. */
  test(value: unknown): boolean;
  /** The value as an encodable tree. */
  encode(value: T): Encodable | Promise<Encodable>;
  /** The value back from the tree encode produced. */
  decode(tree: Encodable): T | Promise<T>;
}

const registry = new Map<string, Serializer>();

/**
 * Registers a serializer for a type the cache cannot store yet.
 *
 * @example
 * ```ts
 * registerSerializer({
 *   name: "my.Vocabulary", version: 1,
 *   test: (v) => v instanceof Vocabulary,
 *   encode: (v) => ({ words: v.words }),
 *   decode: (t) => new Vocabulary((t as { words: string[] }).words),
 * });
 * ```
 */
export function registerSerializer<T>(serializer: Serializer<T>, options: { replace?: boolean } = {}): void {
  if (registry.has(serializer.name) && !options.replace) {
    throw new CacheError(`a serializer named "${serializer.name}" is already registered; pass { replace: true } to replace it`);
  }
  registry.set(serializer.name, serializer as Serializer);
}

/** The serializer that handles `value`, if any: the latest registered wins, so users can override built-ins. */
export function serializerFor(value: unknown): Serializer | undefined {
  const all = [...registry.values()];
  for (let i = all.length - 1; i >= 0; i--) {
    const s = all[i] as Serializer;
    if (s.test(value)) return s;
  }
  return undefined;
}

export function serializerNamed(name: string): Serializer | undefined {
  return registry.get(name);
}

/** The names and versions of the registered serializers, e.g. for a cache key. */
export function serializerVersions(): Record<string, number> {
  return Object.fromEntries([...registry.values()].map((s) => [s.name, s.version]));
}

// ---------------------------------------------------------------------------
// Built-in serializers: danfo DataFrame and Series, tf.Tensor, tf.LayersModel.
// Each loads its library only when a value of its kind shows up.

const danfo = danfojs;
const tf = tensorflow;

/** Whether a library is already loaded: a value of its type can only exist if it is. */
function loaded(fragment: string): boolean {
  return Object.keys(require.cache).some((k) => k.includes(fragment));
}

/** A column as a Float64Array when it is all numbers (NaN included), else as it is (the codec packs it). */
function packColumn(values: readonly unknown[]): Float64Array | unknown[] {
  for (const v of values) if (typeof v !== "number") return values as unknown[];
  return Float64Array.from(values as number[]);
}

function unpackColumn(column: Float64Array | unknown[]): unknown[] {
  return Array.isArray(column) ? column : toArray(column);
}

/** A typed array as a plain array; a loop is several times faster than Array.from's iterator here. */
export function toArray(typed: ArrayLike<number>): number[] {
  const out: number[] = new Array(typed.length);
  for (let i = 0; i < typed.length; i++) out[i] = typed[i] as number;
  return out;
}

interface FrameTree {
  columns: string[];
  dtypes: string[];
  index: unknown[];
  data: (Float64Array | unknown[])[];
}

registerSerializer<import("danfojs-node").DataFrame>({
  name: "danfo.DataFrame",
  version: 2,
  test: (v) => isDanfoFrame(v),
  encode(df): FrameTree {
    const columns = df.columns;
    const data = (columns.length === 0 ? [] : df.getColumnData) as unknown[][];
    return { columns, dtypes: df.dtypes, index: [...df.index], data: data.map((col) => packColumn(col)) };
  },
  decode(tree) {
    const t = tree as FrameTree;
    const columns = t.data.map((c) => unpackColumn(c));
    const n = t.index.length;
    if (n === 0 || columns.length === 0) {
      return new (danfo().DataFrame)(Object.fromEntries(t.columns.map((c) => [c, []])), { columns: t.columns });
    }
    const rowsOf = (): unknown[][] => {
      const rows: unknown[][] = new Array(n);
      for (let i = 0; i < n; i++) {
        const row = new Array(columns.length);
        for (let j = 0; j < columns.length; j++) row[j] = (columns[j] as unknown[])[i];
        rows[i] = row;
      }
      return rows;
    };
    const index = t.index as (string | number)[];
    const firstRow = columns.map((c) => c[0]);
    // danfo's constructor validates and transposes what a danfo frame already validated when it
    // was cached: most of a disk hit's time. Build a one-row frame, which checks names and dtypes,
    // and hand it the stored columns and index. Frames in danfo's default mode keep the data twice,
    // by column and by row; the rows are built on first use, so a cached frame that only passes
    // through to the next (cached) step never pays for them.
    const df = new (danfo().DataFrame)([firstRow], { index: [index[0] as string | number], dtypes: t.dtypes, columns: t.columns });
    if (adoptColumns(df, columns, index, rowsOf)) return df;
    return new (danfo().DataFrame)(rowsOf(), { index, dtypes: t.dtypes, columns: t.columns });
  },
});

interface ColumnarTree {
  columns: { name: string; dtype: Dtype; values: ColumnValues; dictionary?: readonly string[] }[];
}

// Columns as they are held: typed arrays go to the payload as raw bytes and come back as views, so
// a disk hit costs a read of the file and no per-value work (strings and dictionaries are packed).
registerSerializer<ColumnarTable>({
  name: "pipelab.ColumnarTable",
  version: 1,
  test: (v) => isColumnarTable(v),
  encode(table): ColumnarTree {
    return { columns: table.columns.map((name) => ({ ...table.columnInfo(name) })) };
  },
  decode(tree) {
    return new ColumnarTable((tree as ColumnarTree).columns);
  },
});

interface SeriesTree {
  name: string;
  dtype: string;
  index: unknown[];
  values: Float64Array | unknown[];
}

registerSerializer<import("danfojs-node").Series>({
  name: "danfo.Series",
  version: 1,
  test: (v) => isDanfoSeries(v),
  encode(s): SeriesTree {
    return { name: String(s.columns?.[0] ?? ""), dtype: s.dtype, index: [...s.index], values: packColumn(s.values as unknown[]) };
  },
  decode(tree) {
    const t = tree as SeriesTree;
    return new (danfo().Series)(unpackColumn(t.values), { index: t.index as (string | number)[], dtypes: [t.dtype], columns: [t.name] });
  },
});

interface TensorTree {
  shape: number[];
  dtype: string;
  data: ArrayBufferView | string[];
}

registerSerializer<import("@tensorflow/tfjs").Tensor>({
  name: "tf.Tensor",
  version: 1,
  test: (v) => loaded("tfjs-core") && v instanceof tf().Tensor,
  encode(t): TensorTree {
    if (t.isDisposed) throw new CacheError("the tensor was disposed before it could be cached: return it from the step undisposed");
    // String tensors hold byte arrays per element; keep them as strings.
    const data = t.dtype === "string" ? (t.arraySync() as unknown as string[]).flat(Infinity as 1) : (t.dataSync() as ArrayBufferView);
    return { shape: [...t.shape], dtype: t.dtype, data: data as ArrayBufferView | string[] };
  },
  decode(tree) {
    const t = tree as TensorTree;
    return tf().tensor(t.data as Float32Array, t.shape, t.dtype as import("@tensorflow/tfjs").DataType);
  },
});

interface ModelTree {
  modelTopology: unknown;
  weightSpecs: unknown;
  weightData: Uint8Array;
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  trainingConfig?: unknown;
}

registerSerializer<import("@tensorflow/tfjs").LayersModel>({
  name: "tf.LayersModel",
  version: 1,
  test: (v) => loaded("tfjs-layers") && v instanceof tf().LayersModel,
  async encode(model): Promise<ModelTree> {
    let saved: ModelTree | undefined;
    await model.save(
      tf().io.withSaveHandler(async (artifacts) => {
        const weights = artifacts.weightData;
        const bytes = weights === undefined ? new Uint8Array() : new Uint8Array(Array.isArray(weights) ? concatBuffers(weights) : weights);
        saved = {
          modelTopology: artifacts.modelTopology,
          weightSpecs: artifacts.weightSpecs,
          weightData: bytes,
          ...(artifacts.format === undefined ? {} : { format: artifacts.format }),
          ...(artifacts.generatedBy === undefined ? {} : { generatedBy: artifacts.generatedBy }),
          ...(artifacts.trainingConfig === undefined ? {} : { trainingConfig: artifacts.trainingConfig }),
        };
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" } };
      }),
    );
    if (!saved) throw new CacheError("tf.LayersModel.save produced nothing");
    return saved;
  },
  async decode(tree) {
    const t = tree as ModelTree;
    const weightData = t.weightData.buffer.slice(t.weightData.byteOffset, t.weightData.byteOffset + t.weightData.byteLength) as ArrayBuffer;
    return tf().loadLayersModel(
      tf().io.fromMemory({
        modelTopology: t.modelTopology as object,
        weightSpecs: t.weightSpecs as import("@tensorflow/tfjs").io.WeightsManifestEntry[],
        weightData,
        ...(t.trainingConfig === undefined ? {} : { trainingConfig: t.trainingConfig as import("@tensorflow/tfjs").io.TrainingConfig }),
      }),
    );
  },
});

function concatBuffers(buffers: ArrayBuffer[]): ArrayBuffer {
  const total = buffers.reduce((n, b) => n + b.byteLength, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const b of buffers) {
    out.set(new Uint8Array(b), at);
    at += b.byteLength;
  }
  return out.buffer;
}
