// Writes test/fixtures/stores/v7.db: a store at schema version 7 (the last before the predictions
// table), with runs of two experiments, a model's training run and its finished serving run, for
// the test of migration 8 (which adds predictions). Run once, with schema 7 current (the sources
// of the commit before migration 8, e.g. from `git archive`); the file is committed and never
// regenerated (old formats are frozen as fixtures).
import { rmSync } from "node:fs";
import { join } from "node:path";
import { ExperimentStore, SCHEMA_VERSION } from "../src/tracking";

if (SCHEMA_VERSION !== 7) throw new Error(`run this with the sources of schema 7, not ${SCHEMA_VERSION}`);
const file = join(__dirname, "..", "test", "fixtures", "stores", "v7.db");
rmSync(file, { force: true });
const store = ExperimentStore.open(file);

const model = store.createRun({ experiment: "penguins", sourceKind: "notebook", name: "mlp" });
store.logParams(model, { lr: 0.01, hidden: 16 });
store.logMetrics(model, [1, 2, 3].map((step) => ({ key: "loss", value: 1 / step, step })));
store.recordStep(model, { step: "train", outcome: "miss", durationMs: 900, cacheKey: "b".repeat(64), outputBytes: 52 });
store.recordStep(model, { step: "evaluate", outcome: "interrupted", durationMs: 10, error: 'step "evaluate" was interrupted' });
store.recordArtifact(model, { name: "model", kind: "model", path: "models/mlp" });
store.endRun(model, "finished");

// A serving session as schema 7 could record it: a run with tags, no predictions table yet.
const serving = store.createRun({ experiment: "penguins/serving", sourceKind: "script", name: "serve mlp" });
store.setTag(serving, "pipelab.serving.model_run", String(model));
store.endRun(serving, "finished");
store.close();

// Fold the WAL into the file so that one file is the whole fixture.
const Database = require("better-sqlite3");
const db = new Database(file);
db.pragma("wal_checkpoint(TRUNCATE)");
db.pragma("journal_mode = DELETE");
db.close();
console.log(`wrote ${file}`);
