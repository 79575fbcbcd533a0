// Screenshots of `pipelab ui` for the README: a store of a 200-run sweep of a
// small MLP on penguins-like data (generated, deterministic), plus two real
// Workbench runs of a pipeline whose second run changes a param and a step's
// code (for the run page's steps and the diff page); served by startUi and
// shot in Debian's chromium, launched as test/ui/browser.test.ts does.
// Run: node --import tsx scripts/ui-screenshots.ts
// Writes docs/images/ui-runs.png, ui-compare.png, ui-run.png, ui-diff.png.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { ExperimentStore } from "../src/tracking";
import type { MetricPointInput, RunId } from "../src/tracking";
import { startUi } from "../src/ui";
import { Workbench } from "../src/workbench";

const root = join(__dirname, "..");
const CHROMIUM = "/usr/bin/chromium";
const EXPERIMENT = "penguins-mlp";
const SWEEP_RUNS = 200;
const EPOCHS = 30;
const WIDTH = 1280;
/** Pages taller than this are cut here: the top of a page is what a README shows. */
const MAX_HEIGHT = 2000;

/** A small deterministic generator (mulberry32), so that every run of the script draws the same store. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const HIDDEN = [16, 32, 64, 128] as const;
const LRS = [0.001, 0.003, 0.01, 0.03, 0.1] as const;
const DROPOUTS = [0, 0.2, 0.5] as const;
const OPTIMIZERS = ["adam", "sgd"] as const;

/** The sweep: runs over a grid of hidden units, learning rate, dropout and optimizer, with curves whose quality follows the params. */
function fillSweep(store: ExperimentStore): void {
  const rand = random(19);
  for (let i = 0; i < SWEEP_RUNS; i++) {
    const hidden = HIDDEN[i % HIDDEN.length] as number;
    const lr = LRS[Math.floor(i / HIDDEN.length) % LRS.length] as number;
    const dropout = DROPOUTS[Math.floor(i / (HIDDEN.length * LRS.length)) % DROPOUTS.length] as number;
    const optimizer = OPTIMIZERS[Math.floor(i / (HIDDEN.length * LRS.length * DROPOUTS.length)) % OPTIMIZERS.length] as string;
    const seed = Math.floor(i / (HIDDEN.length * LRS.length * DROPOUTS.length * OPTIMIZERS.length));
    const run = store.createRun({ experiment: EXPERIMENT, sourceKind: "script", sourcePath: "train.ts", name: `mlp-h${hidden}-lr${lr}-d${dropout}-${optimizer}-s${seed}` });
    store.logParams(run, { hidden, lr, dropout, optimizer, seed });
    store.setTag(run, "stage", "sweep");
    if (optimizer === "sgd" && lr === 0.1 && hidden === 128 && seed === 0) {
      store.logMetrics(run, [{ key: "loss", step: 0, value: 1.1 }, { key: "loss", step: 1, value: 3.7 }]);
      store.failRun(run, { step: "train", error: "loss became NaN at epoch 2: lower the learning rate" });
      continue;
    }
    // Best near lr 0.01, 64 units, dropout 0.2, with adam; sgd learns slower.
    const lrFit = Math.abs(Math.log10(lr) + 2);
    const quality = 0.985 - 0.05 * lrFit - 0.012 * Math.abs(Math.log2(hidden / 64)) - 0.03 * Math.abs(dropout - 0.2) - (optimizer === "sgd" ? 0.025 : 0) - rand() * 0.02;
    const speed = (optimizer === "adam" ? 4 : 9) * (1 + lrFit);
    const overfit = dropout === 0 ? 0.012 : dropout === 0.2 ? 0.003 : 0;
    const points: MetricPointInput[] = [];
    for (let epoch = 0; epoch < EPOCHS; epoch++) {
      const learned = 1 - Math.exp(-(epoch + 1) / speed);
      const noise = () => (rand() - 0.5) * 0.015;
      const accuracy = Math.min(0.999, 0.33 + (quality + 0.01 - 0.33) * learned + noise());
      const valAccuracy = Math.min(0.999, 0.33 + (quality - 0.33) * learned - overfit * Math.max(0, epoch - 12) * 0.2 + noise());
      const loss = Math.max(0.02, 1.1 * (1 - learned) + (1 - quality) * 1.2 + noise());
      const valLoss = Math.max(0.03, 1.1 * (1 - learned) + (1 - quality) * 1.5 + overfit * Math.max(0, epoch - 12) + noise());
      points.push({ key: "loss", step: epoch, value: loss }, { key: "val_loss", step: epoch, value: valLoss });
      points.push({ key: "accuracy", step: epoch, value: accuracy }, { key: "val_accuracy", step: epoch, value: valAccuracy });
    }
    points.push({ key: "test_accuracy", value: Math.min(0.999, quality - 0.005 + (rand() - 0.5) * 0.02) });
    store.logMetrics(run, points);
    store.endRun(run, "finished");
  }
}

// The pipeline of the two Workbench runs: the second one changes lr and the code of "features".
interface Penguin {
  bill: number;
  flipper: number;
  mass: number;
  species: number;
}
function loadPenguins(): Penguin[] {
  const rand = random(7);
  return Array.from({ length: 344 }, (_, i) => {
    const species = i % 3;
    return { bill: 38 + species * 6 + rand() * 5, flipper: 190 + species * 12 + rand() * 10, mass: 3700 + species * 800 + rand() * 600, species };
  });
}
function splitRows({ rows }: { rows: Penguin[] }): { train: Penguin[]; test: Penguin[] } {
  return { train: rows.filter((_, i) => i % 5 !== 0), test: rows.filter((_, i) => i % 5 === 0) };
}
function standardize({ split }: { split: { train: Penguin[] } }): number[][] {
  return split.train.map((r) => [r.bill / 50, r.flipper / 200, r.mass / 5000]);
}
function standardizeWithRatio({ split }: { split: { train: Penguin[] } }): number[][] {
  return split.train.map((r) => [r.bill / 50, r.flipper / 200, r.mass / 5000, r.bill / r.flipper]);
}
function trainModel({ features, p }: { features: number[][]; p: Readonly<{ lr: number; hidden: number }> }): { weights: number[]; lr: number } {
  return { weights: features[0]?.map((x) => x * p.lr * p.hidden) ?? [], lr: p.lr };
}

async function workbenchRun(dir: string, storePath: string, version: 1 | 2): Promise<RunId> {
  const lr = version === 1 ? 0.01 : 0.003;
  const wb = await Workbench.open({ experiment: EXPERIMENT, store: storePath, cacheDir: join(dir, "cache"), quiet: true, runName: version === 1 ? "baseline" : "ratio-feature-lower-lr" });
  const p = wb.params({ lr, hidden: 64 });
  const rows = await wb.step("load", () => loadPenguins());
  const split = await wb.step("split", { rows }, splitRows);
  const features = await wb.step("features", { split }, version === 1 ? standardize : standardizeWithRatio);
  const model = await wb.step("train", { features, p }, trainModel);
  await wb.step("evaluate", { model, split }, ({ model, split }) => ({ accuracy: model.weights.length / 4, n: split.test.length }));
  const quality = version === 1 ? 0.962 : 0.978;
  for (let epoch = 0; epoch < EPOCHS; epoch++) {
    const learned = 1 - Math.exp(-(epoch + 1) / (version === 1 ? 4 : 6));
    wb.log({ loss: 1.1 * (1 - learned) + (1 - quality) * 1.2, val_loss: 1.1 * (1 - learned) + (1 - quality) * 1.5, accuracy: 0.33 + (quality + 0.01 - 0.33) * learned, val_accuracy: 0.33 + (quality - 0.33) * learned }, epoch);
  }
  wb.log({ test_accuracy: quality - 0.004 });
  wb.tag("stage", version === 1 ? "baseline" : "candidate");
  if (version === 2) wb.note("Adds the bill/flipper ratio as a feature and lowers the learning rate: +1.6 points of test accuracy over the baseline.");
  const id = wb.runId;
  wb.finish();
  return id;
}

async function main(): Promise<void> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: sudo apt-get install -y chromium`);
  const dir = mkdtempSync(join(tmpdir(), "pipelab-ui-screenshots-"));
  const storePath = join(dir, "experiments.db");
  const filling = ExperimentStore.open(storePath);
  try {
    fillSweep(filling);
  } finally {
    filling.close();
  }
  const a = await workbenchRun(dir, storePath, 1);
  const b = await workbenchRun(dir, storePath, 2);
  const store = ExperimentStore.open(storePath, { readOnly: true });
  const ui = await startUi(store);
  const browser = await chromium.launchPersistentContext(join(dir, "chromium-profile"), {
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
    viewport: { width: WIDTH, height: 900 },
  });
  try {
    const filter = 'metrics.val_accuracy > 0.93 and params.optimizer = "adam"';
    const columns = "name,params.hidden,params.lr,metrics.val_accuracy,metrics.val_loss:min";
    // The best run of each learning rate and optimizer: ten runs whose curves differ.
    const best = LRS.flatMap((lr) =>
      OPTIMIZERS.flatMap((o) => store.compareRuns({ experiment: EXPERIMENT, filter: `params.lr = ${lr} and params.optimizer = "${o}"`, orderBy: { metric: "val_accuracy", direction: "desc" }, limit: 1 }).runs.map((r) => r.id)),
    );
    // [file, path, and where to cut a long page: below the first element the selector matches]
    const shots: [string, string, string?][] = [
      ["ui-runs.png", `/experiments/${EXPERIMENT}?filter=${encodeURIComponent(filter)}&sort=${encodeURIComponent("metrics.val_accuracy:desc")}&columns=${encodeURIComponent(columns)}&size=25`],
      ["ui-compare.png", `/compare?runs=${best.join(",")}&metric=val_loss`],
      ["ui-run.png", `/runs/${b}`, "figure"],
      ["ui-diff.png", `/diff?a=${a}&b=${b}`],
    ];
    const tab = await browser.newPage();
    for (const [file, path, cutBelow] of shots) {
      const response = await tab.goto(ui.url + path, { waitUntil: "load" });
      if (response?.status() !== 200) {
        console.error(`skipped ${file}: ${path} answered ${response?.status() ?? "nothing"}`);
        continue;
      }
      const cut = cutBelow === undefined ? undefined : await tab.locator(cutBelow).first().boundingBox();
      const height = Math.ceil(Math.min(MAX_HEIGHT, cut ? cut.y + cut.height + 16 : Number(await tab.evaluate("document.documentElement.scrollHeight"))));
      const out = join(root, "docs", "images", file);
      await tab.screenshot({ path: out, fullPage: true, clip: { x: 0, y: 0, width: WIDTH, height } });
      const width = Number(await tab.evaluate("document.documentElement.scrollWidth"));
      console.log(`wrote ${out} (${WIDTH}x${height}${width > WIDTH ? `; the page is ${width} px wide: cut` : ""})`);
    }
  } finally {
    await browser.close();
    await ui.close();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
