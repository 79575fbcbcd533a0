/**
 * Benchmark of the pipelab kernel (src/notebook) through real Jupyter: a
 * cell's round trip, and how fast the stop button stops a long step.
 *
 * The kernel is registered in a Jupyter path of the benchmark's own (as the
 * tests do) and driven by jupyter_client, the library Jupyter's own front
 * ends use, from bench/kernel_session.py: one kernel session per repeat
 * (REPEATS, 5 unless `--repeats N` is given), each with
 *   1. WARMUP_CELLS then CELLS executions of `1 + 1`: a round trip is the time
 *      from sending the execute_request to receiving its execute_reply; a
 *      repeat's figure is the median of its CELLS round trips;
 *   2. a step training a small MLP for 100,000 epochs with trainModel,
 *      interrupted with km.interrupt_kernel() (SIGINT, the kernelspec's
 *      interrupt_mode) once its progress display shows an epoch;
 *   3. a step reading a CSV of CSV_ROWS rows (about 60 MB) with readCsv,
 *      interrupted with km.interrupt_kernel() 1 s after the cell wrote a flag
 *      file just before the step (a print would wait for the event loop, which
 *      the synchronous read holds);
 *   4. the training step again, stopped by an interrupt_request on the
 *      control channel.
 * An interrupt's latency runs from just before the interrupt is sent to the
 * execute_reply, which must be a KeyboardInterrupt naming the step (else the
 * benchmark fails). For context, the time readCsv takes on the same file in
 * this process (outside the kernel, no interrupt), once, is reported too.
 *
 * Each figure is the median over the repeats, with their min and max; the
 * samples are listed. The timings include jupyter_client's own overhead (its
 * blocking client runs an asyncio loop per call) and the ZeroMQ hops.
 *
 * Run from the repository root:
 *   npm run --silent bench -- kernel [--repeats N]
 *   node --import tsx bench/kernel.ts [--repeats N]   (without rebuilding dist/)
 * The kernel runs pipelab's build (dist/), which `npm run bench` rebuilds first.
 * One JSON object goes to stdout; progress lines go to stderr. Files live in
 * bench/.out/ (inside the repository, so that cells resolve "pipelab" as in a
 * project), removed at the end.
 */
import { spawnSync } from "node:child_process";
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { readCsv } from "pipelab";
import { findJupyterPython, installKernel } from "../src/setup";
import { collectGarbage, machineInfo, median, progressFor, round } from "./lib";

const REPEATS = 5;
const CELLS = 50;
const WARMUP_CELLS = 5;
const CSV_ROWS = 2_000_000;
const READ_INTERRUPT_AFTER_S = 1;
const SESSION_TIMEOUT_MS = 20 * 60_000;

const progress = progressFor("kernel");
const root = join(__dirname, "..");

// ---------------------------------------------------------------------------
// Options

function repeatsFrom(args: readonly string[]): number {
  const at = args.indexOf("--repeats");
  if (at < 0) return REPEATS;
  const value = args[at + 1] ?? "";
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`invalid --repeats: ${JSON.stringify(value)} (give a whole number of at least 1)`);
  return n;
}

// ---------------------------------------------------------------------------
// What a session reports (bench/kernel_session.py), checked on the way in

interface InterruptResult {
  status: string;
  ename: string | null;
  evalue: string | null;
  interruptToReplyMs: number;
}

interface SessionResult {
  python: string;
  jupyterClient: string;
  cells: { ms: number; status: string; result: string | null }[];
  train: InterruptResult;
  read: InterruptResult;
  message: InterruptResult;
}

function objectAt(value: unknown, where: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new Error(`${where}: expected an object, got ${JSON.stringify(value)}`);
  return value as Record<string, unknown>;
}

function stringAt(o: Record<string, unknown>, key: string, where: string): string {
  const v = o[key];
  if (typeof v !== "string") throw new Error(`${where}.${key}: expected a string, got ${JSON.stringify(v)}`);
  return v;
}

function numberAt(o: Record<string, unknown>, key: string, where: string): number {
  const v = o[key];
  if (typeof v !== "number" || !Number.isFinite(v)) throw new Error(`${where}.${key}: expected a number, got ${JSON.stringify(v)}`);
  return v;
}

function nullableStringAt(o: Record<string, unknown>, key: string, where: string): string | null {
  return o[key] === null || o[key] === undefined ? null : stringAt(o, key, where);
}

function parseInterrupt(value: unknown, where: string): InterruptResult {
  const o = objectAt(value, where);
  return {
    status: stringAt(o, "status", where),
    ename: nullableStringAt(o, "ename", where),
    evalue: nullableStringAt(o, "evalue", where),
    interruptToReplyMs: numberAt(o, "interrupt_to_reply_ms", where),
  };
}

/** The session's result file, or what went wrong in it: a failed setup cell or a missing phase. */
function parseSession(text: string, file: string): SessionResult {
  const o = objectAt(JSON.parse(text), file);
  const setup = objectAt(o.setup, `${file}: setup`);
  if (setup.status !== "ok") throw new Error(`the setup cell failed: ${JSON.stringify(setup.evalue)}`);
  if (!Array.isArray(o.cells)) throw new Error(`${file}: the cells of \`1 + 1\` are missing`);
  const cells = o.cells.map((c: unknown, i) => {
    const cell = objectAt(c, `${file}: cells[${i}]`);
    return { ms: numberAt(cell, "ms", `cells[${i}]`), status: stringAt(cell, "status", `cells[${i}]`), result: nullableStringAt(cell, "result", `cells[${i}]`) };
  });
  return {
    python: stringAt(o, "python", file),
    jupyterClient: stringAt(o, "jupyter_client", file),
    cells,
    train: parseInterrupt(o.train, `${file}: train`),
    read: parseInterrupt(o.read, `${file}: read`),
    message: parseInterrupt(o.message, `${file}: message`),
  };
}

/** Fails unless every cell answered 2 and every interrupt stopped its step with a KeyboardInterrupt. */
function checkSession(s: SessionResult): void {
  const wrong = s.cells.filter((c) => c.status !== "ok" || c.result !== "2");
  if (wrong.length > 0) throw new Error(`${wrong.length} cells of \`1 + 1\` did not answer 2, e.g. ${JSON.stringify(wrong[0])}`);
  const expected: ["train" | "read" | "message", RegExp][] = [
    ["train", /^step "train" was interrupted at epoch \d+/],
    ["read", /^step "read" was interrupted at reading big\.csv$/],
    ["message", /^step "train" was interrupted at epoch \d+/],
  ];
  for (const [name, evalue] of expected) {
    const r = s[name];
    if (r.status !== "error" || r.ename !== "KeyboardInterrupt" || !evalue.test(r.evalue ?? "")) {
      throw new Error(`the ${name} cell was not stopped as expected: ${r.status} ${r.ename ?? ""}: ${r.evalue ?? ""}`);
    }
  }
}

// ---------------------------------------------------------------------------
// Fixtures and sessions

/** The CSV of interrupt.test.ts: CSV_ROWS rows of id, two numbers and a label (about 60 MB), written in chunks. */
function writeBigCsv(file: string): void {
  const fd = openSync(file, "w");
  try {
    writeSync(fd, "id,a,b,label\n");
    const chunk: string[] = [];
    for (let i = 0; i < CSV_ROWS; i++) {
      chunk.push(`${i},${(i * 0.37) % 1},${(i * 7) % 13},${i % 3 === 0 ? "x" : "y"}\n`);
      if (chunk.length === 100_000) writeSync(fd, chunk.splice(0).join(""));
    }
    writeSync(fd, chunk.join(""));
  } finally {
    closeSync(fd);
  }
}

function readCsvOnce(file: string): number {
  collectGarbage();
  const started = performance.now();
  const frame = readCsv(file);
  const ms = performance.now() - started;
  if (frame.shape[0] !== CSV_ROWS) throw new Error(`readCsv read ${frame.shape[0]} rows of ${file}, expected ${CSV_ROWS}`);
  return ms;
}

function runSession(python: string, dir: string, env: NodeJS.ProcessEnv, repeat: number): SessionResult {
  const resultFile = join(dir, `session-${repeat}.json`);
  const run = spawnSync(python, [join(__dirname, "kernel_session.py"), dir, resultFile, String(CELLS), String(WARMUP_CELLS), String(READ_INTERRUPT_AFTER_S)], {
    env: {
      ...env,
      // A store and a cache of the session's own: every session starts alike.
      PIPELAB_STORE: join(dir, `experiments-${repeat}.db`),
      PIPELAB_CACHE_DIR: join(dir, `cache-${repeat}`),
    },
    // The driver's stdout carries nothing; the kernel's and the driver's stderr are progress.
    stdio: ["ignore", "ignore", "inherit"],
    timeout: SESSION_TIMEOUT_MS,
  });
  let text: string;
  try {
    text = readFileSync(resultFile, "utf8");
  } catch {
    throw new Error(`kernel session ${repeat + 1} wrote no result (exit ${run.status ?? run.signal}${run.error ? `, ${run.error.message}` : ""})`);
  }
  const session = parseSession(text, resultFile);
  if (run.status !== 0) throw new Error(`kernel session ${repeat + 1} failed (exit ${run.status ?? run.signal}): see its stderr above`);
  checkSession(session);
  return session;
}

/** Median over the repeats, their min and max, and the samples. */
function spread(samples: readonly number[]): { medianMs: number; minMs: number; maxMs: number; samplesMs: number[] } {
  const rounded = samples.map(round);
  return { medianMs: median(rounded), minMs: Math.min(...rounded), maxMs: Math.max(...rounded), samplesMs: rounded };
}

// ---------------------------------------------------------------------------

function main(): void {
  const repeats = repeatsFrom(process.argv.slice(2));
  const python = findJupyterPython()?.python;
  if (!python) throw new Error("no Python with Jupyter: run `node dist/cli/main.js setup`");
  mkdirSync(join(root, "bench", ".out"), { recursive: true });
  const dir = mkdtempSync(join(root, "bench", ".out", "kernel-"));
  try {
    writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "bench-kernel", private: true }));
    installKernel({ python, location: { kind: "prefix", prefix: join(dir, "jupyter") } });
    // Jupyter sees this kernel and none of the user's own.
    const env = {
      ...process.env,
      JUPYTER_PATH: join(dir, "jupyter", "share", "jupyter"),
      JUPYTER_DATA_DIR: join(dir, "jupyter-data"),
      HOME: dir,
      PYDEVD_DISABLE_FILE_VALIDATION: "1",
    };

    progress(`writing a CSV of ${CSV_ROWS} rows`);
    const csv = join(dir, "big.csv");
    writeBigCsv(csv);
    progress("readCsv of that file in this process, once");
    const readCsvOutsideKernelMs = round(readCsvOnce(csv));
    collectGarbage();

    const sessions: SessionResult[] = [];
    for (let i = 0; i < repeats; i++) {
      progress(`kernel session ${i + 1} of ${repeats}`);
      sessions.push(runSession(python, dir, env, i));
    }

    const cellMs = sessions.flatMap((s) => s.cells.map((c) => c.ms));
    const result = {
      benchmark: "kernel",
      date: new Date().toISOString(),
      machine: { ...machineInfo(), python: sessions[0]?.python, jupyterClient: sessions[0]?.jupyterClient },
      settings: {
        repeats,
        kernelSessions: "one per repeat",
        cellsPerRepeat: CELLS,
        warmupCellsPerRepeat: WARMUP_CELLS,
        csvRows: CSV_ROWS,
        readInterruptAfterS: READ_INTERRUPT_AFTER_S,
        statistic: "median over the repeats, with their min and max",
      },
      roundTripMs: { ...spread(sessions.map((s) => median(s.cells.map((c) => c.ms)))), cell: "1 + 1", allCellsMinMs: round(Math.min(...cellMs)), allCellsMaxMs: round(Math.max(...cellMs)) },
      trainInterruptToReplyMs: { ...spread(sessions.map((s) => s.train.interruptToReplyMs)), stoppedAt: sessions.map((s) => s.train.evalue) },
      readInterruptToReplyMs: { ...spread(sessions.map((s) => s.read.interruptToReplyMs)), stoppedAt: sessions.map((s) => s.read.evalue) },
      interruptRequestToReplyMs: { ...spread(sessions.map((s) => s.message.interruptToReplyMs)), stoppedAt: sessions.map((s) => s.message.evalue) },
      readCsvOutsideKernelMs,
    };
    // Indented, with each list of samples on one line.
    const text = JSON.stringify(result, null, 2).replace(/\[\s+([-\d.,\s]+?)\s+\]/g, (_, items: string) => `[${items.split(/,\s*/).join(", ")}]`);
    process.stdout.write(`${text}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

try {
  main();
} catch (error: unknown) {
  process.stderr.write(`bench kernel failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
