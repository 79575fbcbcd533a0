import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { readTrackedFile } from "../../src/data";
import type { RunId } from "../../src/tracking";
import { Workbench } from "../../src/workbench";

// The step "features" of the first run and of the second: its code changed between them, and the helper it calls.
function twice(x: number): number {
  return x * 2;
}
function thrice(x: number): number {
  return x * 3;
}
function doubled({ raw }: { raw: number[] }): number[] {
  const scaled = raw.map((x) => twice(x));
  return scaled;
}
function tripled({ raw }: { raw: number[] }): number[] {
  const scaled = raw.map((x) => thrice(x));
  return scaled;
}

/**
 * One run of a small pipeline, for the diff page's tests: load (cached in the
 * second run), read a file (changed), features (code changed), train (param
 * changed), report (first run only).
 */
export async function runPipeline(dir: string, version: 1 | 2, store = join(dir, "experiments.db")): Promise<RunId> {
  const notes = join(dir, "notes.txt");
  writeFileSync(notes, version === 1 ? "one" : "two");
  const wb = await Workbench.open({ experiment: "diff", store, cacheDir: join(dir, "cache"), quiet: true });
  const p = wb.params(version === 1 ? { lr: 0.01, epochs: 5 } : { lr: 0.1, seed: 7 });
  const raw = await wb.step("load", () => [1, 2, 3]);
  await wb.step("read", { notes }, ({ notes }) => readTrackedFile(notes).toString("utf8"));
  const features = await wb.step("features", { raw }, version === 1 ? doubled : tripled);
  const model = await wb.step("train", { features, p }, ({ features, p }) => features.reduce((a, b) => a + b, 0) * Number(p.lr));
  if (version === 1) await wb.step("report", { model }, ({ model }) => `model ${model}`);
  wb.log(version === 1 ? { accuracy: 0.9, loss: 0.3 } : { accuracy: 0.95 });
  const id = wb.runId;
  wb.finish();
  return id;
}

