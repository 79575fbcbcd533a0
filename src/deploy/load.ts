/**
 * loadPipeline: a package folder back as something that predicts. The
 * transformers are rebuilt from their JSON and applied as in the notebook;
 * a dense model (what trainModel builds) predicts through a forward pass
 * over Float32Arrays, any other through tfjs.
 */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type * as TF from "@tensorflow/tfjs";
import { ColumnarTable, readParquet } from "../data";
import { DataError, messageOf } from "../errors";
import { denseNetworkOf, initBackend, transformerFromJSON } from "../ml";
import type { DenseNetwork, Transformer, TransformerJSON } from "../ml";
import { describeUnreadable, tensorflow } from "../util";
import { PACKAGE_FORMAT, PACKAGE_VERSION } from "./package";
import type { Manifest } from "./package";
import { checkRows, recordSchema } from "./signature";
import type { InputError, Signature } from "./signature";

/** One prediction: the label (classification) with its probabilities by class, or the value (regression). */
export interface Prediction {
  readonly label?: string | number | boolean;
  readonly probabilities?: Readonly<Record<string, number>>;
  readonly value?: number;
}

/** Request values that do not fit the signature: every problem names its row and column. */
export class InputRejected extends DataError {
  constructor(readonly problems: readonly InputError[]) {
    super(problems.map((p) => p.message).join("; "));
  }
}

/** A loaded pipeline package. */
export interface LoadedPipeline {
  readonly dir: string;
  readonly name: string;
  readonly manifest: Manifest;
  readonly signature: Signature;
  /** The problems of `rows` against the signature (empty when they fit), each naming the row and column. */
  validate(rows: readonly unknown[]): InputError[];
  /** Predictions for rows (records of input columns); an InputRejected for rows that do not fit. */
  predict(rows: readonly unknown[]): Prediction[];
  /** The JSON schema of one input record. */
  recordSchema(): Record<string, unknown>;
  /** The reference sample of the training inputs (for drift). */
  reference(): Promise<ColumnarTable>;
}

/**
 * Loads a package folder written by `packagePipeline` or `pipelab package`.
 *
 * @example
 * ```ts
 * const penguins = await loadPipeline("packages/penguins");
 * penguins.predict([{ "Beak Length (mm)": 39.1, "Beak Depth (mm)": 18.7, "Flipper Length (mm)": 181, "Body Mass (g)": 3750 }]);
 * // [{ label: "Adelie", probabilities: { Adelie: 0.97, Chinstrap: 0.02, Gentoo: 0.01 } }]
 * ```
 */
export async function loadPipeline(dir: string): Promise<LoadedPipeline> {
  const root = resolve(dir);
  const manifest = readManifest(root);
  const transformers = manifest.transformers.map((json, i) => {
    try {
      return transformerFromJSON(json);
    } catch (error) {
      throw new DataError(`the package ${root}: transformer ${i} (${(json as TransformerJSON).kind}) cannot be rebuilt: ${messageOf(error)}`, { cause: error });
    }
  });
  const model = await loadModel(root);
  const network = denseNetworkOf(model, manifest.model.task);
  return new Pipeline(root, manifest, transformers, model, network);
}

class Pipeline implements LoadedPipeline {
  readonly name: string;
  readonly signature: Signature;
  private readonly inputNames: string[];

  constructor(
    readonly dir: string,
    readonly manifest: Manifest,
    private readonly transformers: readonly Transformer[],
    private readonly model: TF.LayersModel,
    private readonly network: DenseNetwork | undefined,
  ) {
    this.name = manifest.name;
    this.signature = manifest.signature;
    this.inputNames = manifest.signature.inputs.map((c) => c.name);
  }

  validate(rows: readonly unknown[]): InputError[] {
    return checkRows(this.signature, rows);
  }

  predict(rows: readonly unknown[]): Prediction[] {
    if (!Array.isArray(rows)) throw new DataError(`predict takes an array of rows (records of the input columns), got ${typeof rows}`);
    const problems = this.validate(rows);
    if (problems.length > 0) throw new InputRejected(problems);
    if (rows.length === 0) return [];
    let table = this.tableOf(rows as readonly Record<string, unknown>[]);
    for (const t of this.transformers) table = t.transform(table);
    const m = table.toMatrix(this.manifest.model.features);
    const out = this.network ? this.network.forward(m.data, m.rows) : this.predictWithTfjs(m.data, m.rows, m.cols);
    return this.predictions(out, m.rows);
  }

  recordSchema(): Record<string, unknown> {
    return recordSchema(this.signature);
  }

  reference(): Promise<ColumnarTable> {
    return readParquet(join(this.dir, this.manifest.reference.file));
  }

  /** The rows as a table typed by the signature (so a transformer sees the dtypes it was fitted on). */
  private tableOf(rows: readonly Record<string, unknown>[]): ColumnarTable {
    return ColumnarTable.fromColumns(
      Object.fromEntries(
        this.signature.inputs.map((c) => {
          const values = rows.map((r) => (r[c.name] === undefined ? null : r[c.name]));
          return [c.name, c.type === "number" ? Float64Array.from(values, (v) => (typeof v === "number" ? v : NaN)) : values];
        }),
      ),
    );
  }

  private predictWithTfjs(data: Float32Array, rows: number, cols: number): Float32Array {
    const t = tensorflow();
    return t.tidy(() => Float32Array.from((this.model.predict(t.tensor2d(data, [rows, cols])) as TF.Tensor).dataSync() as Float32Array));
  }

  private predictions(out: Float32Array, rows: number): Prediction[] {
    const classes = this.manifest.model.classes;
    if (this.manifest.model.task === "regression" || classes === null) return Array.from({ length: rows }, (_, r) => ({ value: out[r] as number }));
    const k = classes.length;
    const result: Prediction[] = new Array(rows);
    for (let r = 0; r < rows; r++) {
      let best = 0;
      const probabilities: Record<string, number> = {};
      for (let j = 0; j < k; j++) {
        const p = out[r * k + j] as number;
        probabilities[String(classes[j])] = p;
        if (p > (out[r * k + best] as number)) best = j;
      }
      result[r] = { label: classes[best] as string | number | boolean, probabilities };
    }
    return result;
  }
}

/** pipeline.json, its shape checked: what the loader relies on is there. */
function readManifest(root: string): Manifest {
  const file = join(root, "pipeline.json");
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new DataError(`cannot load the pipeline package ${root}: ${describeUnreadable(file, error)}; make one with \`pipelab package RUN_ID -o ${root}\``, { cause: error });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new DataError(`the pipeline package ${root} has an unreadable pipeline.json: ${messageOf(error)}`, { cause: error });
  }
  const m = raw as Partial<Manifest> | null;
  const fail = (why: string): never => {
    throw new DataError(`the pipeline package ${root}: pipeline.json ${why}`);
  };
  if (m === null || typeof m !== "object") return fail("is not an object");
  if (m.format !== PACKAGE_FORMAT) return fail(`is not a pipelab pipeline (format ${JSON.stringify(m.format)})`);
  if (typeof m.version !== "number" || m.version > PACKAGE_VERSION) return fail(`has format version ${String(m.version)}, newer than this pipelab reads (${PACKAGE_VERSION}): upgrade pipelab`);
  if (!Array.isArray(m.transformers)) return fail("has no transformers list");
  if (m.model === undefined || !Array.isArray(m.model.features) || (m.model.task !== "classification" && m.model.task !== "regression")) return fail("has no model");
  if (m.signature === undefined || !Array.isArray(m.signature.inputs)) return fail("has no signature");
  if (m.reference === undefined || typeof m.reference.file !== "string") return fail("names no reference file");
  return m as Manifest;
}

async function loadModel(root: string): Promise<TF.LayersModel> {
  await initBackend();
  const t = tensorflow();
  let json: { modelTopology: object; weightSpecs: TF.io.WeightsManifestEntry[] };
  let weights: Buffer;
  try {
    json = JSON.parse(readFileSync(join(root, "model.json"), "utf8")) as typeof json;
    weights = readFileSync(join(root, "weights.bin"));
  } catch (error) {
    throw new DataError(`cannot load the model of the pipeline package ${root}: ${messageOf(error)}`, { cause: error });
  }
  const weightData = weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength) as ArrayBuffer;
  return t.loadLayersModel(t.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: json.weightSpecs, weightData }));
}
