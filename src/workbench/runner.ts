/**
 * The runner: the one place where step definitions (pipeline/), the step
 * cache (cache/) and the experiment store (tracking/) meet.
 *
 * For each step execution it fingerprints the code, inputs and the variables
 * the code reads, looks the key up in memory and on disk (a hit holds only
 * while the files the step read are unchanged), runs the function on a miss
 * (never with code other than the code its key describes), stores the
 * output, records the execution with the run, and says in one line what
 * happened.
 */
import { appendFileSync, existsSync, statfsSync } from "node:fs";
import { resolve } from "node:path";
import { StepCache, UnserializableError } from "../cache";
import type { CacheHit } from "../cache";
import { InterruptedError, StepError, messageOf } from "../errors";
import { notebookEnvironment, scriptEnvironment } from "../notebook";
import { explainChange, installModuleLoadHook, orderSteps, markOrigin, paramsFingerprint, primitiveFingerprint, projectPath, staleModules } from "../pipeline";
import type { CacheMode, CodeEnvironment, InputRef, KeyParts, KeyRecord, StepDefinition } from "../pipeline";
import { progressDisplay } from "../notebook";
import { asRunningStep, interruptibly, withStepContext } from "../run-context";
import type { LoggedPoint } from "../run-context";
import type { RunId, StepExecution } from "../tracking";
import { formatBytes, formatDuration } from "../util";
import { callerFile } from "./caller";
import { StepKeys } from "./step-key";
import type { StepKey } from "./step-key";
import { valueRef } from "./value-refs";
import type { ValueRef } from "./value-refs";

// Modules loaded from now on are seen loading, so that a step never computes with code its key does not describe.
installModuleLoadHook();

/** The state of a step in a plan. */
export type StepState = "fresh" | "stale" | "missing";

/** One line of a plan: a step, whether it would recompute, and why. */
export interface PlanEntry {
  step: string;
  state: StepState;
  /** For stale steps: what changed. For fresh ones: where the output is cached. */
  reasons: string[];
  /** The steps it takes inputs from (named inputs, and variables holding their outputs). */
  upstream: string[];
}

/** What the runner remembers of a step's latest execution. */
interface StepNode {
  def: StepDefinition;
  env: CodeEnvironment;
  record: KeyRecord;
  key: string;
  fingerprint: string;
  value: unknown;
  forced: boolean;
}

export interface RunnerContext {
  /** The current run: outputs computed now are credited to it. */
  runId(): RunId;
  cache: StepCache;
  projectRoot: string;
  /** The workbench's current parameters: a step that took them sees later changes in plans. */
  currentParams(): Readonly<Record<string, unknown>>;
  say(line: string): void;
  warn(line: string): void;
  /** Logs metric points to the current run (batched), from the named step. */
  log(points: readonly LoggedPoint[], step: string): void;
  /** The one listener of step executions (hit, computed, failed): the workbench records them with the run. */
  record(execution: StepExecution): void;
  /** The latest recorded execution of a step in this experiment, with its key parts: to explain a recompute in a new process. */
  lastExecution(step: string): { runId: RunId; cacheKey: string; keyParts: string } | undefined;
}

/** What one step execution did. */
export interface StepOutcome<T> {
  value: T;
  outcome: "hit" | "miss";
  tier?: "memory" | "disk";
  durationMs: number;
}


/** Free space of the file system holding `dir` (or its nearest existing parent), as text. */
function freeSpace(dir: string): string {
  let d = resolve(dir);
  while (!existsSync(d) && d !== resolve(d, "..")) d = resolve(d, "..");
  try {
    const st = statfsSync(d);
    return `${formatBytes(Number(st.bavail) * Number(st.bsize))} free`;
  } catch {
    return "free space unknown";
  }
}

export class Runner {
  private readonly nodes = new Map<string, StepNode>();
  /** Steps invalidated before they were (re)defined in this process. */
  private readonly invalidatedNames = new Set<string>();

  private readonly keys: StepKeys;

  constructor(private readonly ctx: RunnerContext) {
    this.keys = new StepKeys(ctx.projectRoot, (line) => ctx.warn(line), (f) => this.producerOf(f));
  }

  /** The code environment of the caller: the notebook, or the calling script module. */
  environment(inKernel: boolean): CodeEnvironment {
    if (inKernel) return notebookEnvironment();
    const file = callerFile();
    return file ? scriptEnvironment(file) : { kind: "script", imports: {}, baseDir: process.cwd(), resolve: () => new Map() };
  }

  /** Names of the steps defined so far, in definition order. */
  stepNames(): string[] {
    return [...this.nodes.keys()];
  }

  /** The step whose latest output has this fingerprint. */
  private producerOf(fingerprint: string): string | undefined {
    return [...this.nodes.values()].reverse().find((n) => n.fingerprint === fingerprint)?.def.name;
  }

  /**
   * Executes a step: look it up, else compute it (never with code other than
   * its key describes), store the output, and tell the one listener.
   */
  async execute<T>(def: StepDefinition, env: CodeEnvironment): Promise<StepOutcome<T>> {
    const started = performance.now();
    const k = await this.keyFor(def, env);
    const previous = this.nodes.get(def.name);
    // A value that cannot be identified makes the key unique: storing the output would only fill the cache.
    const mode: CacheMode = k.unidentified.length > 0 ? "off" : (def.options.cache ?? "disk");
    const forced = (previous?.forced ?? false) || this.invalidatedNames.has(def.name);
    this.invalidatedNames.delete(def.name);

    const looked = mode !== "off" && !forced ? await this.lookUp(def, k) : undefined;
    if (looked?.hit) return this.served<T>(def, env, k, looked.hit, started);

    const staleCode = this.keys.staleCodeError(def, env, k.code);
    if (staleCode) this.fail(def, k, started, staleCode);
    const reason = (forced ? ["invalidated"] : (looked?.staleFiles ?? this.whyCompute(def.name, def.options.cache ?? "disk", k.key, k.record, previous))).join("; ");
    const computed = await this.compute<T>(def, k, started);
    this.keys.warnBlindSpots(def, env, k, computed.readFiles);
    // A file that changed while the step read it: no content of it is what the output came from.
    if (computed.unsteady.length > 0) this.ctx.warn(`step "${def.name}": ${computed.unsteady.join(", ")} changed while the step read it; its output is not cached.`);
    const fingerprint = await this.store(def, k, computed, computed.unsteady.length > 0 ? "off" : mode, started);
    const record: KeyRecord = { ...k.record, readFiles: computed.readFiles };
    this.adopt({ def, env, record, key: k.key, fingerprint: fingerprint.value, value: computed.value, forced: false });
    const durationMs = performance.now() - started;
    this.ctx.record({
      step: def.name,
      outcome: "miss",
      durationMs,
      outputFingerprint: fingerprint.value,
      outputBytes: fingerprint.bytes,
      ...keyFields(k, computed.readFiles),
      ...(reason ? { reason } : {}),
    });
    this.ctx.say(`▸ ${def.name}: computed in ${formatDuration(durationMs)}${reason ? ` (${reason})` : ""}`);
    return { value: computed.value, outcome: "miss", durationMs };
  }

  /** The key of a step as it is called now: its inputs identified, then keyOf. */
  private async keyFor(def: StepDefinition, env: CodeEnvironment): Promise<StepKey> {
    const inputRefs: Record<string, ValueRef> = {};
    for (const [name, value] of Object.entries(def.inputs as Record<string, unknown>)) {
      inputRefs[name] = await valueRef(value, (f) => this.producerOf(f));
    }
    const k = await this.keys.keyOf(def, env, inputRefs);
    // PIPELAB_DEBUG_KEYS=FILE appends every step's key parts to FILE: to see why two keys differ.
    if (process.env.PIPELAB_DEBUG_KEYS) appendFileSync(process.env.PIPELAB_DEBUG_KEYS, `${JSON.stringify({ key: k.key, parts: k.record.parts, source: String(def.fn) })}\n`);
    return k;
  }

  /** The cached output of a key, if it holds: a hit whose read files changed is stale, and says which. */
  private async lookUp(def: StepDefinition, k: StepKey): Promise<{ hit?: CacheHit; staleFiles?: string[] }> {
    const hit = await this.ctx.cache.get(k.key, (message) => this.ctx.warn(`step "${def.name}": ${message}`), k.record.parts.modules);
    if (!hit) return {};
    const changed = this.keys.changedFiles(hit.readFiles);
    return changed.length > 0 ? { staleFiles: changed } : { hit };
  }

  /** A step served from the cache: what it logged is replayed into this run, and the hit recorded. */
  private served<T>(def: StepDefinition, env: CodeEnvironment, k: StepKey, hit: CacheHit, started: number): StepOutcome<T> {
    this.keys.warnBlindSpots(def, env, k, hit.readFiles);
    // What the step logged when it computed this output (a training history, final metrics) belongs to every run that uses it.
    if (hit.logged.length > 0) this.ctx.log(hit.logged, def.name);
    const fingerprint = outputFingerprint(hit.value, hit.fingerprint);
    const record: KeyRecord = { ...k.record, readFiles: hit.readFiles };
    this.adopt({ def, env, record, key: k.key, fingerprint, value: hit.value, forced: false });
    const durationMs = performance.now() - started;
    this.ctx.record({
      step: def.name,
      outcome: "hit",
      tier: hit.tier,
      durationMs,
      outputFingerprint: fingerprint,
      outputBytes: hit.bytes,
      ...(hit.runId === null ? {} : { sourceRunId: hit.runId as RunId }),
      ...keyFields(k, hit.readFiles),
    });
    const from = hit.runId === null ? "" : `, from run ${hit.runId}`;
    this.ctx.say(`▸ ${def.name}: cached (${hit.tier}${from}) in ${formatDuration(durationMs)}`);
    return { value: hit.value as T, outcome: "hit", tier: hit.tier, durationMs };
  }

  /** Records a failed execution, with its key's parts (a diff of two runs says what changed), and throws its error. */
  private fail(def: StepDefinition, k: StepKey, started: number, error: StepError): never {
    this.ctx.record({ step: def.name, outcome: "failed", durationMs: performance.now() - started, error: error.message, ...keyFields(k) });
    throw error;
  }

  /** Runs the step's function in its step context: what it logged and the files it read come back with its value. */
  private async compute<T>(def: StepDefinition, k: StepKey, started: number): Promise<{ value: T; logged: LoggedPoint[]; readFiles: Record<string, string>; unsteady: string[] }> {
    const computeStart = performance.now();
    const logged: LoggedPoint[] = [];
    const readFiles: Record<string, string> = {};
    const unsteady = new Set<string>();
    try {
      const value = (await withStepContext(
        {
          step: def.name,
          log: (points) => {
            this.ctx.log(points, def.name);
            logged.push(...points);
          },
          progress: (title) => progressDisplay(`${def.name}: ${title}`),
          fileRead: (file, hash) => {
            if (readFiles[file] !== undefined && readFiles[file] !== hash) unsteady.add(projectPath(file, this.ctx.projectRoot));
            readFiles[file] ??= hash;
          },
        },
        // Its synchronous part can be broken off by an interrupt (in the kernel); its awaits check too.
        () => asRunningStep(def.name, () => interruptibly(() => def.fn(def.inputs))),
      )) as T;
      return { value, logged, readFiles, unsteady: [...unsteady] };
    } catch (error) {
      if (error instanceof InterruptedError) {
        // Stopped by the user: recorded as such, never cached, and reported as the interrupt it is.
        this.ctx.record({ step: def.name, outcome: "interrupted", durationMs: performance.now() - started, error: error.message, ...keyFields(k) });
        throw error;
      }
      const message = `step "${def.name}" failed after ${formatDuration(performance.now() - computeStart)}: ${messageOf(error)}`;
      return this.fail(def, k, started, new StepError(def.name, message, { cause: error }));
    }
  }

  /** Stores a computed output; its fingerprint (one rule: outputFingerprint) and serialized size. */
  private async store(
    def: StepDefinition,
    k: StepKey,
    computed: { value: unknown; logged: LoggedPoint[]; readFiles: Record<string, string> },
    mode: CacheMode,
    started: number,
  ): Promise<{ value: string; bytes: number }> {
    let stored;
    try {
      stored = await this.ctx.cache.put(k.key, computed.value, {
        step: def.name,
        runId: this.ctx.runId(),
        mode,
        logged: computed.logged,
        readFiles: computed.readFiles,
        modules: k.record.parts.modules,
      });
    } catch (error) {
      if (!(error instanceof UnserializableError)) throw error;
      const message =
        `the output of step "${def.name}" cannot be cached on disk: ${error.message}. ` +
        `Register a serializer for it (registerSerializer({ name, version, test, encode, decode })), ` +
        `or keep it in this process only: wb.step("${def.name}", inputs, fn, { cache: "memory" })`;
      return this.fail(def, k, started, new StepError(def.name, message, { cause: error }));
    }
    if (stored.diskError) {
      const code = (stored.diskError as NodeJS.ErrnoException).code;
      this.ctx.warn(
        `step "${def.name}": its output could not be written to the cache folder ${this.ctx.cache.dir} (${code ?? messageOf(stored.diskError)}; ${freeSpace(this.ctx.cache.dir)}). ` +
          `It is kept in memory for this process only. Free some space (pipelab cache prune --keep-runs 10) or move the cache (PIPELAB_CACHE_DIR).`,
      );
    }
    return { value: outputFingerprint(computed.value, stored.fingerprint), bytes: stored.bytes };
  }

  /** Remembers a step's latest output, and marks the output with its origin so that downstream steps know it. */
  private adopt(node: StepNode): void {
    markOrigin(node.value, { kind: "step", step: node.def.name, fingerprint: node.fingerprint });
    this.remember(node);
  }

  /**
   * Why a step that was not served from the cache computes: against its
   * latest execution in this process, else against the latest one the store
   * recorded for this experiment (a restarted kernel, a script run after the
   * notebook). Empty for a step that never ran before.
   */
  private whyCompute(step: string, mode: CacheMode, key: string, now: KeyRecord, previous: StepNode | undefined): string[] {
    if (mode === "off") return ["caching off"];
    if (previous) return previous.key !== key ? explainChange(previous.record, now) : ["its output is no longer cached"];
    const last = this.ctx.lastExecution(step);
    if (!last) return [];
    if (last.cacheKey === key) return [`its output from run ${last.runId} is no longer cached${mode === "memory" ? " (kept in memory only)" : ""}`];
    const before = parseKeyRecord(last.keyParts);
    if (!before) return [];
    // Key parts written by another cache version cannot be compared part by part.
    if (before.parts.format !== now.parts.format) return ["cache format changed"];
    return explainChange(before, now).map((r) => (r === "no change" ? `key differs from run ${last.runId}` : r));
  }

  private remember(node: StepNode): void {
    // Re-inserting keeps definition order for first definitions and moves nothing on re-runs.
    this.nodes.set(node.def.name, node);
  }

  /** Forces the next execution of `step` to recompute, and drops its cached output. */
  invalidate(step: string): void {
    const node = this.nodes.get(step);
    if (!node) {
      this.invalidatedNames.add(step);
      return;
    }
    this.ctx.cache.invalidate(node.key);
    node.forced = true;
  }

  /** The steps in dependency order, each after the steps it takes inputs from. */
  private ordered(target?: string): StepNode[] {
    return orderSteps(this.nodes, upstreamOf, target);
  }

  /**
   * Which steps would recompute, and why, without running anything: like
   * `dvc status`. With a target, only that step and what it depends on.
   */
  async plan(target?: string): Promise<PlanEntry[]> {
    const entries = new Map<string, PlanEntry>();
    const params = this.ctx.currentParams();
    for (const node of this.ordered(target)) {
      const upstream = upstreamOf(node);
      const staleUp = upstream.filter((u) => entries.get(u)?.state !== "fresh");
      const entry = (state: StepState, reasons: string[]): void => {
        entries.set(node.def.name, { step: node.def.name, state, reasons, upstream });
      };
      if (node.forced) {
        entry("stale", ["invalidated"]);
        continue;
      }
      if (staleUp.length > 0) {
        entry("stale", staleUp.map((u) => `upstream step ${u} is not fresh`));
        continue;
      }
      const inputs: Record<string, InputRef> = {};
      for (const [name, ref] of Object.entries(node.record.inputs)) {
        if (ref.kind === "step") {
          const up = this.nodes.get(ref.step);
          inputs[name] = up ? { ...ref, fingerprint: up.fingerprint } : ref;
        } else if (ref.kind === "params") {
          const values = Object.fromEntries(Object.keys(ref.values).map((k) => [k, k in params ? params[k] : ref.values[k]]));
          inputs[name] = { kind: "params", values, fingerprint: paramsFingerprint(values) };
        } else inputs[name] = ref;
      }
      let k: StepKey;
      try {
        k = await this.keys.keyOf(node.def, node.env, inputs);
      } catch (error) {
        entry("stale", [messageOf(error)]);
        continue;
      }
      if (k.unidentified.length > 0) {
        entry("stale", k.unidentified.map((u) => `${u.variable ? "variable" : "input"} ${u.name} cannot be fingerprinted`));
        continue;
      }
      if (k.key !== node.key) {
        entry("stale", explainChange(node.record, k.record));
        continue;
      }
      const mode = node.def.options.cache ?? "disk";
      const cached = this.ctx.cache.describe(k.key);
      if (!cached) {
        if (mode === "off") entry("fresh", ["caching off"]);
        else entry("missing", ["no cache entry"]);
        continue;
      }
      const changed = this.keys.changedFiles(cached.readFiles);
      if (changed.length > 0) entry("stale", changed);
      else if (staleModules(k.code.moduleFiles).length > 0) entry("stale", ["a module it imports changed since it was loaded: re-run the import cell"]);
      else entry("fresh", [`cached in ${cached.tier}`]);
    }
    return [...entries.values()];
  }

  /**
   * Runs what is not fresh up to `target`, in dependency order, feeding each
   * step the new outputs of its upstream steps and the current parameters.
   * Returns the target's output.
   */
  async run<T>(target: string): Promise<T> {
    const plan = new Map((await this.plan(target)).map((e) => [e.step, e]));
    let last: unknown;
    for (const node of this.ordered(target)) {
      if (plan.get(node.def.name)?.state === "fresh" && node.def.name !== target) continue;
      const inputs: Record<string, unknown> = {};
      for (const [name, value] of Object.entries(node.def.inputs as Record<string, unknown>)) {
        const ref = node.record.inputs[name];
        if (ref?.kind === "step") inputs[name] = this.nodes.get(ref.step)?.value ?? value;
        else if (ref?.kind === "params") {
          // The parameter set the step took, with today's values: the keys it had, as the plan compares them.
          const params = this.ctx.currentParams();
          const values = Object.freeze(Object.fromEntries(Object.keys(ref.values).map((k) => [k, k in params ? params[k] : ref.values[k]])));
          markOrigin(values, { kind: "params", fingerprint: paramsFingerprint(values), values });
          inputs[name] = values;
        } else inputs[name] = value;
      }
      const result = await this.execute({ ...node.def, inputs }, node.env);
      last = result.value;
    }
    return last as T;
  }
}

function upstreamOf(node: StepNode): string[] {
  const refs = [...Object.values(node.record.inputs), ...Object.values(node.record.variables)];
  return [...new Set(refs.flatMap((r) => (r.kind === "step" && r.step !== node.def.name ? [r.step] : [])))];
}

function isRecordOfStrings(v: unknown): v is Record<string, string> {
  return typeof v === "object" && v !== null && !Array.isArray(v) && Object.values(v).every((x) => typeof x === "string");
}

/**
 * A key record read back from the store, its shape checked: undefined when it
 * is not one (written by an older pipelab, or damaged).
 */
export function parseKeyRecord(text: string): KeyRecord | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof raw !== "object" || raw === null) return undefined;
  const r = raw as Record<string, unknown>;
  const parts = r.parts as Record<string, unknown> | undefined;
  if (typeof parts !== "object" || parts === null || typeof parts.format !== "string" || typeof parts.code !== "string") return undefined;
  for (const field of ["helpers", "modules", "packages", "inputs", "files"]) if (!isRecordOfStrings(parts[field])) return undefined;
  if (parts.variables !== undefined && !isRecordOfStrings(parts.variables)) return undefined;
  if (typeof r.inputs !== "object" || r.inputs === null) return undefined;
  return {
    parts: { ...(parts as unknown as KeyParts), variables: (parts.variables as Record<string, string> | undefined) ?? {} },
    inputs: r.inputs as Record<string, InputRef>,
    variables: typeof r.variables === "object" && r.variables !== null ? (r.variables as Record<string, InputRef>) : {},
    readFiles: isRecordOfStrings(r.readFiles) ? r.readFiles : {},
  };
}

/**
 * The one rule for a step output's fingerprint: a primitive is known by its
 * content (it cannot carry an origin, and the step taking it links back by
 * it); anything else by what the cache gave it (the sha256 of its bytes, or a
 * stand-in for outputs kept in memory only).
 */
function outputFingerprint(value: unknown, cached: string): string {
  return primitiveFingerprint(value) ?? cached;
}

/** What an execution records of its key: the key, its parts (the files it read, for a computed or cached one), the sources its code hashes stand for. */
function keyFields(k: StepKey, readFiles: Readonly<Record<string, string>> = {}): Pick<StepExecution, "cacheKey" | "keyParts" | "codeSources"> {
  const record: KeyRecord = { ...k.record, readFiles: { ...readFiles } };
  return { cacheKey: k.key, keyParts: JSON.stringify(record), codeSources: k.code.sources };
}
