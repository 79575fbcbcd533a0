// Writes test/fixtures/stores/v1.db: a store at schema version 1, as pipelab 0.1.0
// wrote it, for the migration test. Run once, with schema 1 current; the file is
// committed and never regenerated (old formats are frozen as fixtures).
import { rmSync } from "node:fs";
import { join } from "node:path";
import { ExperimentStore } from "../src/tracking";

const file = join(__dirname, "..", "test", "fixtures", "stores", "v1.db");
rmSync(file, { force: true });
const store = ExperimentStore.open(file);
const a = store.createRun({ experiment: "penguins", sourceKind: "notebook", name: "baseline" });
store.logParams(a, { lr: 0.01, hidden: 16, model: "mlp", stratify: true });
for (let epoch = 1; epoch <= 3; epoch++) store.logMetrics(a, [{ key: "loss", value: 1 / epoch, step: epoch }, { key: "val_accuracy", value: 0.8 + epoch / 100, step: epoch }]);
store.logMetric(a, "accuracy", 0.97);
store.recordStep(a, { step: "load", outcome: "miss", durationMs: 12.5, cacheKey: "a".repeat(64), outputFingerprint: "b".repeat(64), outputBytes: 1000 });
store.endRun(a, "finished");
const b = store.createRun({ experiment: "penguins", sourceKind: "script" });
store.logParams(b, { lr: 0.1, hidden: 32, model: "mlp", stratify: false });
store.logMetric(b, "accuracy", 0.91);
store.endRun(b, "failed", { error: "loss is NaN", step: "train" });
store.close();
// Fold the WAL into the file so that one file is the whole fixture.
const Database = require("better-sqlite3");
const db = new Database(file);
db.pragma("wal_checkpoint(TRUNCATE)");
db.pragma("journal_mode = DELETE");
db.close();
console.log(`wrote ${file}`);
