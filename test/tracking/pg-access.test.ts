import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { PostgresError, SyncPostgres } from "../../src/postgres";
import { ExperimentStore, PostgresStore, initSharedStore } from "../../src/tracking";
import type { RunId } from "../../src/tracking";
import { join } from "node:path";
import { runs as runsCommand } from "../../src/cli/runs-commands";
import { storeCommand } from "../../src/cli/store-command";
import { postgresOrSkip } from "../helpers/postgres";
import { tempDir } from "../helpers/tmp";

const pg = postgresOrSkip();

/** What a CLI command prints, run in this process, and its exit code. */
async function cli(command: { run(args: string[]): Promise<number> }, args: string[]): Promise<string> {
  const lines: string[] = [];
  const log = console.log;
  console.log = (line: string) => void lines.push(line);
  try {
    assert.equal(await command.run(args), 0);
  } finally {
    console.log = log;
  }
  return lines.join("\n");
}

/** A check for assert.throws: PostgreSQL refused with this SQLSTATE. */
function refused(code: string): (error: unknown) => boolean {
  return (error) => error instanceof PostgresError && error.code === code;
}

describe("the shared store's access control: row-level security and the audit, enforced by PostgreSQL", { skip: pg.skip }, () => {
  it("lets bob read alice's shared runs, not her private ones, change none of them, forge no owner; and audits each change", () => {
    const database = `access_${process.pid}`;
    pg.server.query(`CREATE DATABASE ${database}`);
    pg.server.createRole("alice", "alice-pass");
    pg.server.createRole("bob", "bob-pass");
    pg.server.createRole("mallory", "mallory-pass");
    const admin = pg.server.urlFor({ database });
    const first = initSharedStore(admin, { members: ["alice", "bob"] });
    assert.ok(first.done.some((l) => l.includes("row-level security")), first.done.join("\n"));
    assert.ok(first.done.some((l) => l.includes("alice a member of pipelab_project")));
    const again = initSharedStore(admin, { members: ["alice", "bob"] });
    assert.deepEqual(again.done, [], `nothing to do the second time: ${again.done.join("; ")}`);

    const url = (user: string): string => pg.server.urlFor({ user, password: `${user}-pass`, database });
    const alice = PostgresStore.open(url("alice"));
    const shared = alice.createRun({ experiment: "team", sourceKind: "script", name: "shared" });
    alice.logParams(shared, { lr: 0.1 });
    alice.logMetrics(shared, [{ key: "acc", value: 0.9 }]);
    alice.setTag(shared, "stage", "candidate");
    const secret = alice.createRun({ experiment: "team", sourceKind: "script", name: "secret" });
    alice.setVisibility(secret, "private");
    alice.logMetrics(secret, [{ key: "acc", value: 0.99 }]);

    const bob = PostgresStore.open(url("bob"));
    try {
      assert.deepEqual(bob.listRuns({ experiment: "team" }).map((r) => r.name), ["shared"], "alice's private run is invisible");
      assert.equal(bob.runDetails(secret), undefined);
      assert.equal(bob.runDetails(shared)?.metrics.acc, 0.9);
      assert.equal(bob.metricHistory(secret, "acc").length, 0, "nor its metrics");
      assert.equal(bob.compareRuns({ experiment: "team" }).total, 1);
      assert.throws(() => bob.setNote(shared, "mine now"), /run \d+ belongs to alice: only its owner can change it/);
      assert.throws(() => bob.logMetrics(shared, [{ key: "acc", value: 0 }]), /only a run's owner can change it or add to it/);
      assert.throws(() => bob.setTag(shared, "stage", "rejected"), /only a run's owner|belongs to alice/);
      assert.throws(() => bob.deleteRun(shared), /belongs to alice/);
      const mine = bob.createRun({ experiment: "team", sourceKind: "script", name: "bob's" });
      bob.endRun(mine, "finished");
    } finally {
      bob.close();
    }

    // The same, in plain SQL as bob: the database refuses, not the client.
    const raw = SyncPostgres.connect(url("bob"));
    try {
      assert.equal(raw.query("UPDATE runs SET note = 'x' WHERE id = $1", [shared]).rowCount, 0, "an update of alice's run changes 0 rows");
      assert.equal(raw.query("UPDATE runs SET owner = 'bob' WHERE id = $1", [shared]).rowCount, 0);
      assert.equal(raw.query("UPDATE params SET value = '9' WHERE run_id = $1", [shared]).rowCount, 0);
      const experiment = (raw.query<{ id: number }>("SELECT id FROM experiments WHERE name = 'team'").rows[0] as { id: number }).id;
      assert.throws(
        () =>
          raw.query(
            `INSERT INTO runs (experiment_id, status, source_kind, started_at, heartbeat_at, host, pid, node_version, pipelab_version, owner)
             VALUES ($1, 'finished', 'script', 'now', 'now', 'h', 1, 'v', 'v', 'alice')`,
            [experiment],
          ),
        refused("42501"),
        "forging alice as the owner is refused",
      );
      assert.throws(() => raw.query("DELETE FROM runs WHERE id = $1", [shared]), refused("42501"), "no deletes: they are soft");
      assert.throws(() => raw.query("INSERT INTO audit_log (action, table_name, changes) VALUES ('update', 'runs', '{}')"), refused("42501"), "nor writes to the audit");
      assert.throws(() => raw.query("INSERT INTO metrics (run_id, key, value, step, ts_ms) VALUES ($1, 'acc', 0, 0, 0)", [shared]), refused("42501"));
    } finally {
      raw.close();
    }

    // A role that is not a member reads nothing of anyone's.
    assert.throws(() => PostgresStore.open(url("mallory")).listRuns(), /permission denied/);

    alice.setNote(shared, "ready for review");
    alice.deleteRun(shared);
    alice.restoreRun(shared);
    const trail = alice.audit({ run: shared });
    assert.ok(trail.every((e) => e.actor === "alice"), JSON.stringify(trail));
    const described = trail.map((e) => `${e.action} ${e.table}${e.key ? `.${e.key}` : ""} ${Object.keys(e.changes).sort().join(",")}`);
    assert.ok(described.some((d) => d.startsWith("insert runs ")), described.join("\n"));
    assert.ok(described.includes("insert params.lr key,run_id,type,value"), described.join("\n"));
    assert.ok(described.includes("insert tags.stage key,run_id,value"), described.join("\n"));
    assert.ok(described.includes("update runs note"), described.join("\n"));
    assert.equal(described.filter((d) => d === "update runs deleted_at").length, 2, "the deletion and the restore");
    assert.ok(!described.some((d) => d.includes("heartbeat_at")), "a heartbeat is not a change");
    const note = trail.find((e) => e.table === "runs" && "note" in e.changes);
    assert.deepEqual(note?.changes.note, [null, "ready for review"]);
    alice.close();

    const bobsView = PostgresStore.open(url("bob"));
    try {
      assert.ok(bobsView.audit({ run: shared }).length > 0, "bob reads the audit of a run he may read");
      assert.deepEqual(bobsView.audit({ run: secret as RunId }), [], "not of alice's private run");
    } finally {
      bobsView.close();
    }
  });

  it("is pipelab store init (saying what it did, then that nothing was left to do), runs audit, runs private and share", async () => {
    const database = `access_cli_${process.pid}`;
    pg.server.query(`CREATE DATABASE ${database}`);
    pg.server.createRole("carol", "carol-pass");
    const admin = pg.server.urlFor({ database });
    const first = await cli(storeCommand, ["init", admin, "--member", "carol", "--project-role", "lab_team"]);
    assert.match(first, /^set up: the project's role lab_team$/m);
    assert.match(first, /^set up: carol a member of lab_team$/m);
    assert.match(first, /^set up: row-level security on runs/m);
    assert.match(await cli(storeCommand, ["init", admin, "--member", "carol", "--project-role", "lab_team"]), /nothing to do: the store was already set up/);
    await assert.rejects(cli(storeCommand, ["init", admin, "--member", "nobody_here"]), /no role nobody_here on this server: create the login role first/);
    await assert.rejects(cli(storeCommand, ["init", admin, "--member", "Robert'); DROP TABLE runs;--"]), /invalid role name/);

    const url = pg.server.urlFor({ user: "carol", password: "carol-pass", database });
    const store = PostgresStore.open(url);
    const run = store.createRun({ experiment: "cli", sourceKind: "script", name: "r" });
    store.setNote(run, "first note");
    store.close();
    assert.match(await cli(runsCommand, ["private", String(run), "--store", url]), new RegExp(`run ${run} is private`));
    assert.match(await cli(runsCommand, ["share", String(run), "--store", url]), new RegExp(`run ${run} is visible to the project`));
    const audit = await cli(runsCommand, ["audit", "--run", String(run), "--store", url]);
    assert.match(audit, new RegExp(`carol  insert runs of run ${run}: .*name="r"`));
    assert.match(audit, new RegExp(`carol  update runs of run ${run}: note: null -> "first note"`));
    assert.match(audit, /visibility: "project" -> "private"/);
    assert.match(audit, /visibility: "private" -> "project"/);
    const json = JSON.parse(await cli(runsCommand, ["audit", "--run", String(run), "--store", url, "--json"])) as { actor: string }[];
    assert.ok(json.length >= 4 && json.every((e) => e.actor === "carol"));
    const file = join(tempDir(), "experiments.db");
    await assert.rejects(cli(runsCommand, ["audit", "--store", file]), /runs audit needs the shared PostgreSQL store .* is a SQLite file/);
  });

  it("lets a member push a local store into the shared one (pipelab store push), the runs then hers", async () => {
    const database = `access_push_${process.pid}`;
    pg.server.query(`CREATE DATABASE ${database}`);
    pg.server.createRole("dana", "dana-pass");
    initSharedStore(pg.server.urlFor({ database }), { members: ["dana"] });
    const file = join(tempDir(), "experiments.db");
    const local = ExperimentStore.open(file);
    const run = local.createRun({ experiment: "local", sourceKind: "script", name: "from my laptop" });
    local.logMetrics(run, [{ key: "loss", step: 0, value: 1 }, { key: "loss", step: 1, value: 0.5 }]);
    local.endRun(run, "finished");
    local.close();
    const url = pg.server.urlFor({ user: "dana", password: "dana-pass", database });
    assert.match(await cli(storeCommand, ["push", "--to", url, "--store", file]), /copied 1 run \(2 metric points/);
    assert.match(await cli(storeCommand, ["push", "--to", url, "--store", file]), /copied 0 runs .*1 already there/);
    const shared = PostgresStore.open(url, { readOnly: true });
    try {
      const [pushed] = shared.listRuns({ experiment: "local" });
      assert.equal(pushed?.name, "from my laptop");
      assert.deepEqual(shared.metricHistory(pushed?.id as RunId, "loss").map((p) => p.value), [1, 0.5]);
      assert.ok(shared.audit({ run: pushed?.id as RunId }).every((e) => e.actor === "dana"));
    } finally {
      shared.close();
    }
  });
});
