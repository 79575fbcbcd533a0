import { Client } from "pg";
import { after, before, describe, it } from "node:test";
import { SyncPostgres } from "../../src/postgres";
import { postgresOrSkip } from "../helpers/postgres";

// Figures for the notes, printed and not asserted: the machine is shared, and its speed varies.

const pg = postgresOrSkip();

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;
}

describe("SyncPostgres's speed (printed, not asserted)", { skip: pg.skip }, () => {
  let db: SyncPostgres;
  before(() => {
    db = SyncPostgres.connect(pg.server.url);
  });
  after(() => db.close());

  it("round trip of SELECT 1: blocking call through the worker vs pg awaited on this thread", async () => {
    const CALLS = 2_000;
    for (let i = 0; i < 200; i++) db.query("SELECT 1");
    const times: number[] = [];
    for (let i = 0; i < CALLS; i++) {
      const t = performance.now();
      db.query("SELECT 1");
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);

    const client = new Client({ connectionString: pg.server.url });
    await client.connect();
    for (let i = 0; i < 200; i++) await client.query("SELECT 1");
    const direct: number[] = [];
    for (let i = 0; i < CALLS; i++) {
      const t = performance.now();
      await client.query("SELECT 1");
      direct.push(performance.now() - t);
    }
    await client.end();
    direct.sort((a, b) => a - b);
    const ms = (x: number): string => `${(x * 1000).toFixed(0)} µs`;
    console.log(
      `note: SELECT 1, ${CALLS} calls: SyncPostgres median ${ms(percentile(times, 0.5))}, p99 ${ms(percentile(times, 0.99))}; ` +
        `pg awaited directly median ${ms(percentile(direct, 0.5))}, p99 ${ms(percentile(direct, 0.99))}`,
    );
  });

  it("inserts with unnest in batches of 1,000 rows", () => {
    const BATCH = 1_000;
    const BATCHES = 100;
    db.query("CREATE TABLE points (run int NOT NULL, step int NOT NULL, value float8 NOT NULL, key text NOT NULL)");
    const steps = Array.from({ length: BATCH }, (_, i) => i);
    const values = steps.map((i) => Math.sin(i) * 1e3);
    const keys = steps.map((i) => (i % 2 === 0 ? "loss" : "val_accuracy"));
    const sql = "INSERT INTO points (run, step, value, key) SELECT $1, * FROM unnest($2::int[], $3::float8[], $4::text[])";
    db.query(sql, [-1, steps, values, keys]);
    const started = performance.now();
    for (let run = 0; run < BATCHES; run++) db.query(sql, [run, steps, values, keys]);
    const seconds = (performance.now() - started) / 1000;
    const rows = Number(db.query<{ n: string }>("SELECT count(*) AS n FROM points WHERE run >= 0").rows[0]?.n);
    console.log(
      `note: unnest INSERT, ${BATCHES} batches of ${BATCH.toLocaleString("en")} rows (int, float8, text): ${rows.toLocaleString("en")} rows in ${seconds.toFixed(2)} s, ` +
        `${Math.round(rows / seconds).toLocaleString("en")} rows/s, ${((seconds / BATCHES) * 1000).toFixed(1)} ms a batch`,
    );
  });
});
