import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { loadPipeline } from "../../src/deploy";
import type { LoadedPipeline, Prediction } from "../../src/deploy";
import { ServeError, servePipeline } from "../../src/serve";
import type { ServedPipeline } from "../../src/serve";
import { isLoopback } from "../../src/serve/auth";
import { PACKAGE_TAG } from "../../src/serve/prediction-logging";
import { ExperimentStore, MODEL_RUN_TAG } from "../../src/tracking";
import type { RunId } from "../../src/tracking";
import { tempDir } from "../helpers/tmp";
import { get, post, postAlone } from "./http";
import type { Outcome } from "./http";
import { INPUTS, makePenguinsPackage } from "./penguins-package";

interface PredictAnswer {
  predictions: Prediction[];
  model: { name: string; runId: number | null };
}
interface Refusal {
  error: string;
  problems?: { row: number; column: string; message: string }[];
}
interface Tensor {
  name: string;
  datatype: string;
  shape: number[];
  data: unknown[];
}

const dir = tempDir("pipelab-serve-");
const cli = join(__dirname, "..", "..", "src", "cli", "main.ts");
// A token in the environment would change what these tests expect of a server started without one.
delete process.env.PIPELAB_SERVE_TOKEN;
let pipeline: LoadedPipeline;
let rows: Record<string, unknown>[];
let packagePath: string;

before(async () => {
  const made = await makePenguinsPackage(dir, "penguins", { id: 12, experiment: "penguins" });
  [rows, packagePath] = [made.rows, made.path];
  pipeline = await loadPipeline(packagePath);
});

/** The rows as one input tensor a column (V2). */
function inferInputs(records: readonly Record<string, unknown>[]): Tensor[] {
  return INPUTS.map((c) => ({ name: c, shape: [records.length], datatype: c === "Island" ? "BYTES" : "FP64", data: records.map((r) => r[c]) }));
}

function columnsOf(records: readonly Record<string, unknown>[]): Record<string, unknown[]> {
  return Object.fromEntries(INPUTS.map((c) => [c, records.map((r) => r[c])]));
}

describe("a served pipeline", () => {
  let server: ServedPipeline;
  let url: string;

  before(async () => {
    server = await servePipeline(pipeline);
    url = server.url;
  });
  after(() => server.close());

  it("listens on loopback, on a free port, without a token", () => {
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.ok(server.port > 0);
    assert.equal(server.token, undefined);
  });

  it("predicts over POST /predict what pipeline.predict gives, from records and from columns", async () => {
    const want = pipeline.predict(rows);
    const byRecords = await post<PredictAnswer>(`${url}/predict`, { records: rows });
    assert.equal(byRecords.status, 200);
    assert.deepEqual(byRecords.body.predictions, want);
    assert.deepEqual(byRecords.body.model, { name: "penguins", runId: 12 });
    const byColumns = await post<PredictAnswer>(`${url}/predict`, { columns: columnsOf(rows) });
    assert.equal(byColumns.status, 200);
    assert.deepEqual(byColumns.body.predictions, want);
  });

  it("takes MLflow's dataframe_records, dataframe_split and instances", async () => {
    const some = rows.slice(0, 7);
    const want = pipeline.predict(some);
    const split = { columns: ["extra", ...INPUTS], data: some.map((r) => ["ignored", ...INPUTS.map((c) => r[c])]) };
    for (const body of [{ dataframe_records: some }, { dataframe_split: split }, { instances: some }]) {
      const answer = await post<PredictAnswer>(`${url}/predict`, body);
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      assert.deepEqual(answer.body.predictions, want);
    }
  });

  it("answers the Open Inference Protocol's infer with label and probabilities tensors", async () => {
    const want = pipeline.predict(rows);
    const answer = await post<{ model_name: string; model_version: string; id: string; outputs: Tensor[] }>(`${url}/v2/models/penguins/infer`, { id: "r1", inputs: inferInputs(rows) });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.equal(answer.body.model_name, "penguins");
    assert.equal(answer.body.model_version, "12");
    assert.equal(answer.body.id, "r1");
    const [label, probabilities] = answer.body.outputs;
    assert.deepEqual({ ...label, data: undefined }, { name: "label", datatype: "BYTES", shape: [rows.length], data: undefined });
    assert.deepEqual(label?.data, want.map((p) => p.label));
    assert.deepEqual(probabilities?.shape, [rows.length, 3]);
    assert.equal(probabilities?.datatype, "FP32");
    assert.deepEqual(probabilities?.data, want.flatMap((p) => ["Adelie", "Chinstrap", "Gentoo"].map((c) => p.probabilities?.[c])));
  });

  it("takes V2 inputs of shape [rows, 1] with nested data, and gives only the outputs asked for", async () => {
    const some = rows.slice(0, 3);
    const inputs = inferInputs(some).map((t) => (t.name === "Body Mass (g)" ? { ...t, datatype: "INT32", shape: [3, 1], data: t.data.map((v) => [v]) } : t));
    const answer = await post<{ outputs: Tensor[] }>(`${url}/v2/models/penguins/infer`, { inputs, outputs: [{ name: "label" }] });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.deepEqual(answer.body.outputs.map((o) => [o.name, o.data]), [["label", pipeline.predict(some).map((p) => p.label)]]);
  });

  it("describes the model, its readiness and the server's health under /v2", async () => {
    const metadata = await get<{ name: string; platform: string; inputs: { name: string; datatype: string }[]; outputs: { name: string; shape: number[] }[] }>(`${url}/v2/models/penguins`);
    assert.equal(metadata.status, 200);
    assert.deepEqual(metadata.body.inputs.map((t) => [t.name, t.datatype]), INPUTS.map((c) => [c, c === "Island" ? "BYTES" : "FP64"]));
    assert.deepEqual(metadata.body.outputs.map((t) => [t.name, t.shape]), [["label", [-1]], ["probabilities", [-1, 3]]]);
    assert.deepEqual((await get(`${url}/v2/models/penguins/ready`)).body, { name: "penguins", ready: true });
    assert.equal((await get(`${url}/v2/health/live`)).status, 200);
    assert.equal((await get(`${url}/v2/health/ready`)).status, 200);
  });

  it("answers 404 naming the served model to another model's name", async () => {
    for (const answer of [await post<Refusal>(`${url}/v2/models/gentoo/infer`, { inputs: inferInputs(rows.slice(0, 1)) }), await get<Refusal>(`${url}/v2/models/gentoo/ready`), await get<Refusal>(`${url}/v2/models/gentoo`)]) {
      assert.equal(answer.status, 404);
      assert.equal(answer.body.error, 'no model "gentoo" here: this server serves "penguins"');
    }
  });

  it("reports its health and its signature", async () => {
    const health = await get<{ status: string; model: unknown; uptime: number; served: number }>(`${url}/health`);
    assert.equal(health.body.status, "ok");
    assert.deepEqual(health.body.model, { name: "penguins", runId: 12 });
    assert.ok(health.body.uptime > 0);
    assert.equal(health.body.served, server.stats().served);
    assert.deepEqual((await get(`${url}/signature`)).body, JSON.parse(JSON.stringify(pipeline.signature)));
  });

  it("answers 1,000 concurrent requests, each right, without an error", async () => {
    const want = pipeline.predict(rows);
    const answers = await Promise.all(Array.from({ length: 1000 }, (_, i) => post<PredictAnswer>(`${url}/predict`, { records: [rows[i % rows.length]] })));
    assert.deepEqual(answers.filter((a) => a.status !== 200).map((a) => [a.status, a.body]), []);
    answers.forEach((a, i) => assert.deepEqual(a.body.predictions, [want[i % rows.length]]));
  });

  it("refuses rows that do not fit with 400, naming the row and the column", async () => {
    const good = rows[0] as Record<string, unknown>;
    const { Island: _, ...noIsland } = good;
    const cases: [unknown, number, string, RegExp][] = [
      [{ records: [good, noIsland] }, 1, "Island", /^row 1, column "Island": missing/],
      [{ records: [good, good, { ...good, "Body Mass (g)": "heavy" }] }, 2, "Body Mass (g)", /^row 2, column "Body Mass \(g\)": expected a number, got "heavy"/],
      [{ records: [{ ...good, Island: "Atlantis" }] }, 0, "Island", /^row 0, column "Island": unknown category "Atlantis"; the model knows "Biscoe", "Dream", "Torgersen"/],
      [{ records: [good, { ...good, "Beak Depth (mm)": null }] }, 1, "Beak Depth (mm)", /^row 1, column "Beak Depth \(mm\)": null, but the model was trained without missing values/],
      [{ columns: { ...columnsOf([good, good]), Island: ["Dream", 3] } }, 1, "Island", /^row 1, column "Island": expected text, got number 3/],
      [{ instances: [good, "a row"] }, 1, "", /^row 1 is string, not an object of columns/],
      [{ inputs: inferInputs([good]).map((t) => (t.name === "Flipper Length (mm)" ? { ...t, data: [true] } : t)) }, 0, "Flipper Length (mm)", /^row 0, column "Flipper Length \(mm\)": expected a number, got boolean true/],
    ];
    for (const [body, row, column, message] of cases) {
      const path = "inputs" in (body as object) ? "/v2/models/penguins/infer" : "/predict";
      const answer = await post<Refusal>(`${url}${path}`, body);
      assert.equal(answer.status, 400, JSON.stringify(answer.body));
      assert.equal(answer.body.problems?.length, 1, JSON.stringify(answer.body));
      const [problem] = answer.body.problems ?? [];
      assert.deepEqual([problem?.row, problem?.column], [row, column]);
      assert.match(problem?.message ?? "", message);
      assert.ok(answer.body.error.includes(problem?.message ?? "?"), answer.body.error);
    }
  });

  it("refuses bodies it cannot read, saying what is wrong, in the same { error } shape", async () => {
    const good = rows[0] as Record<string, unknown>;
    const cases: [string, unknown, number, RegExp, Record<string, string>?][] = [
      ["/predict", '{"records": [', 400, /^the body is not valid JSON: /],
      ["/predict", "", 400, /^the body is empty/],
      ["/predict", "records=1", 415, /^the content type "text\/plain" is not JSON: send the body as JSON, with Content-Type: application\/json/, { "content-type": "text/plain" }],
      ["/predict", { records: [] }, 400, /^"records" holds no rows: send at least one/],
      ["/predict", { columns: columnsOf([]) }, 400, /^"columns" holds no rows/],
      ["/predict", {}, 400, /^the body has no rows: send \{"records": /],
      ["/predict", [good], 400, /^the body is a list, not an object/],
      ["/predict", { records: [good], columns: columnsOf([good]) }, 400, /^the body has both "records" and "columns"/],
      ["/predict", { records: good }, 400, /^"records" is an object: it takes a list of rows/],
      ["/predict", { columns: { ...columnsOf([good, good]), Island: ["Dream"] } }, 400, /^column "Island" has 1 values but "Beak Length \(mm\)" has 2/],
      ["/predict", { dataframe_split: { columns: INPUTS, data: [[1, 2]] } }, 400, /^"dataframe_split": row 0 is 2 values, but there are 5 columns/],
      ["/v2/models/penguins/infer", { inputs: inferInputs([good]).map((t) => (t.name === "Island" ? { ...t, datatype: "FP32" } : t)) }, 400, /^input "Island" has datatype "FP32", but the column holds text: send BYTES/],
      ["/v2/models/penguins/infer", { inputs: inferInputs([good]).map((t) => (t.name === "Island" ? { ...t, shape: [2] } : t)) }, 400, /^input "Island" has shape \[2\] but 1 values/],
      ["/v2/models/penguins/infer", { inputs: inferInputs([good]), outputs: [{ name: "species" }] }, 400, /^no output "species": the model gives "label", "probabilities"/],
      ["/v2/models/penguins/infer", { records: [good] }, 400, /^an infer request is \{"inputs": /],
    ];
    for (const [path, body, status, message, headers] of cases) {
      const answer = await post<Refusal>(`${url}${path}`, body, headers);
      assert.equal(answer.status, status, `${JSON.stringify(body)}: ${JSON.stringify(answer.body)}`);
      assert.match(answer.body.error, message);
    }
  });

  it("refuses a body over the limit with 413 naming the limit", async () => {
    const many = Array.from({ length: 12_000 }, (_, i) => rows[i % rows.length]);
    const answer = await post<Refusal>(`${url}/predict`, { records: many });
    assert.equal(answer.status, 413);
    assert.match(answer.body.error, /^the body is over the limit of 1 MiB \(1048576 bytes\): send fewer rows a request/);
    const small = await servePipeline(pipeline, { bodyLimit: 2048 });
    try {
      const refused = await post<Refusal>(`${small.url}/predict`, { records: many.slice(0, 40) });
      assert.equal(refused.status, 413);
      assert.match(refused.body.error, /the limit of 2 KiB \(2048 bytes\)/);
    } finally {
      await small.close();
    }
  });

  it("answers an unknown path with 404 listing the endpoints", async () => {
    const answer = await get<Refusal>(`${url}/predictions?x=1`);
    assert.equal(answer.status, 404);
    assert.match(answer.body.error, /^no endpoint GET \/predictions: there are POST \/predict, POST \/v2\/models\/penguins\/infer/);
  });

  it("counts what it served and refused", () => {
    const stats = server.stats();
    assert.ok(stats.served >= 1000, JSON.stringify(stats));
    assert.ok(stats.rejected >= 20, JSON.stringify(stats));
    assert.equal(stats.failed, 0);
    assert.equal(stats.inFlight, 0);
  });
});

describe("the token", () => {
  const token = "a-token-long-enough-0123";

  it("is required of every request once set, on loopback too: 401 without it or with a wrong one", async () => {
    const server = await servePipeline(pipeline, { token });
    try {
      const none = await get<Refusal>(`${server.url}/health`);
      assert.equal(none.status, 401);
      assert.equal(none.headers.get("www-authenticate"), "Bearer");
      assert.match(none.body.error, /^this server needs a token: send Authorization: Bearer <token>/);
      for (const wrong of [`${token}x`, token.slice(0, -1), "x", ""]) {
        const answer = await post<Refusal>(`${server.url}/predict`, { records: rows.slice(0, 1) }, { authorization: `Bearer ${wrong}` });
        assert.equal(answer.status, 401, wrong);
      }
      assert.equal((await post(`${server.url}/predict`, { records: rows.slice(0, 1) }, { authorization: `Basic ${token}` })).status, 401);
      const right = await post<PredictAnswer>(`${server.url}/predict`, { records: rows.slice(0, 1) }, { authorization: `Bearer ${token}` });
      assert.equal(right.status, 200);
      assert.deepEqual(right.body.predictions, pipeline.predict(rows.slice(0, 1)));
      assert.equal((await get(`${server.url}/nowhere`, { authorization: `Bearer ${token}` })).status, 404);
      assert.equal((await get(`${server.url}/nowhere`)).status, 401);
    } finally {
      await server.close();
    }
  });

  it("is generated, at random, when the server listens beyond loopback without one", async (t) => {
    let server: ServedPipeline;
    try {
      server = await servePipeline(pipeline, { host: "0.0.0.0" });
    } catch (error) {
      if (error instanceof ServeError) return t.skip(`cannot listen on 0.0.0.0 here: ${error.message}`);
      throw error;
    }
    try {
      assert.equal(server.tokenGenerated, true);
      assert.ok((server.token?.length ?? 0) >= 40, server.token);
      // Only loopback traffic: the server listens on every interface, the test calls 127.0.0.1.
      const local = `http://127.0.0.1:${server.port}`;
      assert.equal((await get(`${local}/health`)).status, 401);
      assert.equal((await get(`${local}/health`, { authorization: `Bearer ${server.token}` })).status, 200);
    } finally {
      await server.close();
    }
    const other = await servePipeline(pipeline, { host: "0.0.0.0" }).catch(() => undefined);
    if (other) {
      assert.notEqual(other.token, server.token);
      await other.close();
    }
  });

  it("comes from PIPELAB_SERVE_TOKEN when none is given", async () => {
    process.env.PIPELAB_SERVE_TOKEN = token;
    try {
      const server = await servePipeline(pipeline);
      try {
        assert.deepEqual([server.token, server.tokenGenerated], [token, false]);
        assert.equal((await get(`${server.url}/health`)).status, 401);
        assert.equal((await get(`${server.url}/health`, { authorization: `Bearer ${token}` })).status, 200);
      } finally {
        await server.close();
      }
    } finally {
      delete process.env.PIPELAB_SERVE_TOKEN;
    }
  });

  it("refuses a short token and a bad port before listening", async () => {
    await assert.rejects(servePipeline(pipeline, { token: "short" }), (e: unknown) => e instanceof ServeError && /invalid token: it needs 16 characters or more/.test(e.message));
    await assert.rejects(servePipeline(pipeline, { port: 70000 }), /invalid port: 70000/);
  });

  it("says so when the port is taken, leaving no serving run behind as running", async () => {
    const first = await servePipeline(pipeline);
    const store = ExperimentStore.open(join(dir, "taken.db"));
    try {
      await assert.rejects(
        servePipeline(pipeline, { port: first.port, log: { store } }),
        (e: unknown) => e instanceof ServeError && e.message === `cannot listen on 127.0.0.1:${first.port}: the port ${first.port} is in use: pick another (--port), or 0 for a free one`,
      );
      assert.deepEqual(store.listRuns({}).map((r) => r.status), ["failed"]);
    } finally {
      store.close();
      await first.close();
    }
  });

  it("takes only loopback addresses for loopback", () => {
    for (const host of ["127.0.0.1", "127.1.2.3", "localhost", "::1", "[::1]", "::ffff:127.0.0.1"]) assert.equal(isLoopback(host), true, host);
    for (const host of ["0.0.0.0", "::", "192.168.1.4", "10.0.0.1", "example.com", "128.0.0.1"]) assert.equal(isLoopback(host), false, host);
  });
});

describe("prediction logging", () => {
  it("logs each served row, with its prediction, to a serving run tagged with the package and the model's run", async () => {
    const store = ExperimentStore.open(join(dir, "logging.db"));
    try {
      const server = await servePipeline(pipeline, { log: { store } });
      const servingRun = server.servingRun;
      assert.ok(servingRun !== undefined);
      const served = [rows.slice(0, 10), rows.slice(10, 15), rows.slice(15, 20)];
      // A client's keys beyond the signature are not logged.
      assert.equal((await post(`${server.url}/predict`, { records: served[0]?.map((r) => ({ ...r, note: "not an input" })) })).status, 200);
      assert.equal((await post(`${server.url}/predict`, { columns: columnsOf(served[1] ?? []) })).status, 200);
      assert.equal((await post(`${server.url}/v2/models/penguins/infer`, { inputs: inferInputs(served[2] ?? []) })).status, 200);
      assert.equal((await post(`${server.url}/predict`, { records: [{ Island: "Atlantis" }] })).status, 400);
      await server.close();
      const logged = store.listPredictions({ run: servingRun }).reverse();
      const all = served.flat();
      assert.deepEqual(logged.map((p) => p.inputs), all.map((r) => Object.fromEntries(INPUTS.map((c) => [c, r[c]]))));
      assert.deepEqual(logged.map((p) => p.outputs), JSON.parse(JSON.stringify(pipeline.predict(all))));
      assert.ok(logged.every((p) => p.modelRunId === 12 && p.latencyMs >= 0));
      assert.deepEqual(server.stats().log, { logged: 20, sampledOut: 0, dropped: 0, failedBatches: 0, invalid: 0, queued: 0 });
      const run = store.runDetails(servingRun);
      assert.equal(run?.experiment, "penguins/serving");
      assert.equal(run?.status, "finished");
      assert.equal(run?.tags[MODEL_RUN_TAG], "12");
      assert.equal(run?.tags[PACKAGE_TAG], packagePath);
      assert.deepEqual(
        [run?.metrics.requests_served, run?.metrics.rows_served, run?.metrics.requests_refused, run?.metrics.predictions_logged, run?.metrics.predictions_dropped],
        [3, 20, 1, 20, 0],
      );
    } finally {
      store.close();
    }
  });

  it("logs a sample of the rows at a sample rate under 1, and serves them all", async () => {
    const store = ExperimentStore.open(join(dir, "sampled.db"));
    try {
      const server = await servePipeline(pipeline, { log: { store, sampleRate: 0 } });
      for (let i = 0; i < 5; i++) assert.equal((await post(`${server.url}/predict`, { records: rows.slice(0, 4) })).status, 200);
      await server.close();
      assert.deepEqual([server.stats().log?.logged, server.stats().log?.sampledOut], [0, 20]);
      assert.equal(store.listPredictions({ run: server.servingRun }).length, 0);
    } finally {
      store.close();
    }
  });

  it("goes on serving when the log cannot write, counting what it dropped", async () => {
    const store = ExperimentStore.open(join(dir, "broken.db"));
    try {
      const server = await servePipeline(pipeline, { log: { store } });
      // The serving run purged under the server's feet: every write of the log now fails its foreign key.
      store.deleteRun(server.servingRun as RunId);
      store.purgeDeleted();
      for (let i = 0; i < 3; i++) assert.equal((await post(`${server.url}/predict`, { records: rows.slice(0, 5) })).status, 200);
      await server.close();
      const log = server.stats().log;
      assert.deepEqual([log?.logged, log?.dropped, log?.queued], [0, 15, 0]);
      assert.ok((log?.failedBatches ?? 0) >= 1);
    } finally {
      store.close();
    }
  });
});

describe("stopping with SIGTERM", () => {
  it("answers every request it accepted, mid-load, flushes the log and exits 0", { timeout: 120_000 }, async () => {
    const storePath = join(dir, "sigterm.db");
    const child = spawn(process.execPath, ["--import", "tsx", cli, "serve", packagePath, "--port", "0", "--store", storePath], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((done) => child.on("exit", (code) => done(code)));
    const url = await new Promise<string>((done, fail) => {
      child.stdout.on("data", (chunk: Buffer) => {
        stdout += chunk.toString();
        const found = /at (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout);
        if (found) done(found[1] as string);
      });
      void exited.then((code) => fail(new Error(`the server exited (${code}) before listening: ${stderr}`)));
    });
    // Batches of 2,000 rows take the server a few milliseconds each: 40 at once keep it busy for a while.
    const body = JSON.stringify({ records: Array.from({ length: 2000 }, (_, i) => rows[i % rows.length]) });
    const outcomes: Promise<Outcome>[] = Array.from({ length: 40 }, () => postAlone(`${url}/predict`, body));
    const first = await Promise.race(outcomes);
    const stoppedAt = Date.now();
    child.kill("SIGTERM");
    const all = await Promise.all(outcomes);
    const code = await exited;
    assert.equal(code, 0, stderr);
    assert.ok("status" in first && first.status === 200, JSON.stringify(first));
    const answered = all.filter((o): o is Extract<Outcome, { status: number }> => "status" in o);
    assert.deepEqual(answered.filter((o) => o.status !== 200).map((o) => [o.status, o.body.slice(0, 200)]), []);
    assert.ok(answered.filter((o) => o.at >= stoppedAt).length > 0, "no request was answered after SIGTERM: the test stopped the server too late to see it drain");
    // The rest were still in the kernel's accept queue when the server stopped listening: refused, never half-answered.
    const refused = all.filter((o): o is Extract<Outcome, { error: string }> => "error" in o);
    assert.deepEqual(refused.filter((o) => o.error !== "ECONNRESET" && o.error !== "ECONNREFUSED"), []);
    const store = ExperimentStore.open(storePath);
    try {
      const [serving] = store.listRuns({ experiment: "penguins/serving" });
      assert.equal(serving?.status, "finished");
      // Every connection the server accepted carried one request, and each was answered 200.
      const metrics = store.runDetails(serving?.id ?? (0 as RunId))?.metrics ?? {};
      assert.deepEqual([metrics.connections, metrics.requests_served, metrics.rows_served], [answered.length, answered.length, answered.length * 2000]);
      // Each row served was logged or (past what the log holds) dropped and counted; all that was logged is in the store.
      assert.equal((metrics.predictions_logged ?? 0) + (metrics.predictions_dropped ?? 0), answered.length * 2000);
      assert.ok((metrics.predictions_logged ?? 0) > 0);
      assert.equal(store.listPredictions({ run: serving?.id }).length, metrics.predictions_logged);
    } finally {
      store.close();
    }
    assert.match(stdout, /SIGTERM: stopping/);
  });
});

describe("the serve command", () => {
  const pipelab = (...args: string[]): { status: number | null; stderr: string } => {
    const r = spawnSync(process.execPath, ["--import", "tsx", cli, "serve", ...args], { encoding: "utf8", env: { ...process.env, PIPELAB_STORE: join(dir, "cli.db") } });
    return { status: r.status, stderr: r.stderr };
  };

  it("refuses a bad call with exit code 2, naming the mistake", () => {
    for (const [args, message] of [
      [[], /serve: expected one package folder or run id, got ""/],
      [[packagePath, "--log-sample", "2"], /invalid --log-sample: 2 \(a share from 0 to 1/],
      [[packagePath, "--port", "http"], /invalid --port: http/],
    ] as const) {
      const r = pipelab(...args);
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, message);
    }
  });

  it("says what is missing when given neither a package nor a run", () => {
    const folder = pipelab(join(dir, "no-such-package"), "--log-sample", "0");
    assert.equal(folder.status, 1, folder.stderr);
    assert.match(folder.stderr, /cannot load the pipeline package .*no-such-package/);
    const run = pipelab("4242");
    assert.equal(run.status, 1, run.stderr);
    assert.match(run.stderr, /no folder .*4242 and no run 4242 in .*cli\.db/);
  });
});
