import assert from "node:assert/strict";
import { inspect } from "node:util";
import { after, before, describe, it } from "node:test";
import { PostgresError, SyncPostgres, redactUrl } from "../../src/postgres";
import { postgresOrSkip } from "../helpers/postgres";

const pg = postgresOrSkip();

/** A PostgresError saying the connection broke (08006) or could not be made again (08001). */
function connectionFailure(error: unknown): boolean {
  assert.ok(error instanceof PostgresError, `expected a PostgresError, got ${inspect(error)}`);
  assert.ok(error.connectionFailed, `expected a connection failure, got ${error.code}: ${error.message}`);
  return true;
}

/** Runs `call`; it may fail with a connection failure (the restart raced it) or succeed. */
function succeedsOrFailsClearly<T>(call: () => T): T | PostgresError {
  try {
    return call();
  } catch (error) {
    connectionFailure(error);
    return error as PostgresError;
  }
}

describe("SyncPostgres when the server goes away", { skip: pg.skip }, () => {
  let db: SyncPostgres;
  const rows = (): number => Number(db.query<{ n: string }>("SELECT count(*) AS n FROM kept").rows[0]?.n);
  before(() => {
    db = SyncPostgres.connect(pg.server.url, { applicationName: "reconnect-test" });
    db.query("CREATE TABLE kept (id int PRIMARY KEY)");
  });
  after(() => db.close());

  it("after a restart between calls, the next call fails clearly or works, and the one after works on the same client", () => {
    db.query("INSERT INTO kept VALUES (1)");
    pg.server.restart();
    succeedsOrFailsClearly(() => db.query("SELECT 1"));
    assert.equal(rows(), 1);
  });

  it("a statement in flight when the server restarts fails with 08006 naming it, and is not run again", async () => {
    const inFlight = "SELECT pg_sleep(60) /* in flight */";
    const restarted = pg.server.restartWhen(`SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE application_name = 'reconnect-test' AND state = 'active' AND query LIKE '%in flight%')`);
    assert.throws(
      () => db.query(inFlight),
      (error) => connectionFailure(error) && (error as PostgresError).code === "08006" && (error as PostgresError).query === inFlight && /not run again/.test((error as Error).message),
    );
    await restarted;
    assert.deepEqual(db.query("SELECT 2 AS two").rows, [{ two: 2 }]);
    assert.equal(rows(), 1);
  });

  it("a connection the server ends mid-statement (pg_terminate_backend) fails that statement only", () => {
    assert.throws(() => db.query("SELECT pg_terminate_backend(pg_backend_pid())"), (error) => connectionFailure(error) && /terminating connection/.test((error as Error).message));
    assert.deepEqual(db.query("SELECT 3 AS three").rows, [{ three: 3 }]);
  });

  it("a restart inside a transaction fails the transaction (08006) and rolls it back; the next call works", () => {
    assert.throws(
      () =>
        db.transaction((tx) => {
          tx.query("INSERT INTO kept VALUES (2)");
          pg.server.restart();
          tx.query("INSERT INTO kept VALUES (3)");
        }),
      (error) => connectionFailure(error) && (error as PostgresError).code === "08006",
    );
    assert.equal(rows(), 1);
    db.transaction((tx) => tx.query("INSERT INTO kept VALUES (4)"));
    assert.equal(rows(), 2);
  });

  it("while the server is down, a call waits for it to come back (reconnect with backoff)", async () => {
    pg.server.stop();
    const back = pg.server.startAfter(500);
    assert.deepEqual(db.query("SELECT 4 AS four").rows, [{ four: 4 }]);
    await back;
  });

  it("gives up after reconnectTimeoutMs with 08001, then works once the server is back", () => {
    const impatient = SyncPostgres.connect(pg.server.url, { reconnectTimeoutMs: 300 });
    try {
      pg.server.stop();
      assert.throws(() => impatient.query("SELECT 1"), (error) => connectionFailure(error) && (error as PostgresError).code === "08001" && /tried again for/.test((error as Error).message));
      pg.server.start();
      assert.deepEqual(impatient.query("SELECT 5 AS five").rows, [{ five: 5 }]);
    } finally {
      pg.server.start();
      impatient.close();
    }
  });
});

describe("SyncPostgres keeps passwords out of its messages", { skip: pg.skip }, () => {
  const password = "s3cr3t-p@ss/word";
  before(() => pg.server.createRole("alice", password));

  it("connects with a password", () => {
    const db = SyncPostgres.connect(pg.server.urlFor({ user: "alice", password }));
    try {
      assert.deepEqual(db.query("SELECT current_user AS me").rows, [{ me: "alice" }]);
      assert.ok(!inspect(db).includes("s3cr3t"), inspect(db));
    } finally {
      db.close();
    }
  });

  it("a wrong password fails at connect with 28P01, and the message holds no password", () => {
    const wrong = "wr0ng-Secret-XYZ";
    assert.throws(
      () => SyncPostgres.connect(pg.server.urlFor({ user: "alice", password: wrong })),
      (error) => {
        assert.ok(error instanceof PostgresError);
        assert.equal(error.code, "28P01");
        assert.ok(!`${error.message} ${error.stack}`.includes(wrong), error.message);
        assert.ok(error.message.includes("alice:***@127.0.0.1"), error.message);
        return true;
      },
    );
  });

  it("a lost connection's message holds no password", () => {
    const db = SyncPostgres.connect(pg.server.urlFor({ user: "alice", password }), { reconnectTimeoutMs: 200 });
    try {
      pg.server.stop();
      assert.throws(() => db.query("SELECT 1"), (error) => connectionFailure(error) && !`${(error as Error).message} ${(error as Error).stack}`.includes("s3cr3t"));
    } finally {
      pg.server.start();
      db.close();
    }
  });

  it("nothing listening: connect fails at once with 08001 and a redacted url", () => {
    const url = `postgres://alice:${encodeURIComponent(password)}@127.0.0.1:1/postgres`;
    assert.throws(
      () => SyncPostgres.connect(url),
      (error) => error instanceof PostgresError && error.code === "08001" && !error.message.includes("s3cr3t") && error.message.includes(redactUrl(url)),
    );
  });

  it("redactUrl masks the password and keeps the rest", () => {
    assert.equal(redactUrl("postgres://bob:pw@db.example:5433/lab?sslmode=require"), "postgres://bob:***@db.example:5433/lab?sslmode=require");
    assert.equal(redactUrl("postgres://bob@db.example/lab"), "postgres://bob@db.example/lab");
    assert.equal(redactUrl("host=db password=pw user=bob"), "host=db password=*** user=bob");
  });
});

describe("SyncPostgres server settings", { skip: pg.skip }, () => {
  it("sends them at every connect, so that a session made again after a restart has them too", () => {
    const db = SyncPostgres.connect(pg.server.url, { serverSettings: { jit: "off", work_mem: "8MB" } });
    try {
      const settings = (): unknown => db.query("SELECT current_setting('jit') AS jit, current_setting('work_mem') AS work_mem").rows[0];
      assert.deepEqual(settings(), { jit: "off", work_mem: "8MB" });
      pg.server.restart();
      try {
        settings();
      } catch (error) {
        assert.ok(error instanceof PostgresError, inspect(error));
      }
      assert.deepEqual(settings(), { jit: "off", work_mem: "8MB" });
    } finally {
      db.close();
    }
  });

  it("refuses a setting that could carry another option, quoting it", () => {
    assert.throws(() => SyncPostgres.connect(pg.server.url, { serverSettings: { jit: "off -c log_statement=all" } }), /invalid server setting 'jit'='off -c log_statement=all'/);
    assert.throws(() => SyncPostgres.connect(pg.server.url, { serverSettings: { "a b": "1" } }), /invalid server setting/);
  });
});
