import assert from "node:assert/strict";
import Database from "better-sqlite3";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { TrackingError } from "../../src/errors";
import { ExperimentStore } from "../../src/tracking";
import type { RunId } from "../../src/tracking";
import { FilterError, MAX_FILTER_DEPTH, MAX_FILTER_LENGTH, MAX_FILTER_TERMS, MAX_IN_VALUES, compileFilter, parseFilter } from "../../src/tracking/filter";
import type { FilterField, FilterNode, FilterObject, RunFilter } from "../../src/tracking/filter";
import { tempDir } from "../helpers/tmp";
import { describeFiltersOnStore } from "./filter-cases";

/** A tree as a short s-expression, so that expectations read at a glance. */
function sexp(node: FilterNode): string {
  const field = (f: FilterField) => (f.scope === "run" ? f.column : `${f.scope}[${JSON.stringify(f.key)}]`);
  switch (node.kind) {
    case "and":
    case "or":
      return `(${node.kind}${node.operands.map((o) => ` ${sexp(o)}`).join("")})`;
    case "not":
      return `(not ${sexp(node.operand)})`;
    case "compare":
      return `(${node.op} ${field(node.field)} ${JSON.stringify(node.value)})`;
    case "in":
      return `(in ${field(node.field)} ${node.values.map((v) => JSON.stringify(v)).join(" ")})`;
    case "isNull":
      return `(${node.negated ? "is-not-null" : "is-null"} ${field(node.field)})`;
  }
}

const INJECTION = "x'; DROP TABLE runs; --";

describe("parseFilter", () => {
  const parsed = (text: string) => sexp(parseFilter(text));

  it("binds not tighter than and, and and tighter than or", () => {
    assert.equal(
      parsed('status = "failed" or params.m = 1 and metrics.x > 2'),
      '(or (= status "failed") (and (= params["m"] 1) (> metrics["x"] 2)))',
    );
    assert.equal(parsed('not status = "failed" and id = 1'), '(and (not (= status "failed")) (= id 1))');
    assert.equal(parsed("not not id = 1"), "(not (not (= id 1)))");
    assert.equal(parsed("id = 1 or id = 2 or id = 3"), "(or (= id 1) (= id 2) (= id 3))");
  });

  it("groups with parentheses", () => {
    assert.equal(parsed("(id = 1 or id = 2) and id = 3"), "(and (or (= id 1) (= id 2)) (= id 3))");
    assert.equal(parsed('not (status = "failed" and id = 1)'), '(not (and (= status "failed") (= id 1)))');
    assert.equal(parsed("((id = 1))"), "(= id 1)");
  });

  it("reads keywords, field names and booleans in any case; keys keep theirs", () => {
    assert.equal(
      parsed('ID = 1 AnD NoT Status IS NOT NULL oR PARAMS.Lr IN (TRUE, False) and Metrics.X Is Null'),
      '(or (and (= id 1) (not (is-not-null status))) (and (in params["Lr"] true false) (is-null metrics["X"])))',
    );
  });

  it("reads all the operators, and = null / != null as is null / is not null", () => {
    assert.equal(
      parsed('id != 1 and id < 2 and id <= 3 and id > 4 and id >= 5 and name ~ "a" and name in ("b") and name is null'),
      '(and (!= id 1) (< id 2) (<= id 3) (> id 4) (>= id 5) (~ name "a") (in name "b") (is-null name))',
    );
    assert.equal(parsed("params.k = null or params.k != null"), '(or (is-null params["k"]) (is-not-null params["k"]))');
  });

  it("reads bare and quoted keys", () => {
    assert.equal(parsed('params."hidden size" = 1'), '(= params["hidden size"] 1)');
    assert.equal(parsed("params.'it\\'s' = 1"), '(= params["it\'s"] 1)');
    assert.equal(parsed("metrics.val/loss < 1"), '(< metrics["val/loss"] 1)');
    assert.equal(parsed("params.a.b-c_d = 1"), '(= params["a.b-c_d"] 1)');
    assert.equal(parsed("tags.Équipe = 'ok'"), '(= tags["Équipe"] "ok")');
  });

  it("reads strings in both quotes, with backslash escapes for the quote and the backslash", () => {
    const value = (text: string) => {
      const node = parseFilter(text);
      assert.equal(node.kind, "compare");
      return node.kind === "compare" ? node.value : undefined;
    };
    assert.equal(value('name = "say \\"hi\\""'), 'say "hi"');
    assert.equal(value("name = 'it\\'s'"), "it's");
    assert.equal(value('name = "back\\\\slash"'), "back\\slash");
    assert.equal(value('name = "C:\\data"'), "C:\\data", "any other backslash is kept");
    assert.equal(value("name = 'mixed \"quotes\"'"), 'mixed "quotes"');
    assert.equal(value('name = ""'), "");
  });

  it("reads numbers: negative, decimal, with exponents", () => {
    assert.equal(
      parsed("id = 3 and metrics.x > -0.5 and metrics.x < .5 and metrics.y = 1e-3 and metrics.z = 2.5E+2 and metrics.w>-7"),
      '(and (= id 3) (> metrics["x"] -0.5) (< metrics["x"] 0.5) (= metrics["y"] 0.001) (= metrics["z"] 250) (> metrics["w"] -7))',
    );
  });

  it("records where each condition starts, and parses an empty filter as match-all", () => {
    const node = parseFilter('  status = "failed" or metrics.loss < 1');
    assert.equal(node.kind, "or");
    if (node.kind === "or") {
      assert.deepEqual(
        node.operands.map((o) => (o.kind === "compare" ? o.position : undefined)),
        [2, 23],
      );
    }
    assert.deepEqual(parseFilter(""), { kind: "and", operands: [] });
    assert.deepEqual(parseFilter(" \n "), { kind: "and", operands: [] });
  });
});

describe("compileFilter", () => {
  /** Every SQL literal in a compiled condition is one of these fixed ones. */
  const FIXED_LITERALS = new Set(["'number'", "'string'", "'boolean'", "'\\'"]);

  it("writes keys and values only as bound parameters", () => {
    const filters: RunFilter[] = [
      `params.model = "${INJECTION}" and name = '${INJECTION.replace("'", "\\'")}' or tags.note ~ "${INJECTION}"`,
      `params."${INJECTION}" is null and metrics."${INJECTION}" > 1 and tags."${INJECTION}" in ("${INJECTION}")`,
      { params: { [INJECTION]: INJECTION }, name: { contains: INJECTION }, experiment: { in: [INJECTION] } },
    ];
    for (const filter of filters) {
      const { where, params } = compileFilter(filter);
      assert.ok(!where.includes("DROP") && !where.includes("--") && !where.includes(";"), where);
      for (const literal of where.match(/'[^']*'/g) ?? []) assert.ok(FIXED_LITERALS.has(literal), `unexpected literal ${literal} in ${where}`);
      assert.ok(params.some((p) => typeof p === "string" && p.includes(INJECTION)), JSON.stringify(params));
      assert.equal(where.split("?").length - 1, params.length, "one parameter per placeholder");
    }
  });

  it("compiles the documented example", () => {
    const { where, params } = compileFilter('metrics.accuracy > 0.9 and params.model = "mlp" and status in ("finished", "crashed")');
    assert.equal(
      where,
      "(EXISTS (SELECT 1 FROM metric_finals m WHERE m.run_id = r.id AND m.key = ? AND m.value > ?)" +
        " AND EXISTS (SELECT 1 FROM params p WHERE p.run_id = r.id AND p.key = ? AND (p.type = 'string' AND p.value = ?))" +
        " AND r.status IN (SELECT value FROM json_each(?)))",
    );
    assert.deepEqual(params, ["accuracy", 0.9, "model", "mlp", '["finished","crashed"]']);
  });

  it("binds an in list as one JSON array a type, so that its length costs one parameter", () => {
    const { where, params } = compileFilter('params.lr in (0.1, "0.01", true, 2, "x", false)');
    assert.equal(
      where,
      "EXISTS (SELECT 1 FROM params p WHERE p.run_id = r.id AND p.key = ? AND (" +
        "(p.type = 'number' AND CAST(p.value AS REAL) IN (SELECT CAST(value AS REAL) FROM json_each(?)))" +
        " OR (p.type = 'string' AND p.value IN (SELECT value FROM json_each(?)))" +
        " OR (p.type = 'boolean' AND p.value IN (SELECT value FROM json_each(?)))))",
    );
    assert.deepEqual(params, ["lr", "[0.1,2]", '["0.01","x"]', '["true","false"]']);
    assert.deepEqual(compileFilter(`id in (${Array.from({ length: MAX_IN_VALUES }, (_, i) => i).join(", ")})`).params.length, 1);
  });

  it("writes short and / or chains flat and long ones as nested groups of at most 8", () => {
    const ids = (n: number, op: string) => Array.from({ length: n }, (_, i) => `id = ${i}`).join(op);
    assert.equal(compileFilter(ids(8, " or ")).where, `(${Array(8).fill("r.id = ?").join(" OR ")})`);
    assert.equal(compileFilter(ids(9, " and ")).where, "((r.id = ? AND r.id = ?) AND (r.id = ? AND r.id = ?) AND (r.id = ? AND r.id = ?) AND (r.id = ? AND r.id = ?) AND r.id = ?)");
    /** How deep the parentheses of a condition go. */
    const depth = (where: string) => {
      let level = 0;
      let deepest = 0;
      for (const c of where) {
        level += c === "(" ? 1 : c === ")" ? -1 : 0;
        deepest = Math.max(deepest, level);
      }
      return deepest;
    };
    assert.equal(depth(compileFilter(ids(MAX_FILTER_TERMS, " or ")).where), 4);
    assert.equal(compileFilter(ids(MAX_FILTER_TERMS, " or ")).params.length, MAX_FILTER_TERMS);
  });

  it("escapes %, _ and \\ in ~ patterns", () => {
    assert.deepEqual(compileFilter('name ~ "50%_a\\\\b"').params, ["%50\\%\\_a\\\\b%"]);
  });

  it("matches every run for an empty filter", () => {
    assert.deepEqual(compileFilter(""), { where: "1", params: [] });
    assert.deepEqual(compileFilter({}), { where: "1", params: [] });
  });
});

const filterStoreFile = join(tempDir("pipelab-filter-"), "experiments.db");
describeFiltersOnStore("the SQLite store", () => {
  const file = filterStoreFile;
  const db = (): Database.Database => new Database(file);
  return {
    open: () => ExperimentStore.open(file),
    exec(sql, params = []) {
      const conn = db();
      try {
        conn.prepare(sql).run(...params);
      } finally {
        conn.close();
      }
    },
    tables() {
      const conn = db();
      try {
        return (conn.prepare("SELECT name FROM sqlite_schema ORDER BY name").all() as { name: string }[]).map((r) => r.name);
      } finally {
        conn.close();
      }
    },
  };
});

describe("filter errors", () => {
  /** Asserts that `text` fails at `position`, with a message matching `problem`, the column and a caret. */
  function rejects(text: string, position: number, problem: RegExp): void {
    assert.throws(
      () => compileFilter(text),
      (error: unknown) => {
        assert.ok(error instanceof FilterError, String(error));
        assert.ok(error instanceof TrackingError);
        assert.equal(error.name, "FilterError");
        assert.equal(error.position, position, error.message);
        assert.match(error.message, new RegExp(`^invalid filter at column ${position + 1}: `));
        assert.match(error.message, problem);
        assert.ok(error.message.endsWith(`\n  ${text}\n  ${" ".repeat(position)}^`), error.message);
        return true;
      },
    );
  }

  it("shows the column and a caret under the problem", () => {
    assert.throws(() => parseFilter('metrics.accuracy > and status = "finished"'), {
      name: "FilterError",
      position: 19,
      message: 'invalid filter at column 20: expected a value after ">"\n  metrics.accuracy > and status = "finished"\n                     ^',
    });
  });

  const cases: [string, number, RegExp][] = [
    // missing values
    ["metrics.accuracy >", 18, /expected a value after ">"$/m],
    ['status = "failed" and', 21, /expected a field such as metrics.accuracy or status, got the end of the filter/],
    ["status = finished", 9, /expected a value after "=", got finished; quote text: "finished"/],
    ['status in ("failed", )', 21, /expected a value after ","/],
    // unknown fields, with the closest known one
    ['stauts = "finished"', 0, /unknown field "stauts"; did you mean "status"\?/],
    ["metric.accuracy > 0.9", 0, /unknown field "metric.accuracy"; did you mean "metrics.accuracy"\?/],
    ["accuracy > 0.9", 0, /unknown field "accuracy"; did you mean metrics.accuracy, params.accuracy or tags.accuracy\?/],
    ["config.lr = 1", 0, /unknown field "config.lr"; fields are params.KEY, metrics.KEY, tags.KEY, id, name/],
    ["params. = 1", 7, /expected a key after "params."/],
    ['params."" = 1', 7, /empty key after "params."/],
    // strings and numbers
    ['name = "abc', 7, /unterminated string: add the closing "/],
    ["params.'hidden size = 1", 7, /unterminated string: add the closing '/],
    ["metrics.accuracy > 0.9abc", 19, /invalid number "0.9abc"/],
    ['name = "a" @', 11, /unexpected character "@"/],
    // parentheses and trailing text
    ['(status = "failed" or id = 1', 0, /"\(" is never closed: add "\)"/],
    ['status in ("failed", "killed"', 10, /"\(" is never closed/],
    ['status = "failed")', 17, /unexpected "\)" without a matching "\("/],
    ['status = "failed" extra', 18, /unexpected "extra" after a complete condition; join conditions with and \/ or/],
    ['(status = "failed" id = 1)', 19, /unexpected "id": join conditions with and \/ or, or close the "\(" of column 1/],
    ['status in ("failed" "killed")', 20, /expected "," or "\)" in the list, got "killed"/],
    // operators
    ["metrics.accuracy == 0.9", 17, /unknown operator "=="; use =, !=, <, <=, >, >=, ~, in \(\.\.\.\), is null or is not null/],
    ['params.model like "m"', 13, /unknown operator "like"/],
    ['status not in ("failed")', 7, /unknown operator "not".*not status/],
    ["metrics.accuracy 0.9", 17, /expected an operator after metrics.accuracy, got "0.9"/],
    ["status is nul", 10, /expected null or not null after is/],
    ['status in "failed"', 10, /expected "\(" after in/],
    ["status in ()", 10, /empty list after in: give at least one value/],
    // types
    ['metrics.accuracy = "high"', 19, /metric "accuracy" is a number: compare it with a number, not "high"/],
    ["metrics.accuracy = true", 19, /metric "accuracy" is a number/],
    ['metrics.loss ~ "x"', 13, /metric "loss" is a number: ~ \(contains\) applies to text/],
    ['metrics.accuracy in (0.9, "x")', 26, /metric "accuracy" is a number/],
    ['status = "bogus"', 9, /unknown status "bogus"; use running, finished, failed, killed, crashed/],
    ['status in ("finished", "bogus")', 23, /unknown status "bogus"/],
    ['status < "finished"', 7, /status has no order/],
    ['source = "cron"', 9, /unknown source "cron"; use notebook, script, interactive/],
    ["tags.seed = 42", 12, /tag "seed" is text: quote the value, as in tags.seed = "42"/],
    ["name = 42", 7, /name is text/],
    ["params.stratify > true", 16, /booleans have no order/],
    ["params.model ~ 3", 15, /~ \(contains\) takes a quoted string, not 3/],
    ['id = "3"', 5, /id is a number: compare it with a number, not "3"/],
    ['started > "yesterday"', 10, /started is an ISO 8601 time in UTC/],
    ['ended < "2026-11-01 10:00"', 8, /ended is an ISO 8601 time/],
    ["params.x in (1, null)", 16, /null cannot be in an in list; use or params.x is null/],
    ["metrics.x < null", 12, /null can only follow = or !=/],
  ];
  for (const [text, position, problem] of cases) {
    it(`rejects ${JSON.stringify(text)} at column ${position + 1}`, () => rejects(text, position, problem));
  }

  const objectCases: [string, unknown, RegExp][] = [
    ["an unknown comparison", { metrics: { accuracy: { gtt: 0.9 } } }, /^invalid filter: unknown comparison "gtt" for metrics.accuracy; use eq, ne, lt, lte, gt, gte, in, contains$/],
    ["an unknown key", { metric: { accuracy: 1 } }, /^invalid filter: unknown filter key "metric"; did you mean "metrics"\?/],
    ["an unknown status", { status: "bogus" }, /unknown status "bogus"; use running, finished/],
    ["a string for a metric", { metrics: { accuracy: "high" } }, /metric "accuracy" is a number: compare it with a number, not "high"/],
    ["a number for a tag", { tags: { team: { lt: 3 } } }, /tag "team" is text/],
    ["an empty in", { status: { in: [] } }, /empty list after in for status/],
    ["an in that is not a list", { status: { in: "finished" } }, /in for status must be an array/],
    ["a list instead of in", { params: { lr: [0.1, 0.2] } }, /params.lr: to match any of several values, write \{ in: \[\.\.\.\] \}/],
    ["an empty comparison", { params: { lr: {} } }, /empty comparison for params.lr/],
    ["a value that is not a filter value", { params: { lr: Number.NaN } }, /invalid value for params.lr: NaN/],
    ["a time that is not ISO", { startedAfter: "yesterday" }, /started is an ISO 8601 time/],
    ["an invalid Date", { startedBefore: new Date("nope") }, /startedBefore must be a valid Date/],
    ["params that are not an object", { params: "lr=1" }, /params must be an object/],
  ];
  for (const [what, filter, problem] of objectCases) {
    it(`rejects an object filter with ${what}, at position -1 and without a caret`, () => {
      assert.throws(
        () => compileFilter(filter as FilterObject),
        (error: unknown) => {
          assert.ok(error instanceof FilterError, String(error));
          assert.equal(error.position, -1);
          assert.match(error.message, problem);
          assert.ok(!error.message.includes("\n"), error.message);
          return true;
        },
      );
    });
  }
});

describe("filter limits", () => {
  const store = ExperimentStore.open(join(tempDir("pipelab-filter-limits-"), "experiments.db"));
  /** A number that JSON writes as an integer, which SQLite would keep exact rather than read as the double it is. */
  const BIG = 2993542873442216000;
  /**
   * Runs numbered 1 to 7, named run-1 to run-7, with metric m = 1 to 7, by
   * their `seed` param: the number 7, the string "7", 9999, 10000, "s-42",
   * true, and none (run 7 has only the param `big` = BIG).
   */
  const seeds = [7, "7", 9999, 10_000, "s-42", true, undefined];
  const run: RunId[] = seeds.map((seed, i) => {
    const id = store.createRun({ experiment: "limits", sourceKind: "script", name: `run-${i + 1}` });
    store.logParams(id, seed === undefined ? { big: BIG } : { seed });
    store.logMetric(id, "m", i + 1);
    return id;
  });
  after(() => store.close());

  /** The runs (numbered as above) a filter selects, through the store. */
  function select(filter: RunFilter): number[] {
    return store
      .listRuns({ filter })
      .map((r) => run.indexOf(r.id) + 1)
      .sort((a, b) => a - b);
  }

  /** Asserts that an expression fails at `position` with a message matching `problem`, and a caret under that character. */
  function rejectsAt(text: string, position: number, problem: RegExp): void {
    assert.throws(
      () => compileFilter(text),
      (error: unknown) => {
        assert.ok(error instanceof FilterError, String(error));
        assert.equal(error.position, position, error.message);
        assert.match(error.message, new RegExp(`^invalid filter at column ${position + 1}: `));
        assert.match(error.message, problem);
        const [shown = "", caret = ""] = error.message.split("\n").slice(-2);
        assert.match(caret, /^ *\^$/, error.message);
        assert.equal(shown[caret.length - 1], text[position] ?? " ", error.message);
        assert.ok(error.message.length < 600, `a long filter is shown only around the column, not in ${error.message.length} characters`);
        return true;
      },
    );
  }

  const numbers = (n: number, from = 0) => Array.from({ length: n }, (_, i) => from + i);
  const list = (values: readonly unknown[]) => `(${values.map((v) => JSON.stringify(v)).join(", ")})`;

  it("are 64 levels of nesting, 1,000 conditions, 10,000 values in a list and 1,000,000 characters", () => {
    assert.deepEqual([MAX_FILTER_DEPTH, MAX_FILTER_TERMS, MAX_IN_VALUES, MAX_FILTER_LENGTH], [64, 1_000, 10_000, 1_000_000]);
  });

  describe("nesting", () => {
    it(`allows ${MAX_FILTER_DEPTH} levels of parentheses, or of not`, () => {
      const depth = MAX_FILTER_DEPTH;
      assert.deepEqual(select(`${"(".repeat(depth)}params.seed = 7${")".repeat(depth)}`), [1]);
      assert.deepEqual(select(`${"not ".repeat(depth)}params.seed = 7`), [1]);
      assert.deepEqual(select(`${"not (".repeat(depth / 2)}params.seed = 7${")".repeat(depth / 2)}`), [1]);
    });

    it("rejects one level more at the ( or not that goes over, naming the limit", () => {
      const problem = /nested too deeply: more than 64 levels of "\(" and not/;
      rejectsAt(`${"(".repeat(MAX_FILTER_DEPTH + 1)}id = 1${")".repeat(MAX_FILTER_DEPTH + 1)}`, MAX_FILTER_DEPTH, problem);
      rejectsAt(`${"not ".repeat(MAX_FILTER_DEPTH + 1)}id = 1`, MAX_FILTER_DEPTH * 4, problem);
      rejectsAt(`${"not (".repeat(MAX_FILTER_DEPTH / 2)}not id = 1${")".repeat(MAX_FILTER_DEPTH / 2)}`, (MAX_FILTER_DEPTH / 2) * 5, problem);
    });

    it("rejects 10,000 parentheses or 10,001 nots with a FilterError, not a stack overflow", () => {
      const problem = /nested too deeply: more than 64 levels/;
      rejectsAt(`${"(".repeat(10_000)}id = 1${")".repeat(10_000)}`, MAX_FILTER_DEPTH, problem);
      rejectsAt(`${"not ".repeat(10_001)}id = 1`, MAX_FILTER_DEPTH * 4, problem);
    });
  });

  describe("conditions", () => {
    const seedIs = (n: number) => numbers(n).map((i) => `params.seed = ${i}`);

    it(`runs an or chain, and an and chain, of ${MAX_FILTER_TERMS} conditions in SQLite`, () => {
      assert.deepEqual(select(seedIs(MAX_FILTER_TERMS).join(" or ")), [1]);
      assert.deepEqual(select(seedIs(MAX_FILTER_TERMS).map((c) => `not ${c}`).join(" and ")), [2, 3, 4, 5, 6, 7]);
      assert.deepEqual(select(numbers(MAX_FILTER_TERMS).map((i) => `id != ${run[0]! + 100 + i}`).join(" and ")), [1, 2, 3, 4, 5, 6, 7]);
    });

    it("runs the deepest SQL the limits allow: 64 levels of and / or, 15 conditions each, the nested group first", () => {
      // (... ((seed = 7 or seed = 1000 or ...) and seed != 1100 and ...) or ...): run 1 all the way up.
      let filter = "params.seed = 7";
      for (let level = 0; level < MAX_FILTER_DEPTH; level++) {
        const [op, join] = level % 2 === 0 ? ["=", " or "] : ["!=", " and "];
        filter = `(${[filter, ...numbers(15, 1000 + 100 * level).map((i) => `params.seed ${op} ${i}`)].join(join)})`;
      }
      assert.deepEqual(select(filter), [1]);
    });

    it("rejects one condition more at its field, naming the limit and suggesting in", () => {
      const text = seedIs(MAX_FILTER_TERMS + 1).join(" or ");
      rejectsAt(text, text.lastIndexOf("params.seed"), /too many conditions: more than 1000; to match one of many values, use in/);
    });

    it(`rejects an object filter with more than ${MAX_FILTER_TERMS} entries`, () => {
      const params = Object.fromEntries(numbers(MAX_FILTER_TERMS + 1).map((i) => [`p${i}`, i]));
      assert.throws(() => compileFilter({ params }), { name: "FilterError", position: -1, message: /^invalid filter: too many conditions: 1001, at most 1000/ });
      delete params.p0;
      assert.deepEqual(select({ params }), []);
    });
  });

  describe("in lists", () => {
    it(`selects by ${MAX_IN_VALUES} numbers, keeping numbers apart from strings`, () => {
      assert.deepEqual(select(`params.seed in ${list(numbers(MAX_IN_VALUES))}`), [1, 3]);
      assert.deepEqual(select({ params: { seed: { in: numbers(MAX_IN_VALUES) } } }), [1, 3]);
    });

    it(`selects by ${MAX_IN_VALUES} strings, keeping strings apart from numbers`, () => {
      assert.deepEqual(select(`params.seed in ${list(numbers(MAX_IN_VALUES).map(String))}`), [2]);
      assert.deepEqual(select(`params.seed in ${list(numbers(MAX_IN_VALUES).map((i) => `s-${i}`))}`), [5]);
      assert.deepEqual(select({ params: { seed: { in: numbers(MAX_IN_VALUES).map(String) } } }), [2]);
    });

    it("selects by a list mixing numbers, strings and booleans, each matching its own type", () => {
      const values = [...numbers(MAX_IN_VALUES / 2 - 1, 10_000), "s-42", true];
      assert.deepEqual(select(`params.seed in ${list(values)}`), [4, 5, 6]);
    });

    it("selects by long lists on metrics, ids and names too", () => {
      assert.deepEqual(select(`metrics.m in ${list(numbers(MAX_IN_VALUES, -5000))}`), [1, 2, 3, 4, 5, 6, 7]);
      assert.deepEqual(select(`id in ${list([...numbers(MAX_IN_VALUES - 1, run[6]! + 1), run[1]])}`), [2]);
      assert.deepEqual(select(`name in ${list(numbers(MAX_IN_VALUES).map((i) => `run-${i}`))}`), [1, 2, 3, 4, 5, 6, 7]);
    });

    it("compares numbers as the doubles they are, even beyond 2^53", () => {
      assert.deepEqual(select(`params.big in (${BIG}, 1)`), [7]);
      assert.deepEqual(select({ params: { big: { in: [BIG] } } }), [7]);
    });

    it("rejects one value more at that value, naming the limit", () => {
      const text = `params.seed in ${list(numbers(MAX_IN_VALUES + 1))}`;
      rejectsAt(text, text.lastIndexOf(String(MAX_IN_VALUES)), /too many values in the list: more than 10000; split it into several in lists joined with or/);
      assert.throws(() => compileFilter({ params: { seed: { in: numbers(MAX_IN_VALUES + 1) } } }), {
        name: "FilterError",
        message: /^invalid filter: in for params.seed has 10001 values, at most 10000/,
      });
    });

    it("takes more values as several lists joined with or", () => {
      assert.deepEqual(select(`params.seed in ${list(numbers(MAX_IN_VALUES, 1))} or params.seed in ${list(numbers(MAX_IN_VALUES, MAX_IN_VALUES + 1))}`), [1, 3, 4]);
    });
  });

  it(`rejects an expression longer than ${MAX_FILTER_LENGTH} characters at the first character over`, () => {
    const text = `name = "${"x".repeat(MAX_FILTER_LENGTH)}"`;
    rejectsAt(text, MAX_FILTER_LENGTH, /filter too long: 1000009 characters, at most 1000000/);
  });
});
