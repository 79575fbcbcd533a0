import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { SyncPostgres } from "../../src/postgres";
import { postgresOrSkip } from "../helpers/postgres";

const pg = postgresOrSkip();
const root = join(__dirname, "..", "..");
const fixtures = join(__dirname, "fixtures");

interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs node with `args` in a child process (a hang guard kills it after 5 minutes: a safety net, not an expectation). */
function node(args: string[]): Promise<Finished> {
  const child = spawn(process.execPath, args, { cwd: root, stdio: ["ignore", "pipe", "pipe"], timeout: 300_000 });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** The one JSON line a fixture prints, once it exited normally. */
function report<T>(finished: Finished): T {
  assert.equal(finished.signal, null, `the child was killed (${finished.signal}): it did not exit by itself\n${finished.stderr}`);
  assert.equal(finished.code, 0, finished.stderr);
  return JSON.parse(finished.stdout.trim()) as T;
}

describe("SyncPostgres across processes", { skip: pg.skip }, () => {
  let admin: SyncPostgres;
  before(() => {
    admin = SyncPostgres.connect(pg.server.url);
  });
  after(() => admin.close());

  it("8 processes each inserting 10,000 rows at the same time lose none", async () => {
    const WORKERS = 8;
    const ROWS = 10_000;
    admin.query("CREATE TABLE inserted (worker int NOT NULL, n int NOT NULL, payload jsonb NOT NULL, PRIMARY KEY (worker, n))");
    const started = performance.now();
    const finished = await Promise.all(Array.from({ length: WORKERS }, (_, worker) => node(["--import", "tsx", join(fixtures, "insert-rows.ts"), pg.server.url, String(worker), String(ROWS)])));
    const wallMs = performance.now() - started;
    const reports = finished.map((f) => report<{ worker: number; inserted: number; ms: number }>(f));
    assert.deepEqual(reports.map((r) => [r.worker, r.inserted]), Array.from({ length: WORKERS }, (_, w) => [w, ROWS]));

    const stored = admin.query<{ worker: number; rows: string; distinct: string; first: number; last: number; consistent: boolean }>(
      `SELECT worker, count(*) AS rows, count(DISTINCT n) AS distinct, min(n) AS first, max(n) AS last,
              bool_and((payload->>'n')::int = n AND (payload->>'worker')::int = worker) AS consistent
       FROM inserted GROUP BY worker ORDER BY worker`,
    ).rows;
    assert.deepEqual(
      stored,
      Array.from({ length: WORKERS }, (_, worker) => ({ worker, rows: String(ROWS), distinct: String(ROWS), first: 0, last: ROWS - 1, consistent: true })),
    );
    const slowest = Math.max(...reports.map((r) => r.ms));
    console.log(
      `note: ${WORKERS} processes x ${ROWS.toLocaleString("en")} single-row INSERTs (transactions of 500): ${(wallMs / 1000).toFixed(1)} s wall (with process start), ` +
        `slowest process ${(slowest / 1000).toFixed(1)} s inserting, ${Math.round((WORKERS * ROWS) / (slowest / 1000)).toLocaleString("en")} rows/s together`,
    );
  });

  it("close() lets the process exit by itself", async () => {
    assert.deepEqual(report(await node(["--import", "tsx", join(fixtures, "connect-and-end.ts"), pg.server.url, "close"])), { mode: "close", answer: 42 });
  });

  it("a client never closed does not keep the process alive either", async () => {
    assert.deepEqual(report(await node(["--import", "tsx", join(fixtures, "connect-and-end.ts"), pg.server.url, "forget"])), { mode: "forget", answer: 42 });
  });

  it("the built client in dist/ finds its worker script (a .js file, without tsx)", async (t) => {
    const built = join(root, "dist", "postgres", "index.js");
    if (!existsSync(built)) return t.skip("dist/ has no postgres/ build: run `npm run build` (scripts/run-tests.mjs does)");
    const script = `
      const { SyncPostgres } = require(${JSON.stringify(built)});
      const db = SyncPostgres.connect(process.argv[1]);
      const answer = db.query("SELECT 42 AS answer").rows[0].answer;
      db.close();
      console.log(JSON.stringify({ mode: "dist", answer }));`;
    assert.deepEqual(report(await node(["-e", script, pg.server.url])), { mode: "dist", answer: 42 });
  });
});
