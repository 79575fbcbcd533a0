/**
 * Who may read and change what in the shared store, enforced by PostgreSQL
 * itself (row-level security), not by the client: every run has an owner,
 * the database role that created it; a run is readable by its owner and, unless
 * it is private, by the members of the project's role; it is changed only by
 * its owner (an owner cannot be forged: a row that names another owner is
 * refused). Nothing is deleted by a member: deletions are soft (deleted_at),
 * and every change of a run, its params, tags and artifacts is in the audit
 * log, written by triggers.
 *
 * `initSharedStore` sets this up, idempotently, as the role that will own the
 * tables (an administrator): it creates the schema, the project's role, grants
 * it what members need, and the policies; and says what it did.
 */
import { TrackingError, messageOf } from "../errors";
import { SyncPostgres, redactUrl } from "../postgres";
import type { PostgresQueryable } from "../postgres";
import { migratePostgres } from "./pg-schema";
import type { RunId } from "./types";

/** The tables whose rows belong to a run, readable and writable as the run is. */
const RUN_TABLES = ["params", "metrics", "metric_finals", "metric_blocks", "tags", "step_executions", "artifacts", "pushed_runs"] as const;
/** Every table of the store, for grants and ownership. */
const ALL_TABLES = ["pipelab_schema", "experiments", "runs", ...RUN_TABLES, "code_sources", "audit_log"] as const;
const FUNCTIONS = ["pipelab_audit()", "pipelab_mark_crashed(integer[], integer)"] as const;

/** How the shared store is set up. */
export interface SharedStoreInit {
  /** The role whose members share the runs (created NOLOGIN when missing). Default "pipelab_project". */
  projectRole?: string;
  /** Existing login roles to make members of the project's role. */
  members?: readonly string[];
}

/** What initSharedStore did, one line each, and what was already so. */
export interface SharedStoreReport {
  done: string[];
  already: string[];
}

const ROLE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** A role name as SQL: only plain lower-case names, so that it is its own quoted identifier. */
function role(name: string): string {
  if (!ROLE_NAME.test(name)) throw new TrackingError(`invalid role name ${JSON.stringify(name)}: use lower-case letters, digits and _, starting with a letter or _`);
  return `"${name}"`;
}

/**
 * Creates or updates the shared store at `url` for a team: the schema, the
 * project's role and its members, the grants, row-level security and its
 * policies, the tables' and functions' owner (the role running this). Running
 * it again changes nothing that is already so.
 *
 * @example
 * ```ts
 * const report = initSharedStore("postgres://admin@db/pipelab", { members: ["alice", "bob"] });
 * for (const line of report.done) console.log(line);
 * ```
 */
export function initSharedStore(url: string, options: SharedStoreInit = {}): SharedStoreReport {
  const project = options.projectRole ?? "pipelab_project";
  const projectSql = role(project);
  const members = (options.members ?? []).map((m) => [m, role(m)] as const);
  const where = `the experiment store ${redactUrl(url)}`;
  let db: SyncPostgres;
  try {
    db = SyncPostgres.connect(url, { applicationName: "pipelab store init" });
  } catch (error) {
    throw new TrackingError(`cannot open ${where}: ${messageOf(error)}`, { cause: error });
  }
  const report: SharedStoreReport = { done: [], already: [] };
  const note = (changed: boolean, line: string): void => void (changed ? report.done : report.already).push(line);
  try {
    const before = db.query<{ n: number }>("SELECT count(*)::float8 AS n FROM pg_class WHERE relname = 'pipelab_schema' AND relnamespace = current_schema()::regnamespace").rows[0]?.n ?? 0;
    const version = migratePostgres(db, where);
    note(before === 0, `the store's schema, version ${version}`);
    db.transaction((tx) => {
      const exists = tx.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [project]).rows.length > 0;
      if (!exists) tx.query(`CREATE ROLE ${projectSql} NOLOGIN`);
      note(!exists, `the project's role ${project}`);
      for (const [name, sql] of members) {
        if (tx.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [name]).rows.length === 0) {
          throw new TrackingError(`no role ${name} on this server: create the login role first (CREATE ROLE ${name} LOGIN PASSWORD '...'), then run this again`);
        }
        const member = tx.query("SELECT pg_has_role($1, $2, 'MEMBER') AS m", [name, project]).rows[0]?.m === true;
        if (!member) tx.query(`GRANT ${projectSql} TO ${sql}`);
        note(!member, `${name} a member of ${project}`);
      }
      ownEverything(tx, note);
      grant(tx, projectSql, project, note);
      policies(tx, project, note);
    });
  } catch (error) {
    if (error instanceof TrackingError) throw error;
    throw new TrackingError(`cannot set up ${where}: ${messageOf(error)}`, { cause: error });
  } finally {
    db.close();
  }
  return report;
}

/** The tables and functions owned by the role running the init, which then bypasses row-level security (members never own them). */
function ownEverything(tx: PostgresQueryable, note: (changed: boolean, line: string) => void): void {
  const me = (tx.query<{ u: string }>("SELECT current_user AS u").rows[0] as { u: string }).u;
  const foreign = tx.query<{ name: string }>(
    "SELECT c.relname AS name FROM pg_class c WHERE c.relnamespace = current_schema()::regnamespace AND c.relname = ANY($1) AND pg_get_userbyid(c.relowner) <> current_user",
    [[...ALL_TABLES]],
  ).rows;
  for (const t of foreign) tx.query(`ALTER TABLE ${t.name} OWNER TO CURRENT_USER`);
  for (const f of FUNCTIONS) tx.query(`ALTER FUNCTION ${f} OWNER TO CURRENT_USER`);
  note(foreign.length > 0, `the tables and functions owned by ${me}`);
}

function grant(tx: PostgresQueryable, projectSql: string, project: string, note: (changed: boolean, line: string) => void): void {
  const missing = tx.query<{ t: string }>(
    "SELECT t FROM unnest($1::text[]) AS t WHERE NOT has_table_privilege($2, t, 'SELECT')",
    [[...ALL_TABLES], project],
  ).rows;
  tx.query(`GRANT USAGE ON SCHEMA ${schemaSql(tx)} TO ${projectSql}`);
  tx.query(`GRANT SELECT ON pipelab_schema, audit_log TO ${projectSql}`);
  tx.query(`GRANT SELECT, INSERT, UPDATE ON experiments, runs, ${RUN_TABLES.join(", ")}, code_sources TO ${projectSql}`);
  // No DELETE: a member deletes a run by marking it (deleted_at), which the audit records.
  tx.query(`REVOKE DELETE, TRUNCATE ON ${ALL_TABLES.join(", ")} FROM ${projectSql}`);
  tx.query(`REVOKE ALL ON FUNCTION pipelab_mark_crashed(integer[], integer) FROM PUBLIC`);
  tx.query(`GRANT EXECUTE ON FUNCTION pipelab_mark_crashed(integer[], integer) TO ${projectSql}`);
  note(missing.length > 0, `${project} may read the store, and add and change rows, never delete them`);
}

function schemaSql(tx: PostgresQueryable): string {
  const name = (tx.query<{ s: string }>("SELECT current_schema() AS s").rows[0] as { s: string }).s;
  return `"${name.replace(/"/g, '""')}"`;
}

/** The policies, each created when missing (a policy of the same name is left as it is). */
function policies(tx: PostgresQueryable, project: string, note: (changed: boolean, line: string) => void): void {
  const literal = `'${project}'`;
  const mine = "owner = current_user";
  const runVisible = `(${mine} OR (visibility = 'project' AND pg_has_role(current_user, ${literal}, 'MEMBER')))`;
  // A row of a run: as readable as the run (the runs table's own policy applies inside), changed only by the run's owner.
  const ofVisibleRun = (t: string): string => `EXISTS (SELECT 1 FROM runs r WHERE r.id = ${t}.run_id)`;
  const ofMyRun = (t: string): string => `EXISTS (SELECT 1 FROM runs r WHERE r.id = ${t}.run_id AND r.owner = current_user)`;
  const wanted: [table: string, name: string, sql: string][] = [
    ["runs", "runs_read", `CREATE POLICY runs_read ON runs FOR SELECT USING ${runVisible}`],
    ["runs", "runs_insert", `CREATE POLICY runs_insert ON runs FOR INSERT WITH CHECK (${mine})`],
    ["runs", "runs_update", `CREATE POLICY runs_update ON runs FOR UPDATE USING (${mine}) WITH CHECK (${mine})`],
    ...RUN_TABLES.flatMap((t): [string, string, string][] => [
      [t, `${t}_read`, `CREATE POLICY ${t}_read ON ${t} FOR SELECT USING (${ofVisibleRun(t)})`],
      [t, `${t}_insert`, `CREATE POLICY ${t}_insert ON ${t} FOR INSERT WITH CHECK (${ofMyRun(t)})`],
      [t, `${t}_update`, `CREATE POLICY ${t}_update ON ${t} FOR UPDATE USING (${ofMyRun(t)}) WITH CHECK (${ofMyRun(t)})`],
    ]),
    ["audit_log", "audit_log_read", `CREATE POLICY audit_log_read ON audit_log FOR SELECT USING (run_id IS NULL OR ${ofVisibleRun("audit_log")})`],
  ];
  const existing = new Set(tx.query<{ p: string }>("SELECT policyname AS p FROM pg_policies WHERE schemaname = current_schema()").rows.map((r) => r.p));
  let created = 0;
  for (const [, name, sql] of wanted) {
    if (existing.has(name)) continue;
    tx.query(sql);
    created++;
  }
  const off = tx.query<{ t: string }>(
    "SELECT c.relname AS t FROM pg_class c WHERE c.relnamespace = current_schema()::regnamespace AND c.relname = ANY($1) AND NOT c.relrowsecurity",
    [["runs", ...RUN_TABLES, "audit_log"]],
  ).rows;
  for (const { t } of off) tx.query(`ALTER TABLE ${t} ENABLE ROW LEVEL SECURITY`);
  note(created > 0 || off.length > 0, `row-level security on runs, ${RUN_TABLES.join(", ")} and audit_log (${created} of ${wanted.length} policies created)`);
}

/** One entry of the audit log. */
export interface AuditEntry {
  id: number;
  /** ISO 8601. */
  at: string;
  /** The database role that made the change. */
  actor: string;
  action: "insert" | "update" | "delete";
  table: string;
  runId: RunId | null;
  /** The param's or tag's key, for those tables. */
  key: string | null;
  /** Each changed column: [before, after] (null where there was no row). */
  changes: Record<string, [unknown, unknown]>;
}

/** Which audit entries: of one run, the newest `limit` (default 100), oldest first. */
export interface AuditQuery {
  run?: RunId;
  limit?: number;
}

/** The audit entries the caller may read (those of runs it may read), oldest first. */
export function readAudit(db: PostgresQueryable, q: AuditQuery = {}): AuditEntry[] {
  const rows = db.query<{ id: string; at: string; actor: string; action: AuditEntry["action"]; table_name: string; run_id: number | null; row_key: string | null; changes: Record<string, [unknown, unknown]> }>(
    `SELECT * FROM (SELECT id::text, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS at, actor, action, table_name, run_id, row_key, changes
       FROM audit_log WHERE ($1::integer IS NULL OR run_id = $1) ORDER BY id DESC LIMIT $2) newest ORDER BY id::int8`,
    [q.run ?? null, q.limit ?? 100],
  ).rows;
  return rows.map((r) => ({ id: Number(r.id), at: r.at, actor: r.actor, action: r.action, table: r.table_name, runId: r.run_id as RunId | null, key: r.row_key, changes: r.changes }));
}
