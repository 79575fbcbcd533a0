import assert from "node:assert/strict";
import { inspect } from "node:util";
import { after, before, describe, it } from "node:test";
import { PipelabError } from "../../src/errors";
import { PostgresError, SyncPostgres } from "../../src/postgres";
import type { PostgresQueryable } from "../../src/postgres";
import { postgresOrSkip } from "../helpers/postgres";

const pg = postgresOrSkip();

/** A check for assert.throws: a PostgresError with this SQLSTATE (and the query it names, when given). */
function postgresError(code: string, query?: string): (error: unknown) => boolean {
  return (error) => {
    assert.ok(error instanceof PostgresError, `expected a PostgresError, got ${inspect(error)}`);
    assert.equal(error.code, code, error.message);
    if (query !== undefined) assert.equal(error.query, query);
    return true;
  };
}

describe("SyncPostgres", { skip: pg.skip }, () => {
  let db: SyncPostgres;
  before(() => {
    console.log(`note: the test server started in ${pg.server.startupMs.toFixed(0)} ms (initdb + pg_ctl start)`);
    db = SyncPostgres.connect(pg.server.url, { applicationName: "pipelab-tests" });
  });
  after(() => db.close());

  describe("binds parameters of every common type and returns typed values", () => {
    it("text, float8, int4, bool and null", () => {
      const { rows } = db.query<{ t: string; f: number; i: number; b: boolean; n: null; u: null }>(
        "SELECT $1::text AS t, $2::float8 AS f, $3::int4 AS i, $4::bool AS b, $5::text AS n, $6::int AS u",
        ["héllo, 'wörld' \"quoted\" \\ ✓", 0.1 + 0.2, -7, true, null, undefined],
      );
      assert.deepEqual(rows, [{ t: "héllo, 'wörld' \"quoted\" \\ ✓", f: 0.1 + 0.2, i: -7, b: true, n: null, u: null }]);
    });

    it("int8 from a string or a bigint, beyond 2^53, comes back as a string", () => {
      const big = 2n ** 62n + 1n;
      const { rows } = db.query<{ a: string; b: string; sum: string }>("SELECT $1::int8 AS a, $2::int8 AS b, $1::int8 + $2::int8 AS sum", [big, "-5"]);
      assert.deepEqual(rows, [{ a: big.toString(), b: "-5", sum: (big - 5n).toString() }]);
    });

    it("float8 special values: NaN, -Infinity, 1e-300", () => {
      const { rows } = db.query<{ nan: number; inf: number; tiny: number }>("SELECT $1::float8 AS nan, $2::float8 AS inf, $3::float8 AS tiny", [NaN, -Infinity, 1e-300]);
      assert.ok(Number.isNaN(rows[0]?.nan));
      assert.equal(rows[0]?.inf, -Infinity);
      assert.equal(rows[0]?.tiny, 1e-300);
    });

    it("jsonb objects and arrays, nested, round-trip", () => {
      const value = { run: 12, params: { lr: 0.01, layers: [16, 8] }, tags: ["a", "b"], note: null, ok: true };
      const { rows } = db.query<{ j: unknown; arr: unknown; field: string }>("SELECT $1::jsonb AS j, $2::jsonb AS arr, $1::jsonb -> 'params' ->> 'lr' AS field", [value, JSON.stringify([1, "two", { three: 3 }])]);
      assert.deepEqual(rows, [{ j: value, arr: [1, "two", { three: 3 }], field: "0.01" }]);
    });

    it("arrays of int, float8 and text (with commas, quotes, braces and nulls)", () => {
      const texts = ["a,b", 'say "hi"', "{braces}", "", null, "back\\slash"];
      const { rows } = db.query<{ ints: number[]; floats: number[]; texts: (string | null)[]; n: number }>(
        "SELECT $1::int[] AS ints, $2::float8[] AS floats, $3::text[] AS texts, cardinality($3::text[]) AS n",
        [[1, 2, 3], [0.5, -1.25], texts],
      );
      assert.deepEqual(rows, [{ ints: [1, 2, 3], floats: [0.5, -1.25], texts, n: texts.length }]);
    });

    it("timestamptz from a Date, bytea from a Uint8Array, numeric as a string", () => {
      const when = new Date("2026-11-30T04:05:06.789Z");
      const bytes = new Uint8Array([0, 1, 2, 254, 255]);
      const { rows } = db.query<{ at: Date; bytes: Uint8Array; num: string }>("SELECT $1::timestamptz AS at, $2::bytea AS bytes, $3::numeric * 2 AS num", [when, bytes, "12345678901234567890.5"]);
      assert.equal(rows[0]?.at.getTime(), when.getTime());
      assert.deepEqual([...(rows[0]?.bytes ?? [])], [...bytes]);
      assert.equal(rows[0]?.num, "24691357802469135781.0");
    });

    it("counts rows of INSERT, UPDATE and DELETE, and returns RETURNING rows", () => {
      db.query("CREATE TABLE counted (id int PRIMARY KEY, v text)");
      const inserted = db.query<{ id: number }>("INSERT INTO counted SELECT g, 'x' FROM generate_series(1, $1::int) g RETURNING id", [5]);
      assert.equal(inserted.rowCount, 5);
      assert.equal(inserted.command, "INSERT");
      assert.deepEqual(inserted.rows.map((r) => r.id), [1, 2, 3, 4, 5]);
      assert.equal(db.query("UPDATE counted SET v = $1 WHERE id > $2", ["y", 3]).rowCount, 2);
      assert.equal(db.query("DELETE FROM counted").rowCount, 5);
      db.query("DROP TABLE counted");
    });

    it("refuses a value that cannot cross to the driver's thread, and keeps working", () => {
      assert.throws(() => db.query("SELECT $1::text", [(() => 1) as unknown as string]), TypeError);
      assert.deepEqual(db.query("SELECT 1 AS one").rows, [{ one: 1 }]);
    });
  });

  describe("errors carry the SQLSTATE, the server's message and the query", () => {
    before(() => db.query("CREATE TABLE uniq (id int PRIMARY KEY)"));

    it("a unique violation is 23505, names the constraint and quotes the query", () => {
      db.query("INSERT INTO uniq VALUES ($1)", [1]);
      const sql = "INSERT INTO uniq VALUES ($1)";
      assert.throws(() => db.query(sql, [1]), postgresError("23505", sql));
      try {
        db.query(sql, [1]);
      } catch (error) {
        assert.ok(error instanceof PostgresError && error instanceof PipelabError);
        assert.equal(error.constraint, "uniq_pkey");
        assert.equal(error.table, "uniq");
        assert.equal(error.detail, "Key (id)=(1) already exists.");
        assert.match(error.serverMessage, /duplicate key value violates unique constraint "uniq_pkey"/);
        assert.ok(error.message.includes(sql) && error.message.includes("23505"), error.message);
      }
    });

    it("an undefined table is 42P01, a syntax error 42601 with its position, a bad value 22P02", () => {
      assert.throws(() => db.query("SELECT * FROM no_such_table"), postgresError("42P01", "SELECT * FROM no_such_table"));
      assert.throws(() => db.query("SELEC 1"), (error) => postgresError("42601")(error) && (error as PostgresError).position === 1);
      assert.throws(() => db.query("SELECT $1::int", ["seven"]), postgresError("22P02"));
    });

    it("quotes at most the first 200 characters of a long query, and masks password literals", () => {
      const long = `SELECT * FROM missing_table WHERE note = '${"x".repeat(500)}'`;
      assert.throws(() => db.query(long), (error) => postgresError("42P01")(error) && (error as PostgresError).query === `${long.slice(0, 200)}…`);
      assert.throws(
        () => db.query("ALTER ROLE no_such_role PASSWORD 'hunter2-secret'"),
        (error) => postgresError("42704")(error) && !(error as Error).message.includes("hunter2") && (error as PostgresError).query === "ALTER ROLE no_such_role PASSWORD '***'",
      );
    });

    it("a statement over statementTimeoutMs is cancelled by the server (57014) and the client goes on", () => {
      const timed = SyncPostgres.connect(pg.server.url, { statementTimeoutMs: 100 });
      try {
        assert.throws(() => timed.query("SELECT pg_sleep(30)"), postgresError("57014", "SELECT pg_sleep(30)"));
        assert.deepEqual(timed.query("SELECT 2 AS two").rows, [{ two: 2 }]);
      } finally {
        timed.close();
      }
    });

    it("an error leaves the client usable", () => {
      assert.throws(() => db.query("SELECT 1/0"), postgresError("22012"));
      assert.deepEqual(db.query("SELECT 3 AS three").rows, [{ three: 3 }]);
    });
  });

  describe("transactions", () => {
    before(() => db.query("CREATE TABLE ledger (id int PRIMARY KEY, note text)"));
    const count = (): number => Number(db.query<{ n: string }>("SELECT count(*) AS n FROM ledger").rows[0]?.n);

    it("commit what the function did and return what it returned", () => {
      const result = db.transaction((tx) => {
        tx.query("INSERT INTO ledger VALUES (1, 'a'), (2, 'b')");
        return tx.query<{ n: string }>("SELECT count(*) AS n FROM ledger").rows[0]?.n;
      });
      assert.equal(result, "2");
      assert.equal(count(), 2);
    });

    it("roll back when the function throws, and throw its very error", () => {
      const thrown = new Error("the step failed");
      assert.throws(
        () =>
          db.transaction((tx) => {
            tx.query("INSERT INTO ledger VALUES (3, 'c')");
            throw thrown;
          }),
        (error) => error === thrown,
      );
      assert.equal(count(), 2);
    });

    it("roll back when a statement fails, with the statement's PostgresError", () => {
      assert.throws(
        () =>
          db.transaction((tx) => {
            tx.query("INSERT INTO ledger VALUES (4, 'd')");
            tx.query("INSERT INTO ledger VALUES (1, 'duplicate')");
          }),
        postgresError("23505"),
      );
      assert.equal(count(), 2);
    });

    it("say so when a caught failure made COMMIT a ROLLBACK (25P02), rather than return as if committed", () => {
      assert.throws(
        () =>
          db.transaction((tx) => {
            tx.query("INSERT INTO ledger VALUES (5, 'e')");
            assert.throws(() => tx.query("INSERT INTO ledger VALUES (1, 'duplicate')"), postgresError("23505"));
          }),
        postgresError("25P02"),
      );
      assert.equal(count(), 2);
    });

    it("refuse to nest, and refuse the client's own query() while one is open (25001)", () => {
      let inner: unknown;
      db.transaction(() => {
        assert.throws(() => db.transaction(() => undefined), (error) => postgresError("25001")(error) && /do not nest/.test((error as Error).message));
        assert.throws(() => db.query("SELECT 1"), (error) => postgresError("25001")(error) && /tx\.query/.test((error as Error).message));
        inner = "refused";
      });
      assert.equal(inner, "refused");
      assert.deepEqual(db.query("SELECT 1 AS one").rows, [{ one: 1 }]);
    });

    it("refuse a `tx` kept past its transaction", () => {
      let kept: PostgresQueryable | undefined;
      db.transaction((tx) => {
        kept = tx;
      });
      assert.throws(() => kept?.query("SELECT 1"), (error) => postgresError("08003")(error) && /transaction has ended/.test((error as Error).message));
    });

    it("refuse an async function, rolling back what it did before its first await", async () => {
      const attempt = (): Promise<void> =>
        db.transaction(async (tx) => {
          tx.query("INSERT INTO ledger VALUES (6, 'f')");
          await Promise.resolve();
          tx.query("INSERT INTO ledger VALUES (7, 'g')");
        });
      assert.throws(attempt, (error) => error instanceof TypeError && /must be synchronous/.test(error.message));
      await new Promise((resolve) => setImmediate(resolve));
      assert.equal(count(), 2);
    });
  });

  describe("closing", () => {
    it("later calls say the client is closed (08003); closing again does nothing", () => {
      const other = SyncPostgres.connect(pg.server.url);
      assert.equal(inspect(other), `SyncPostgres <${pg.server.url}>`);
      other.close();
      other.close();
      assert.equal(other.isClosed, true);
      assert.equal(inspect(other), `SyncPostgres <${pg.server.url}> (closed)`);
      assert.throws(() => other.query("SELECT 1"), postgresError("08003"));
      assert.throws(() => other.transaction(() => undefined), postgresError("08003"));
    });

    it("ends the session on the server", async () => {
      const other = SyncPostgres.connect(pg.server.url, { applicationName: "closing-test" });
      const sessions = (): number => Number(db.query<{ n: string }>("SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = 'closing-test'").rows[0]?.n);
      assert.equal(sessions(), 1);
      other.close();
      // The server notices the end of the session asynchronously: wait for it (the test's timeout bounds the wait).
      while (sessions() !== 0) await new Promise((resolve) => setTimeout(resolve, 20));
    });
  });
});
