/**
 * A trained pipeline as a self-contained folder: the model (TensorFlow.js
 * artifacts, loadable without tfjs-node), the fitted transformers it was
 * trained after, in order, the input signature, the output schema, a sample
 * of the training inputs (the reference for drift) and the run's metadata.
 *
 *   pipeline.json      the manifest (format, signature, transformers, model, run)
 *   model.json         the model's topology and weight specs (tfjs)
 *   weights.bin        its weights
 *   reference.parquet  up to 5,000 rows of the training inputs
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import type * as TF from "@tensorflow/tfjs";
import type { DataFrame } from "danfojs-node";
import { ColumnarTable, isColumnarTable, writeParquet } from "../data";
import { DataError } from "../errors";
import type { Transformer, TransformerJSON, TrainedModel } from "../ml";
import { pipelabVersion, publishReplacing, tensorflow } from "../util";
import { signatureOf } from "./signature";
import type { Signature } from "./signature";

/** The manifest's format name and version: bump the version when the layout changes. */
export const PACKAGE_FORMAT = "pipelab.pipeline";
export const PACKAGE_VERSION = 1;

/** Rows of the training inputs kept as the drift reference, at most. */
export const REFERENCE_ROWS = 5000;

/** Where a packaged pipeline came from. */
export interface PackageRun {
  readonly id: number;
  readonly experiment: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly metrics: Readonly<Record<string, number>>;
  /** Each step's output fingerprint (sha256 of its serialized output), by step. */
  readonly fingerprints?: Readonly<Record<string, string>>;
  /** Each step's cache key, by step: the hash of its code, helpers, package versions, inputs and files read. */
  readonly stepKeys?: Readonly<Record<string, string>>;
  readonly backend?: string;
  readonly gitCommit?: string | null;
}

/** A step of the run that is not in the package, and why. */
export interface NotPackaged {
  readonly step: string;
  readonly why: string;
}

/** pipeline.json. */
export interface Manifest {
  readonly format: typeof PACKAGE_FORMAT;
  readonly version: number;
  readonly name: string;
  readonly createdAt: string;
  readonly pipelab: string;
  readonly run: PackageRun | null;
  readonly transformers: readonly TransformerJSON[];
  readonly model: {
    readonly task: "classification" | "regression";
    readonly features: readonly string[];
    readonly classes: readonly (string | number | boolean)[] | null;
    readonly trainedOn?: string;
  };
  readonly signature: Signature;
  readonly reference: { readonly file: string; readonly rows: number; readonly ofRows: number };
  readonly notPackaged: readonly NotPackaged[];
}

export interface PackageOptions {
  /** The trained model (what trainModel returned). */
  model: TrainedModel;
  /** The fitted transformers the model's inputs went through, in the order they were applied. */
  transformers?: readonly Transformer[];
  /** The data the first transformer was fitted on (the training inputs): the signature's types and ranges, and the drift reference. */
  reference: DataFrame | ColumnarTable;
  /** The name the pipeline is served under (V2's model name). Default: the folder's name. */
  name?: string;
  /** The label column of training, for the output schema. */
  target?: string;
  run?: PackageRun | null;
  notPackaged?: readonly NotPackaged[];
}

/**
 * Writes a pipeline package to `dir`, replacing what is there only once the
 * new one is complete. `loadPipeline(dir).predict(rows)` then gives the
 * notebook's predictions in any Node program with pipelab installed.
 *
 * @example
 * ```ts
 * await packagePipeline("packages/penguins", { model, transformers: [scaler], reference: split.train });
 * ```
 */
export async function packagePipeline(dir: string, options: PackageOptions): Promise<Manifest> {
  const target = resolve(dir);
  const model = options.model;
  if (model?.kind !== "pipelab.model") throw new DataError("packagePipeline needs the trained model trainModel returned (its `model` option)");
  const reference = isColumnarTable(options.reference) ? options.reference : ColumnarTable.fromDanfo(options.reference as DataFrame);
  const transformers = options.transformers ?? [];
  const unfitted = transformers.filter((t) => !t.fitted);
  if (unfitted.length > 0) throw new DataError(`packagePipeline: ${unfitted.map((t) => t.kind).join(", ")} ${unfitted.length > 1 ? "are" : "is"} not fitted: package the transformers the model was trained after`);
  const signature = signatureOf(transformers, model.features, reference, {
    task: model.task,
    ...(model.classes === null ? {} : { classes: model.classes }),
    ...(options.target === undefined ? {} : { target: options.target }),
  });
  checkTransforms(transformers, reference.select(signature.inputs.map((c) => c.name)).head(50), model.features);
  const sample = sampleRows(reference.select(signature.inputs.map((c) => c.name)), REFERENCE_ROWS);
  const manifest: Manifest = {
    format: PACKAGE_FORMAT,
    version: PACKAGE_VERSION,
    name: options.name ?? basename(target),
    createdAt: new Date().toISOString(),
    pipelab: pipelabVersion(),
    run: options.run ?? null,
    transformers: transformers.map((t) => t.toJSON()),
    model: { task: model.task, features: [...model.features], classes: model.classes, ...(model.trainedOn === undefined ? {} : { trainedOn: model.trainedOn }) },
    signature,
    reference: { file: "reference.parquet", rows: sample.rows, ofRows: reference.rows },
    notPackaged: options.notPackaged ?? [],
  };
  mkdirSync(dirname(target), { recursive: true });
  const temp = join(dirname(target), `.${basename(target)}.${process.pid}.${Date.now().toString(36)}.tmp`);
  try {
    mkdirSync(temp);
    const artifacts = await modelArtifacts(model.model);
    writeFileSync(join(temp, "model.json"), JSON.stringify(artifacts.json));
    writeFileSync(join(temp, "weights.bin"), artifacts.weights);
    await writeParquet(sample, join(temp, "reference.parquet"));
    writeFileSync(join(temp, "pipeline.json"), `${JSON.stringify(manifest, null, 2)}\n`);
    publishReplacing(temp, target);
  } catch (error) {
    rmSync(temp, { recursive: true, force: true });
    throw error;
  }
  return manifest;
}

/** The transformers applied to the reference must give the model's features: else the package would not predict. */
function checkTransforms(transformers: readonly Transformer[], sample: ColumnarTable, features: readonly string[]): void {
  let table = sample;
  for (const t of transformers) table = t.transform(table);
  const missing = features.filter((f) => !table.columns.includes(f));
  if (missing.length > 0) {
    throw new DataError(
      `the transformers give the columns ${table.columns.map((c) => JSON.stringify(c)).join(", ")}, but the model takes ${missing.map((c) => JSON.stringify(c)).join(", ")} too: package every transformer the model's inputs went through, in order`,
    );
  }
}

/** At most `n` rows, evenly spaced (deterministic): the reference keeps the data's spread, not its first rows. */
function sampleRows(table: ColumnarTable, n: number): ColumnarTable {
  if (table.rows <= n) return table;
  const step = table.rows / n;
  return table.take(Array.from({ length: n }, (_, i) => Math.floor(i * step)));
}

/** The model's tfjs artifacts: topology and weight specs as JSON, the weights as bytes. */
async function modelArtifacts(model: TF.LayersModel): Promise<{ json: Record<string, unknown>; weights: Uint8Array }> {
  let saved: { json: Record<string, unknown>; weights: Uint8Array } | undefined;
  await model.save(
    tensorflow().io.withSaveHandler(async (artifacts) => {
      const data = artifacts.weightData;
      const weights = data === undefined ? new Uint8Array() : Array.isArray(data) ? new Uint8Array(await new Blob(data).arrayBuffer()) : new Uint8Array(data);
      saved = {
        json: { modelTopology: artifacts.modelTopology, weightSpecs: artifacts.weightSpecs, format: artifacts.format, generatedBy: artifacts.generatedBy, convertedBy: artifacts.convertedBy ?? null },
        weights,
      };
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" } };
    }),
  );
  if (saved === undefined) throw new DataError("the model could not be saved: tfjs's save handler was not called");
  return saved;
}
