/**
 * A real penguins pipeline package for the serving tests and bench: a
 * StandardScaler over the four measures and a OneHotEncoder of the island
 * (unknown islands are an error), before a small dense classifier.
 */
import { join } from "node:path";
import { ColumnarTable, loadDataset } from "../../src/data";
import { packagePipeline } from "../../src/deploy";
import { ColumnTransformer, OneHotEncoder, StandardScaler, trainModel, trainTestSplit } from "../../src/ml";

export const FEATURES = ["Beak Length (mm)", "Beak Depth (mm)", "Flipper Length (mm)", "Body Mass (g)"];
export const INPUTS = [...FEATURES, "Island"];

/** A packaged penguins pipeline in `dir`/`name`, and the held-out rows as records of its inputs. */
export async function makePenguinsPackage(dir: string, name = "penguins", run: { id: number; experiment: string } | null = null): Promise<{ path: string; rows: Record<string, unknown>[] }> {
  const df = loadDataset("penguins").dropNa({ axis: 1 });
  const { train, test } = trainTestSplit(df, { testSize: 0.25, seed: 7, stratify: "Species" });
  const prep = new ColumnTransformer([
    ["num", new StandardScaler({ columns: FEATURES })],
    ["island", new OneHotEncoder({ columns: ["Island"], handleUnknown: "error" })],
  ]);
  const x = prep.fitTransform(train.loc({ columns: INPUTS }));
  const model = await trainModel({ x, y: train.column("Species") }, { task: "classification", hidden: [8], epochs: 10, seed: 7 });
  const path = join(dir, name);
  await packagePipeline(path, {
    model,
    transformers: [prep],
    reference: train,
    target: "Species",
    ...(run === null ? {} : { run: { id: run.id, experiment: run.experiment, params: {}, metrics: {} } }),
  });
  const t = ColumnarTable.fromDanfo(test.loc({ columns: INPUTS }));
  const rows = Array.from({ length: t.rows }, (_, i) => Object.fromEntries(t.columns.map((c) => [c, t.value(c, i)])));
  return { path, rows };
}
