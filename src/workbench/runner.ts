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
import { appendFileSync, existsSync, statSync, statfsSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { StepCache, UnserializableError } from "../cache";
import type { StoreMode } from "../cache";
import { CycleError, StepError, messageOf } from "../errors";
import { notebookEnvironment, scriptEnvironment } from "../notebook";
import {
  cacheKey,
  explainChange,
  fingerprintCode,
  installModuleLoadHook,
  markOrigin,
  paramsFingerprint,
  primitiveFingerprint,
  projectPath,
  staleModules,
  CACHE_VERSION,
} from "../pipeline";
import type { CodeEnvironment, CodeFingerprint, InputRef, KeyParts, KeyRecord, StepDefinition } from "../pipeline";
import { progressDisplay } from "../notebook";
import { withStepContext } from "../run-context";
import type { LoggedPoint } from "../run-context";
import type { ExperimentStore, RunId } from "../tracking";
import { describeUnreadable, fileDigest, formatBytes, formatDuration } from "../util";
import { callerFile } from "./caller";
import { valueRef, variableRef } from "./value-refs";
import type { Unidentified, ValueRef } from "./value-refs";

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
  store: ExperimentStore;
  /** The current run: steps are recorded in it. */
  runId(): RunId;
  cache: StepCache;
  projectRoot: string;
  /** The workbench's current parameters: a step that took them sees later changes in plans. */
  currentParams(): Readonly<Record<string, unknown>>;
  say(line: string): void;
  warn(line: string): void;
  /** Logs metric points to the current run (batched), from the named step. */
  log(points: readonly LoggedPoint[], step: string): void;
}

/** What one step execution did. */
export interface StepOutcome<T> {
  value: T;
  outcome: "hit" | "miss";
  tier?: "memory" | "disk";
  durationMs: number;
}

/** A step's key, with what it is made of and what could not be identified. */
interface StepKey {
  key: string;
  record: KeyRecord;
  code: CodeFingerprint;
  /** Inputs and variables that cannot be identified: the step is then never served from the cache. */
  unidentified: { name: string; what: Unidentified; variable: boolean }[];
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

  constructor(private readonly ctx: RunnerContext) {}

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
   * The key of a step: its code, the inputs (as given), the variables its
   * code reads (as they are now) and the declared files (as they are now).
   */
  private async keyOf(def: StepDefinition, env: CodeEnvironment, inputRefs: Record<string, ValueRef>): Promise<StepKey> {
    const code = fingerprintCode(def.fn as (...args: never[]) => unknown, env, this.ctx.projectRoot);
    const unidentified: StepKey["unidentified"] = [];
    const inputs: Record<string, InputRef> = {};
    const identify = (name: string, ref: ValueRef, variable: boolean): InputRef => {
      if (ref.kind !== "unidentified") return ref;
      unidentified.push({ name, what: ref, variable });
      // Never equal to any other key: the step is not served from the cache.
      return { kind: "value", fingerprint: `unidentified:${Math.random()}`, preview: ref.what };
    };
    for (const [name, ref] of Object.entries(inputRefs)) inputs[name] = identify(name, ref, false);
    const variables: Record<string, InputRef> = {};
    for (const { name, binding } of code.variables) {
      const ref = await variableRef(binding, (f) => this.producerOf(f));
      if (ref) variables[name] = identify(name, ref, true);
    }
    const files: Record<string, string> = {};
    for (const f of def.options.files ?? []) {
      // One rule for every relative path: the working folder (the notebook's, which its exported script runs in).
      const file = resolve(f);
      try {
        files[projectPath(file, this.ctx.projectRoot)] = fileDigest(file);
      } catch (error) {
        throw new StepError(def.name, `step "${def.name}" declares the file ${JSON.stringify(f)}, which cannot be read: ${describeUnreadable(f, error)}`, { cause: error });
      }
    }
    const fingerprints = (refs: Record<string, InputRef>) => Object.fromEntries(Object.entries(refs).map(([k, ref]) => [k, ref.fingerprint]));
    const parts: KeyParts = {
      version: CACHE_VERSION,
      step: def.name,
      code: code.code,
      helpers: code.helpers,
      modules: code.modules,
      packages: code.packages,
      inputs: fingerprints(inputs),
      variables: fingerprints(variables),
      files,
      format: StepCache.format(),
    };
    return { key: cacheKey(parts), record: { parts, inputs, variables, readFiles: {} }, code, unidentified };
  }

  /**
   * The files among `readFiles` (absolute path -> hash) whose content is no
   * longer what the step read, in words. Absolute paths, because processes
   * with other project roots (a notebook in the project, a script elsewhere)
   * share the cache and read the same files.
   */
  private changedFiles(readFiles: Readonly<Record<string, string>>): string[] {
    const changed: string[] = [];
    for (const [file, hash] of Object.entries(readFiles)) {
      const name = projectPath(file, this.ctx.projectRoot);
      let now: string;
      try {
        now = fileDigest(file);
      } catch {
        changed.push(`file ${name} removed`);
        continue;
      }
      if (now !== hash) changed.push(`file ${name} changed`);
    }
    return changed;
  }

  /** Warnings about what the key cannot see: unidentified values, files read behind pipelab's back. */
  private warnBlindSpots(def: StepDefinition, env: CodeEnvironment, k: StepKey, readFiles: Readonly<Record<string, string>>): void {
    for (const u of k.unidentified) {
      const what = u.variable ? `reads \`${u.name}\` (${u.what.what}), which is not among its inputs and` : `has the input "${u.name}" (${u.what.what}),`;
      const fix =
        u.what.advice === "input"
          ? `Pass it as an input so that its value is part of the key: wb.step("${def.name}", { ...inputs, ${u.name} }, ...)`
          : `Make it the output of a step (outputs carry fingerprints), or register a serializer for it (registerSerializer)`;
      this.ctx.warn(`step "${def.name}" ${what} which pipelab cannot fingerprint, so the step is never served from the cache. ${fix}.`);
    }
    const declared = new Set(Object.keys(k.record.parts.files));
    const seen = new Set(Object.keys(readFiles).map((f) => projectPath(f, this.ctx.projectRoot)));
    // A relative path is read from the working folder by fs and danfo, and from the script's folder by `files:`.
    const unseen = k.code.pathLiterals.filter((literal) => {
      const candidates = isAbsolute(literal) ? [literal] : [resolve(literal), resolve(env.baseDir, literal)];
      const existing = candidates.filter((file) => existsSync(file) && !isFolder(file));
      if (existing.length === 0) return false;
      return !candidates.some((file) => {
        const path = projectPath(file, this.ctx.projectRoot);
        return declared.has(path) || seen.has(path);
      });
    });
    if (unseen.length > 0) {
      const list = unseen.map((p) => JSON.stringify(p)).join(", ");
      this.ctx.warn(
        `step "${def.name}" names the file${unseen.length === 1 ? "" : "s"} ${unseen.join(", ")} but did not read ${unseen.length === 1 ? "it" : "them"} through pipelab's readers (readCsv, readJson, loadDataset), so an edit would not recompute it. Declare ${unseen.length === 1 ? "it" : "them"}: wb.step("${def.name}", ..., { files: [${list}] })`,
      );
    }
  }

  /** The error for a step whose loaded modules are not the ones on disk: it does not run. */
  private staleCodeError(def: StepDefinition, env: CodeEnvironment, code: CodeFingerprint): StepError | undefined {
    const stale = staleModules(code.moduleFiles);
    if (stale.length === 0) return undefined;
    const names = stale.map((m) => projectPath(m.file, this.ctx.projectRoot)).join(", ");
    if (env.kind === "script") {
      return new StepError(
        def.name,
        `step "${def.name}" was not run: ${names} ${stale.length === 1 ? "was" : "were"} modified after this process started, so the code running may be older than the file${stale.length === 1 ? "" : "s"}. Run the script again; nothing was cached.`,
      );
    }
    const imports = [...new Set(Object.values(code.imports).map((b) => b.specifier))].filter((s) => s.startsWith(".") || isAbsolute(s));
    const cells = imports.length > 0 ? `the cell that imports ${imports.map((s) => JSON.stringify(s)).join(" and ")}` : "the cell that imports it";
    return new StepError(
      def.name,
      `step "${def.name}" was not run: ${names} changed after the notebook loaded ${stale.length === 1 ? "it" : "them"}, so the code in memory is not the code on disk. Re-run ${cells}, then this cell (or restart the kernel); nothing was cached.`,
    );
  }

  /** Executes a step: from cache when its key is known, else by running its function. */
  async execute<T>(def: StepDefinition, env: CodeEnvironment): Promise<StepOutcome<T>> {
    const started = performance.now();
    const inputRefs: Record<string, ValueRef> = {};
    for (const [name, value] of Object.entries(def.inputs as Record<string, unknown>)) {
      inputRefs[name] = await valueRef(value, (f) => this.producerOf(f));
    }
    const k = await this.keyOf(def, env, inputRefs);
    const { key, record } = k;
    // PIPELAB_DEBUG_KEYS=FILE appends every step's key parts to FILE: to see why two keys differ.
    if (process.env.PIPELAB_DEBUG_KEYS) appendFileSync(process.env.PIPELAB_DEBUG_KEYS, `${JSON.stringify({ key, parts: record.parts, source: String(def.fn) })}\n`);
    const previous = this.nodes.get(def.name);
    const declaredMode = def.options.cache ?? "disk";
    // A value that cannot be identified makes the key unique: storing the output would only fill the cache.
    const mode: StoreMode = k.unidentified.length > 0 ? "off" : declaredMode;
    const forced = (previous?.forced ?? false) || this.invalidatedNames.has(def.name);
    this.invalidatedNames.delete(def.name);

    let staleFiles: string[] | undefined;
    if (mode !== "off" && !forced) {
      const hit = await this.ctx.cache.get(key, (message) => this.ctx.warn(`step "${def.name}": ${message}`), record.parts.modules);
      const changed = hit ? this.changedFiles(hit.readFiles) : [];
      if (hit && changed.length > 0) staleFiles = changed;
      else if (hit) {
        this.warnBlindSpots(def, env, k, hit.readFiles);
        // What the step logged when it computed this output (a training history, final metrics)
        // belongs to every run that uses the output.
        if (hit.logged.length > 0) this.ctx.log(hit.logged, def.name);
        hit.fingerprint = primitiveFingerprint(hit.value) ?? hit.fingerprint;
        markOrigin(hit.value, { kind: "step", step: def.name, fingerprint: hit.fingerprint });
        const durationMs = performance.now() - started;
        const hitRecord: KeyRecord = { ...record, readFiles: hit.readFiles };
        this.remember({ def, env, record: hitRecord, key, fingerprint: hit.fingerprint, value: hit.value, forced: false });
        this.ctx.store.recordStep(this.ctx.runId(), {
          step: def.name,
          cacheKey: key,
          outcome: "hit",
          tier: hit.tier,
          durationMs,
          outputFingerprint: hit.fingerprint,
          outputBytes: hit.bytes,
          ...(hit.runId === null ? {} : { sourceRunId: hit.runId as RunId }),
          keyParts: JSON.stringify(hitRecord),
        });
        const from = hit.runId === null ? "" : `, from run ${hit.runId}`;
        this.ctx.say(`▸ ${def.name}: cached (${hit.tier}${from}) in ${formatDuration(durationMs)}`);
        return { value: hit.value as T, outcome: "hit", tier: hit.tier, durationMs };
      }
    }

    const fail = (error: StepError): never => {
      this.ctx.store.recordStep(this.ctx.runId(), { step: def.name, cacheKey: key, outcome: "failed", durationMs: performance.now() - started, error: error.message });
      throw error;
    };
    const staleCode = this.staleCodeError(def, env, k.code);
    if (staleCode) fail(staleCode);

    const reason = (forced ? ["invalidated"] : (staleFiles ?? this.whyCompute(def.name, declaredMode, key, record, previous))).join("; ");
    const computeStart = performance.now();
    const logged: LoggedPoint[] = [];
    const readFiles: Record<string, string> = {};
    const unsteady = new Set<string>();
    let value: T;
    try {
      value = (await withStepContext(
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
        () => def.fn(def.inputs),
      )) as T;
    } catch (error) {
      const message = `step "${def.name}" failed after ${formatDuration(performance.now() - computeStart)}: ${messageOf(error)}`;
      return fail(new StepError(def.name, message, { cause: error }));
    }
    this.warnBlindSpots(def, env, k, readFiles);
    // A file that changed while the step read it: no content of it is what the output came from.
    if (unsteady.size > 0) this.ctx.warn(`step "${def.name}": ${[...unsteady].join(", ")} changed while the step read it; its output is not cached.`);
    const storeMode: StoreMode = unsteady.size > 0 ? "off" : mode;
    let stored;
    try {
      stored = await this.ctx.cache.put(key, value, { step: def.name, runId: this.ctx.runId(), mode: storeMode, logged, readFiles, modules: record.parts.modules });
    } catch (error) {
      if (!(error instanceof UnserializableError)) throw error;
      const message =
        `the output of step "${def.name}" cannot be cached on disk: ${error.message}. ` +
        `Register a serializer for it (registerSerializer({ name, version, test, encode, decode })), ` +
        `or keep it in this process only: wb.step("${def.name}", inputs, fn, { cache: "memory" })`;
      return fail(new StepError(def.name, message, { cause: error }));
    }
    if (stored.diskError) {
      const code = (stored.diskError as NodeJS.ErrnoException).code;
      this.ctx.warn(
        `step "${def.name}": its output could not be written to the cache folder ${this.ctx.cache.dir} (${code ?? messageOf(stored.diskError)}; ${freeSpace(this.ctx.cache.dir)}). ` +
          `It is kept in memory for this process only. Free some space (pipelab cache prune --keep-runs 10) or move the cache (PIPELAB_CACHE_DIR).`,
      );
    }
    // A primitive output is known by its content, so that the step taking it links back here.
    stored = { ...stored, fingerprint: primitiveFingerprint(value) ?? stored.fingerprint };
    markOrigin(value, { kind: "step", step: def.name, fingerprint: stored.fingerprint });
    const durationMs = performance.now() - started;
    const computedRecord: KeyRecord = { ...record, readFiles };
    this.remember({ def, env, record: computedRecord, key, fingerprint: stored.fingerprint, value, forced: false });
    this.ctx.store.recordStep(this.ctx.runId(), {
      step: def.name,
      cacheKey: key,
      outcome: "miss",
      durationMs,
      outputFingerprint: stored.fingerprint,
      outputBytes: stored.bytes,
      keyParts: JSON.stringify(computedRecord),
      ...(reason ? { reason } : {}),
    });
    this.ctx.say(`▸ ${def.name}: computed in ${formatDuration(durationMs)}${reason ? ` (${reason})` : ""}`);
    return { value, outcome: "miss", durationMs };
  }

  /**
   * Why a step that was not served from the cache computes: against its
   * latest execution in this process, else against the latest one the store
   * recorded for this experiment (a restarted kernel, a script run after the
   * notebook). Empty for a step that never ran before.
   */
  private whyCompute(step: string, mode: StoreMode, key: string, now: KeyRecord, previous: StepNode | undefined): string[] {
    if (mode === "off") return ["caching off"];
    if (previous) return previous.key !== key ? explainChange(previous.record, now) : ["its output is no longer cached"];
    const last = this.ctx.store.lastStepKey(this.ctx.runId(), step);
    if (!last) return [];
    if (last.cacheKey === key) return [`its output from run ${last.runId} is no longer cached${mode === "memory" ? " (kept in memory only)" : ""}`];
    const before = parseKeyRecord(last.keyParts);
    if (!before) return [];
    // Key parts written by another cache version cannot be compared part by part.
    if (before.parts.version !== now.parts.version) return ["cache format changed"];
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
    if (target !== undefined && !this.nodes.has(target)) {
      const known = this.stepNames();
      throw new StepError(target, `unknown step "${target}"; ${known.length ? `known steps: ${known.join(", ")}` : "no step has run yet"}`);
    }
    const order: StepNode[] = [];
    const state = new Map<string, "visiting" | "done">();
    const visit = (name: string, path: string[]): void => {
      if (state.get(name) === "done") return;
      if (state.get(name) === "visiting") {
        const cycle = [...path.slice(path.indexOf(name)), name];
        throw new CycleError(`steps form a cycle: ${cycle.join(" -> ")}. A step cannot depend on its own output; redefine one of them.`);
      }
      const node = this.nodes.get(name);
      if (!node) {
        const dependent = path[path.length - 1] ?? "?";
        throw new StepError(dependent, `step "${dependent}" depends on step "${name}", which is not defined in this workbench; run the cell that defines "${name}"`);
      }
      state.set(name, "visiting");
      for (const up of upstreamOf(node)) visit(up, [...path, name]);
      state.set(name, "done");
      order.push(node);
    };
    for (const name of target === undefined ? this.nodes.keys() : [target]) visit(name, []);
    return order;
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
        k = await this.keyOf(node.def, node.env, inputs);
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
      const changed = this.changedFiles(cached.readFiles);
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

function isFolder(file: string): boolean {
  try {
    return statSync(file).isDirectory();
  } catch {
    return false;
  }
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
  if (typeof parts !== "object" || parts === null || typeof parts.version !== "number" || typeof parts.code !== "string") return undefined;
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
