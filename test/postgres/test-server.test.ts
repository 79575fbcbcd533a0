import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { postgresOrSkip } from "../helpers/postgres";
import { tempDir } from "../helpers/tmp";

// The tests' PostgreSQL (test/helpers/postgres.ts): real, temporary, never left behind.

const pg = postgresOrSkip();
const root = join(__dirname, "..", "..");
const probe = join(__dirname, "fixtures", "server-probe.ts");

/** Runs the probe test file in a child process with these environment changes (undefined removes a variable). */
function runProbe(env: Record<string, string | undefined>): { status: number | null; signal: NodeJS.Signals | null; stderr: string; out: string } {
  const out = join(tempDir("pipelab-pg-probe-"), "probe.json");
  const merged: NodeJS.ProcessEnv = { ...process.env, PROBE_OUT: out };
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete merged[k];
    else merged[k] = v;
  }
  const r = spawnSync(process.execPath, ["--import", "tsx", probe], { cwd: root, env: merged, encoding: "utf8", timeout: 300_000 });
  return { status: r.status, signal: r.signal, stderr: r.stderr, out };
}

/** Whether a process runs (a zombie, ended but not yet reaped by an init that takes its time, does not). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return !existsSync("/proc/self/stat"); // no /proc (not Linux): kill(pid, 0) answered
  }
}

/** Waits until `condition` holds (the test's own timeout bounds the wait). */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 100));
}

describe("the tests' PostgreSQL server", () => {
  it("without PostgreSQL, skips its tests with a loud warning", () => {
    const r = runProbe({ PIPELAB_POSTGRES_BIN: "/nonexistent/bin", PIPELAB_REQUIRE_POSTGRES: undefined });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /SKIPPING POSTGRESQL TESTS/);
    assert.match(r.stderr, /\/nonexistent\/bin\/initdb is missing/);
    assert.ok(!existsSync(r.out), "the probe's test ran without a server");
  });

  it("without PostgreSQL but with PIPELAB_REQUIRE_POSTGRES=1, fails and says why", () => {
    const r = runProbe({ PIPELAB_POSTGRES_BIN: "/nonexistent/bin", PIPELAB_REQUIRE_POSTGRES: "1" });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /PostgreSQL cannot start here: \/nonexistent\/bin\/initdb is missing \(PIPELAB_REQUIRE_POSTGRES=1/);
  });

  describe("with PostgreSQL", { skip: pg.skip }, () => {
    it("is stopped and its folder removed when the test file ends", async () => {
      const r = runProbe({});
      assert.equal(r.status, 0, r.stderr);
      const { dataDir, postmaster } = JSON.parse(readFileSync(r.out, "utf8")) as { dataDir: string; postmaster: number };
      assert.ok(!existsSync(dataDir), `${dataDir} is still there`);
      // pg_ctl stop returns once the server removed its pid file, a moment before its process ends.
      await until(() => !alive(postmaster));
    });

    it("is stopped and its folder removed by a watchdog when the test process is killed", async () => {
      const r = runProbe({ PROBE_CRASH: "1" });
      assert.equal(r.signal, "SIGKILL", r.stderr);
      const { dataDir, postmaster } = JSON.parse(readFileSync(r.out, "utf8")) as { dataDir: string; postmaster: number };
      await until(() => !alive(postmaster) && !existsSync(dataDir));
    });

    it("restart() keeps the port and the data; stop() twice does nothing", () => {
      const server = pg.server;
      server.query("CREATE TABLE survives (v text); INSERT INTO survives VALUES ('kept')");
      const port = server.port;
      server.restart();
      assert.equal(server.port, port);
      assert.deepEqual(server.query("SELECT v FROM survives"), [["kept"]]);
      server.stop();
      server.stop();
      server.start();
      assert.deepEqual(server.query("SELECT count(*), current_setting('port') FROM survives"), [["1", String(port)]]);
    });

    it("listens on 127.0.0.1 only, and runs PostgreSQL 15", () => {
      assert.deepEqual(pg.server.query("SELECT current_setting('listen_addresses'), current_setting('server_version_num')::int / 10000"), [["127.0.0.1", "15"]]);
    });

    it("query() fails with psql's message", () => {
      assert.throws(() => pg.server.query("SELECT * FROM nowhere"), /relation "nowhere" does not exist/);
    });
  });
});
