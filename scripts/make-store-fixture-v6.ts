// Writes test/fixtures/stores/v6.db: a store at schema version 6, with step executions of
// every outcome schema 6 knows, for the test of migration 7 (which rebuilds step_executions).
// Run once, with schema 6 current (the sources of the commit before migration 7, e.g. from
// `git archive`); the file is committed and never regenerated (old formats are frozen as fixtures).
import { rmSync } from "node:fs";
import { join } from "node:path";
import { ExperimentStore, SCHEMA_VERSION } from "../src/tracking";

if (SCHEMA_VERSION !== 6) throw new Error(`run this with the sources of schema 6, not ${SCHEMA_VERSION}`);
const file = join(__dirname, "..", "test", "fixtures", "stores", "v6.db");
rmSync(file, { force: true });
const store = ExperimentStore.open(file);
const keyParts = (lr: number): string => JSON.stringify({ code: "c".repeat(64), params: { lr }, inputs: {} });

const a = store.createRun({ experiment: "penguins", sourceKind: "notebook", name: "baseline" });
store.logParams(a, { lr: 0.01 });
store.recordStep(a, { step: "load", outcome: "miss", durationMs: 12.5, cacheKey: "a".repeat(64), outputFingerprint: "f".repeat(64), outputBytes: 1000, reason: "not in the cache", keyParts: keyParts(0.01) });
store.recordStep(a, { step: "train", outcome: "miss", durationMs: 900, cacheKey: "b".repeat(64), outputBytes: 52, keyParts: keyParts(0.01) });
store.logMetric(a, "accuracy", 0.97);
store.endRun(a, "finished");

const b = store.createRun({ experiment: "penguins", sourceKind: "script" });
store.logParams(b, { lr: 0.1 });
store.recordStep(b, { step: "load", outcome: "hit", tier: "disk", sourceRunId: a, durationMs: 3, cacheKey: "a".repeat(64), keyParts: keyParts(0.1) });
store.recordStep(b, { step: "train", outcome: "failed", durationMs: 40, cacheKey: "d".repeat(64), error: "loss is NaN\nat epoch 2" });
store.endRun(b, "failed", { error: "loss is NaN", step: "train" });

// A deleted run keeps its steps until purged: after the upgrade, purging it must still take them (ON DELETE CASCADE).
const c = store.createRun({ experiment: "penguins", sourceKind: "interactive" });
store.recordStep(c, { step: "load", outcome: "hit", tier: "memory", sourceRunId: a, durationMs: 0.5, cacheKey: "a".repeat(64) });
store.endRun(c, "finished");
store.deleteRun(c);
store.close();

// Fold the WAL into the file so that one file is the whole fixture.
const Database = require("better-sqlite3");
const db = new Database(file);
db.pragma("wal_checkpoint(TRUNCATE)");
db.pragma("journal_mode = DELETE");
db.close();
console.log(`wrote ${file}`);
