import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { log, parseDuration } from "../../src/cli/sweep-queue";
import { SweepError } from "../../src/errors";
import { parseJobData, storeForJobs, storeOfJob } from "../../src/sweep/queue";
import type { SweepJobData } from "../../src/sweep/queue";

const job: SweepJobData = { sweep: "tiny-1", index: 3, script: "pipelines/tiny.ts", scriptHash: "ab12", params: { lr: 0.1 }, store: null };

describe("sweep jobs in the queue", () => {
  it("reads a job's data back only when it has the shape of a sweep job", () => {
    assert.deepEqual(parseJobData(JSON.parse(JSON.stringify(job))), job);
    for (const bad of [null, "text", { ...job, index: 1.5 }, { ...job, params: [1] }, { ...job, store: 3 }, { ...job, script: undefined }]) {
      assert.throws(() => parseJobData(bad), (e: unknown) => e instanceof SweepError && /is not a pipelab sweep job/.test(e.message));
    }
  });

  it("queues the store's url without its password; a worker supplies its own for the same user and server", () => {
    const queued = storeForJobs("postgres://lab:s3cret@db.internal:5432/runs");
    assert.equal(queued, "postgres://lab@db.internal:5432/runs");
    assert.equal(storeOfJob({ ...job, store: queued }, "postgres://lab:s3cret@db.internal:5432/queue"), "postgres://lab:s3cret@db.internal:5432/runs");
    // Another user or server: the worker's PGPASSWORD or ~/.pgpass, not the queue's password.
    assert.equal(storeOfJob({ ...job, store: queued }, "postgres://other:pw@db.internal:5432/queue"), queued);
    assert.equal(storeOfJob(job, "postgres://lab:pw@q/queue"), "postgres://lab:pw@q/queue", "no store: the queue's database");
  });

  it("takes durations as 90, 90s, 30m or 2h, under pg-boss's 24 hours", () => {
    assert.deepEqual(["90", "90s", "30m", "2h"].map((d) => parseDuration(d, "--job-timeout")), [90, 90, 1800, 7200]);
    for (const bad of ["0", "-5", "24h", "10 minutes", ""]) assert.throws(() => parseDuration(bad, "--job-timeout"), /invalid --job-timeout/);
  });
});

describe("what pipelab sweep prints", () => {
  it("makes control characters visible, line by line (a script's error, a worker's name, a param)", () => {
    const lines: string[] = [];
    const print = console.log;
    console.log = (line: string) => void lines.push(line);
    try {
      log("  ✗ {\"lr\":0.1} by host\x1b[2J: \x1b]0;pwned\x07failed\nsecond\rline");
    } finally {
      console.log = print;
    }
    assert.equal(lines.length, 2, "a table's lines stay lines");
    assert.ok(lines.every((l) => !/[\x00-\x08\x0b-\x1f\x7f]/.test(l)), JSON.stringify(lines));
    assert.match(lines[0] ?? "", /host.*2J/);
  });
});
