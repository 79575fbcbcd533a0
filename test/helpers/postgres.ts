import { spawn, spawnSync } from "node:child_process";
import type { ChildProcess, SpawnSyncReturns } from "node:child_process";
import { appendFileSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { userInfo, tmpdir } from "node:os";
import { join } from "node:path";
import { after } from "node:test";

/**
 * A real, temporary PostgreSQL 15 server for the tests: a fresh `initdb` in a
 * temporary folder, listening on 127.0.0.1 only, on a free port, with its unix
 * socket in that folder. It is stopped and its folder removed when the test
 * file ends, and by a watchdog process if the test process dies first.
 *
 * @example
 * ```ts
 * const pg = postgresOrSkip();
 * describe("the PostgreSQL store", { skip: pg.skip }, () => {
 *   it("answers", () => { const db = SyncPostgres.connect(pg.server.url); ... });
 * });
 * ```
 */
export interface TestPostgres {
  /** postgres://superuser@127.0.0.1:port/postgres (trust auth: no password). */
  readonly url: string;
  readonly port: number;
  /** The superuser's name (trusted on loopback). */
  readonly superuser: string;
  /** The cluster's data folder (owned by the `postgres` user when the tests run as root). */
  readonly dataDir: string;
  /** The folder holding the server's unix socket. */
  readonly socketDir: string;
  /** Milliseconds that initdb and the first start took. */
  readonly startupMs: number;
  /** A url for another role or database of this server (a password is put in the url when given). */
  urlFor(options: { user?: string; password?: string; database?: string }): string;
  /**
   * Runs SQL as the superuser through psql and returns the rows, each a list of
   * its fields as text (fields and rows must not themselves hold control
   * characters \x1e or \x1f). Throws with psql's message when the SQL fails.
   */
  query(sql: string, database?: string): string[][];
  /** Creates a login role, with a password (then it must give it: scram-sha-256 on loopback) or without. */
  createRole(name: string, password?: string): void;
  /** Creates a new, empty database (its name starts with `prefix`, made unique) and returns its url for the superuser. */
  newDatabase(prefix?: string): string;
  /** Stops the server (fast shutdown: connections are cut); nothing happens when it is already stopped. */
  stop(): void;
  /** Starts it again: same data folder, same port. */
  start(): void;
  /** Stops then starts the server, as a DBA's restart would. */
  restart(): void;
  /**
   * Restarts the server from another process once `conditionSql` (a query
   * answering true or false) answers true: lets a test restart the server while
   * its own thread is blocked in a query. Resolves when the restart is done.
   */
  restartWhen(conditionSql: string): Promise<void>;
  /**
   * Starts the stopped server from another process after `delayMs`: lets a
   * test's thread be blocked in a reconnect while the server comes back.
   * Resolves when the server is up.
   */
  startAfter(delayMs: number): Promise<void>;
}

/** The server for a test file, or why there is none. */
export interface PostgresForTests {
  /** false, or why the tests skip: give it to describe's `skip` option. */
  readonly skip: string | false;
  /** The server; throws when there is none (a skipped describe never asks). */
  readonly server: TestPostgres;
}

/** Debian's binaries of the newest PostgreSQL installed (/usr/lib/postgresql/VERSION/bin), unless PIPELAB_POSTGRES_BIN says. */
const BIN = process.env.PIPELAB_POSTGRES_BIN ?? newestPostgresBin();

function newestPostgresBin(): string {
  const root = "/usr/lib/postgresql";
  const versions = existsSync(root) ? readdirSync(root).filter((v) => /^\d+$/.test(v) && existsSync(join(root, v, "bin", "initdb"))) : [];
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0] ?? "15";
  return join(root, newest, "bin");
}
const SUPERUSER = "pipelab_test";
const REQUIRE = "PIPELAB_REQUIRE_POSTGRES";

/**
 * Starts a server for this test file, or says loudly why the tests skip. With
 * PIPELAB_REQUIRE_POSTGRES=1 (CI), a server that cannot start is an error, not a skip.
 */
export function postgresOrSkip(options: StartOptions = {}): PostgresForTests {
  let server: TestPostgres | undefined;
  let skip: string | false = false;
  try {
    server = startPostgres(options);
  } catch (error) {
    const reason = `PostgreSQL cannot start here: ${(error as Error).message}`;
    if (process.env[REQUIRE] === "1") throw new Error(`${reason} (${REQUIRE}=1: the PostgreSQL tests must run)`, { cause: error });
    skip = `${reason}. Install Debian's postgresql (15) to run these tests; set ${REQUIRE}=1 to make this an error`;
    const bar = "!".repeat(78);
    console.warn(`\n${bar}\n!! SKIPPING POSTGRESQL TESTS\n!! ${skip}\n${bar}\n`);
  }
  return {
    skip,
    get server(): TestPostgres {
      if (server === undefined) throw new Error(skip || "no PostgreSQL server");
      return server;
    },
  };
}

export interface StartOptions {
  /** Extra postgresql.conf settings, e.g. { max_connections: "40" }. */
  settings?: Record<string, string>;
}

/** Starts a temporary server now (synchronously, about a second), stopped and removed when the test file ends; throws with the reason when it cannot. */
export function startPostgres(options: StartOptions = {}): TestPostgres {
  const server = startPostgresServer(options);
  after(() => server.dispose());
  return server;
}

/**
 * The same server outside node:test (a benchmark): the caller stops it and
 * removes its folder with `dispose()` (the watchdog does it if the process dies first).
 */
export function startPostgresServer(options: StartOptions = {}): TestPostgres & { dispose(): void } {
  const started = performance.now();
  for (const tool of ["initdb", "pg_ctl", "postgres", "psql"]) {
    if (!existsSync(join(BIN, tool))) throw new Error(`${join(BIN, tool)} is missing`);
  }
  // PostgreSQL refuses to run as root: then the cluster belongs to the `postgres` user.
  const asRoot = userInfo().uid === 0;
  const owner = asRoot ? lookupUser("postgres") : undefined;
  if (asRoot && owner === undefined) throw new Error("the tests run as root and there is no `postgres` user to own the cluster");
  const root = mkdtempSync(join(tmpdir(), "pipelab-pg-"));
  const dataDir = join(root, "data");
  const socketDir = join(root, "socket");
  mkdirSync(socketDir);
  if (owner !== undefined) {
    chownSync(root, owner.uid, owner.gid);
    chownSync(socketDir, owner.uid, owner.gid);
  }
  const run = (tool: string, args: string[]): SpawnSyncReturns<string> => {
    const command = asRoot ? ["runuser", "-u", "postgres", "--", join(BIN, tool), ...args] : [join(BIN, tool), ...args];
    return spawnSync(command[0] as string, command.slice(1), { cwd: root, encoding: "utf8", timeout: 120_000 });
  };
  const fail = (what: string, r: SpawnSyncReturns<string>): Error => {
    const log = existsSync(join(root, "server.log")) ? readFileSync(join(root, "server.log"), "utf8").trim().split("\n").slice(-5).join("\n") : "";
    return new Error(`${what} failed (exit ${r.status ?? r.signal ?? r.error?.message}): ${`${r.stderr ?? ""}${r.stdout ?? ""}`.trim()}${log ? `\n${log}` : ""}`);
  };

  const removeFolder = (): void => {
    try {
      rmSync(root, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
    } catch (error) {
      console.warn(`could not remove the PostgreSQL test folder ${root}: ${(error as Error).message}`);
    }
  };
  const init = run("initdb", ["-D", dataDir, "-U", SUPERUSER, "--auth=trust", "--no-sync", "--encoding=UTF8", "--locale=C", "--no-instructions"]);
  if (init.status !== 0) {
    removeFolder();
    throw fail("initdb", init);
  }
  writeFileSync(
    join(dataDir, "pg_hba.conf"),
    ["local all all trust", `host all ${SUPERUSER} 127.0.0.1/32 trust`, "host all all 127.0.0.1/32 scram-sha-256", ""].join("\n"),
  );
  const settings: Record<string, string> = {
    listen_addresses: "'127.0.0.1'",
    unix_socket_directories: `'${socketDir}'`,
    fsync: "off",
    synchronous_commit: "off",
    full_page_writes: "off",
    ...options.settings,
  };

  let port = 0;
  let running = false;
  const start = (): void => {
    const r = run("pg_ctl", ["-D", dataDir, "-l", join(root, "server.log"), "-w", "-t", "60", "start"]);
    if (r.status !== 0) throw fail("pg_ctl start", r);
    running = true;
  };
  const watchdog = startWatchdog(asRoot, dataDir, root);
  // A free port can be taken between asking and binding: then another one.
  for (let attempt = 1; ; attempt++) {
    port = freePort();
    appendFileSync(join(dataDir, "postgresql.conf"), `\nport = ${port}\n${Object.entries(settings).map(([k, v]) => `${k} = ${v}`).join("\n")}\n`);
    try {
      start();
      break;
    } catch (error) {
      if (attempt >= 3) {
        stopWatchdog(watchdog);
        removeFolder();
        throw error;
      }
    }
  }

  /** pg_ctl on this cluster as a shell command, for the background helpers. */
  const ctl = (action: string): string => `${asRoot ? "runuser -u postgres -- " : ""}'${join(BIN, "pg_ctl")}' -D '${dataDir}' -l '${join(root, "server.log")}' -w -t 60 ${action}`;
  const stop = (): void => {
    if (!running) return;
    const r = run("pg_ctl", ["-D", dataDir, "-m", "fast", "-w", "-t", "60", "stop"]);
    if (r.status !== 0 && existsSync(join(dataDir, "postmaster.pid"))) throw fail("pg_ctl stop", r);
    running = false;
  };
  const psql = (sql: string, database = "postgres"): string[][] => {
    const args = ["-X", "-q", "-A", "-t", "-F", "\x1f", "-R", "\x1e", "-v", "ON_ERROR_STOP=1", "-h", socketDir, "-p", String(port), "-U", SUPERUSER, "-d", database, "-c", sql];
    const r = spawnSync(join(BIN, "psql"), args, { encoding: "utf8", timeout: 120_000 });
    if (r.status !== 0) throw new Error(`psql failed on ${JSON.stringify(sql.slice(0, 200))}: ${(r.stderr || r.error?.message || "").trim()}`);
    return r.stdout
      .replace(/\n$/, "")
      .split("\x1e")
      .filter((line) => line !== "")
      .map((line) => line.split("\x1f"));
  };
  const quoteIdent = (name: string): string => `"${name.replace(/"/g, '""')}"`;
  const quoteLiteral = (text: string): string => `'${text.replace(/'/g, "''")}'`;

  const dispose = (): void => {
    try {
      stop();
    } catch (error) {
      console.warn(`could not stop the PostgreSQL test server in ${dataDir}: ${(error as Error).message}`);
    }
    stopWatchdog(watchdog);
    removeFolder();
  };

  const urlFor = ({ user = SUPERUSER, password, database = "postgres" }: { user?: string; password?: string; database?: string }): string =>
    `postgres://${encodeURIComponent(user)}${password === undefined ? "" : `:${encodeURIComponent(password)}`}@127.0.0.1:${port}/${encodeURIComponent(database)}`;
  let databases = 0;
  return {
    dispose,
    url: urlFor({}),
    port,
    superuser: SUPERUSER,
    dataDir,
    socketDir,
    startupMs: performance.now() - started,
    urlFor,
    query: psql,
    createRole: (name, password) => void psql(`CREATE ROLE ${quoteIdent(name)} LOGIN${password === undefined ? "" : ` PASSWORD ${quoteLiteral(password)}`}`),
    newDatabase: (prefix = "test") => {
      const name = `${prefix}_${process.pid}_${++databases}`;
      psql(`CREATE DATABASE ${quoteIdent(name)}`);
      return urlFor({ database: name });
    },
    stop,
    start: () => {
      if (!running) start();
    },
    restart: () => {
      stop();
      start();
    },
    restartWhen: (conditionSql) => {
      const psqlArgs = `-X -q -A -t -h '${socketDir}' -p ${port} -U ${SUPERUSER} -d postgres`;
      // Polls every 50 ms: the condition is what the test waits for, the interval only how often it looks.
      const wait = `until [ "$('${join(BIN, "psql")}' ${psqlArgs} -c "$1")" = t ]; do sleep 0.05; done`;
      return inBackground(`${wait}; ${ctl("-m fast restart")}`, [conditionSql]);
    },
    startAfter: (delayMs) => {
      running = true;
      return inBackground(`sleep ${(delayMs / 1000).toFixed(3)}; ${ctl("start")}`, []);
    },
  };
}

/** Runs a shell script in another process (not blocked when this thread is); resolves when it succeeds. */
function inBackground(script: string, args: string[]): Promise<void> {
  const child = spawn("sh", ["-c", script, "sh", ...args], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`the background server command failed (exit ${code}): ${stderr.trim()}`))));
  });
}

function lookupUser(name: string): { uid: number; gid: number } | undefined {
  const r = spawnSync("id", ["-u", name], { encoding: "utf8" });
  const g = spawnSync("id", ["-g", name], { encoding: "utf8" });
  if (r.status !== 0 || g.status !== 0) return undefined;
  return { uid: Number(r.stdout.trim()), gid: Number(g.stdout.trim()) };
}

/** A port that nothing listens on now (asked of the system in a child process: this helper is synchronous). */
function freePort(): number {
  const script = `const s = require("node:net").createServer(); s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });`;
  const r = spawnSync(process.execPath, ["-e", script], { encoding: "utf8" });
  const port = Number(r.stdout.trim());
  if (r.status !== 0 || !Number.isInteger(port) || port <= 0) throw new Error(`could not find a free port: ${r.stderr.trim()}`);
  return port;
}

/**
 * A small detached process that stops the server and removes its folder if
 * this process dies without its after hooks (a crash, a kill): a test file
 * never leaves a server behind.
 */
function startWatchdog(asRoot: boolean, dataDir: string, root: string): ChildProcess | undefined {
  const ctl = `${asRoot ? "runuser -u postgres -- " : ""}'${join(BIN, "pg_ctl")}' -D '${dataDir}' -m immediate -w stop`;
  const script = `while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done; ${ctl} >/dev/null 2>&1; rm -rf '${root}'`;
  try {
    const child = spawn("sh", ["-c", script], { detached: true, stdio: "ignore" });
    child.on("error", () => undefined);
    child.unref();
    return child;
  } catch {
    return undefined;
  }
}

function stopWatchdog(watchdog: ChildProcess | undefined): void {
  if (watchdog?.pid === undefined || watchdog.exitCode !== null) return;
  try {
    process.kill(-watchdog.pid); // its group: the shell and its `sleep`
  } catch {
    // Gone already.
  }
}
