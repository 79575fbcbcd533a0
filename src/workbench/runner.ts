/**
 * The runner: the one place where step definitions (pipeline/), the step
 * cache (cache/) and the experiment store (tracking/) meet.
 *
 * For each step execution it fingerprints the code and inputs, looks the key
 * up in memory and on disk, runs the function on a miss, stores the output,
 * records the execution with the run, and says in one line what happened.
 */
import { appendFileSync, createReadStream, statSync } from "node:fs";
import { isAbsolute, join, resolve, sep } from "node:path";
import { inspect } from "node:util";
import { StepCache, UnserializableError, encode } from "../cache";
import type { StoreMode } from "../cache";
import { CycleError, StepError, messageOf } from "../errors";
import { notebookEnvironment, scriptEnvironment } from "../notebook";
import {
  cacheKey,
  explainChange,
  fingerprintCode,
  markOrigin,
  originOf,
  paramsFingerprint,
  primitiveFingerprint,
  projectPath,
  CACHE_VERSION,
  analyzeFunction,
} from "../pipeline";
import type { CodeEnvironment, InputRef, KeyParts, StepDefinition } from "../pipeline";
import { progressDisplay } from "../notebook";
import { withStepContext } from "../run-context";
import type { LoggedPoint } from "../run-context";
import type { ExperimentStore, RunId } from "../tracking";
import { formatDuration, packageRoot, sha256 } from "../util";

/** The state of a step in a plan. */
export type StepState = "fresh" | "stale" | "missing";

/** One line of a plan: a step, whether it would recompute, and why. */
export interface PlanEntry {
  step: string;
  state: StepState;
  /** For stale steps: what changed. For fresh ones: where the output is cached. */
  reasons: string[];
  /** The steps it takes inputs from. */
  upstream: string[];
}

/** What is recorded of a step's key with each execution: enough to explain the next recompute. */
interface KeyRecord {
  parts: KeyParts;
  inputs: Record<string, InputRef>;
}

/** What the runner remembers of a step's latest execution. */
interface StepNode {
  def: StepDefinition;
  env: CodeEnvironment;
  parts: KeyParts;
  inputs: Record<string, InputRef>;
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
  /** Logs metric points to the current run (batched). */
  log(points: readonly LoggedPoint[]): void;
}

/** What one step execution did. */
export interface StepOutcome<T> {
  value: T;
  outcome: "hit" | "miss";
  tier?: "memory" | "disk";
  durationMs: number;
}

const fileHashes = new Map<string, { mtimeMs: number; size: number; hash: string }>();

async function hashFile(file: string): Promise<string> {
  const st = statSync(file);
  const hit = fileHashes.get(file);
  if (hit && hit.mtimeMs === st.mtimeMs && hit.size === st.size) return hit.hash;
  const { createHash } = await import("node:crypto");
  const h = createHash("sha256");
  await new Promise<void>((done, fail) => {
    createReadStream(file)
      .on("data", (chunk) => h.update(chunk))
      .on("end", () => done())
      .on("error", fail);
  });
  const hash = h.digest("hex");
  fileHashes.set(file, { mtimeMs: st.mtimeMs, size: st.size, hash });
  return hash;
}

function preview(value: unknown): string {
  const text = inspect(value, { depth: 0, breakLength: Infinity, maxArrayLength: 5, maxStringLength: 40 });
  return text.length > 48 ? `${text.slice(0, 45)}...` : text;
}

/**
 * The file of the first stack frame outside pipelab: the script that called
 * the step. Read from V8's call sites rather than from `stack` text, which
 * under source maps (tsx) costs milliseconds to format.
 */
function callerFile(): string | undefined {
  const holder: { stack?: unknown } = {};
  const previous = Error.prepareStackTrace;
  const previousLimit = Error.stackTraceLimit;
  Error.prepareStackTrace = (_error, callSites) => callSites;
  Error.stackTraceLimit = 30;
  try {
    Error.captureStackTrace(holder, callerFile);
    for (const site of (holder.stack as NodeJS.CallSite[] | undefined) ?? []) {
      const raw = site.getFileName();
      if (!raw) continue;
      const file = raw.startsWith("file://") ? decodeURIComponent(raw.slice("file://".length)) : raw;
      if (!file.startsWith("/") && !/^[A-Za-z]:[\\/]/.test(file)) continue;
      if (file.startsWith(join(packageRoot, "dist")) || file.startsWith(join(packageRoot, "src"))) continue;
      if (file.includes(`${sep}node_modules${sep}`)) continue;
      return file;
    }
  } finally {
    Error.prepareStackTrace = previous;
    Error.stackTraceLimit = previousLimit;
  }
  return process.argv[1];
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
    return file ? scriptEnvironment(file) : { imports: {}, baseDir: process.cwd(), lookup: () => undefined };
  }

  /** Names of the steps defined so far, in definition order. */
  stepNames(): string[] {
    return [...this.nodes.keys()];
  }

  private async fingerprintInput(step: string, name: string, value: unknown): Promise<InputRef> {
    const origin = originOf(value);
    if (origin?.kind === "step") return { kind: "step", step: origin.step, fingerprint: origin.fingerprint };
    if (origin?.kind === "params") return { kind: "params", fingerprint: origin.fingerprint, values: origin.values };
    const primitive = primitiveFingerprint(value);
    if (primitive) {
      // A number or string cannot carry an origin; it is a step's output when its fingerprint says so.
      const producer = [...this.nodes.values()].reverse().find((n) => n.fingerprint === primitive);
      if (producer) return { kind: "step", step: producer.def.name, fingerprint: primitive };
      return { kind: "value", fingerprint: primitive, preview: preview(value) };
    }
    if (typeof value === "function") {
      const code = analyzeFunction(String(value), {});
      return { kind: "value", fingerprint: sha256(`function:${code.hash}`), preview: `function ${value.name || "(anonymous)"}` };
    }
    try {
      return { kind: "value", fingerprint: sha256(await encode(value)), preview: preview(value) };
    } catch (error) {
      if (!(error instanceof UnserializableError)) throw error;
      this.ctx.warn(
        `step "${step}": input "${name}" (${error.typeName}) cannot be fingerprinted, so the step always recomputes. Make it a step's output, or register a serializer for it.`,
      );
      return { kind: "value", fingerprint: sha256(`unfingerprintable:${Math.random()}`), preview: error.typeName };
    }
  }

  private async keyOf(def: StepDefinition, env: CodeEnvironment, inputs: Record<string, InputRef>): Promise<{ parts: KeyParts; undeclared: string[] }> {
    const code = fingerprintCode(def.fn as (...args: never[]) => unknown, env, this.ctx.projectRoot);
    const files: Record<string, string> = {};
    for (const f of def.options.files ?? []) {
      const file = isAbsolute(f) ? f : resolve(env.baseDir, f);
      try {
        files[projectPath(file, this.ctx.projectRoot)] = await hashFile(file);
      } catch (error) {
        throw new StepError(def.name, `step "${def.name}" declares the file ${f}, which cannot be read (${messageOf(error)})`, { cause: error });
      }
    }
    const parts: KeyParts = {
      version: CACHE_VERSION,
      step: def.name,
      code: code.code,
      helpers: code.helpers,
      modules: code.modules,
      packages: code.packages,
      inputs: Object.fromEntries(Object.entries(inputs).map(([k, ref]) => [k, ref.fingerprint])),
      files,
      format: StepCache.format(),
    };
    return { parts, undeclared: code.undeclared };
  }

  /** Executes a step: from cache when its key is known, else by running its function. */
  async execute<T>(def: StepDefinition, env: CodeEnvironment): Promise<StepOutcome<T>> {
    const started = performance.now();
    const inputs: Record<string, InputRef> = {};
    for (const [name, value] of Object.entries(def.inputs as Record<string, unknown>)) {
      inputs[name] = await this.fingerprintInput(def.name, name, value);
    }
    const { parts, undeclared } = await this.keyOf(def, env, inputs);
    if (undeclared.length > 0) {
      const names = undeclared.map((n) => `\`${n}\``).join(", ");
      this.ctx.warn(
        `step "${def.name}" reads ${names}, which ${undeclared.length === 1 ? "is" : "are"} not among its inputs: caching cannot see ${undeclared.length === 1 ? "it" : "them"} change. Pass ${undeclared.length === 1 ? "it" : "them"} as input${undeclared.length === 1 ? "" : "s"}: wb.step("${def.name}", { ...inputs, ${undeclared.join(", ")} }, ...)`,
      );
    }
    const key = cacheKey(parts);
    // PIPELAB_DEBUG_KEYS=FILE appends every step's key parts to FILE: to see why two keys differ.
    if (process.env.PIPELAB_DEBUG_KEYS) appendFileSync(process.env.PIPELAB_DEBUG_KEYS, `${JSON.stringify({ key, parts, source: String(def.fn) })}\n`);
    const previous = this.nodes.get(def.name);
    const mode = def.options.cache ?? "disk";
    const forced = (previous?.forced ?? false) || this.invalidatedNames.has(def.name);
    this.invalidatedNames.delete(def.name);

    const keyParts = JSON.stringify({ parts, inputs } satisfies KeyRecord);
    if (mode !== "off" && !forced) {
      const hit = await this.ctx.cache.get(key, (message) => this.ctx.warn(`step "${def.name}": ${message}`));
      if (hit) {
        // What the step logged when it computed this output (a training history, final metrics)
        // belongs to every run that uses the output.
        if (hit.logged.length > 0) this.ctx.log(hit.logged);
        hit.fingerprint = primitiveFingerprint(hit.value) ?? hit.fingerprint;
        markOrigin(hit.value, { kind: "step", step: def.name, fingerprint: hit.fingerprint });
        const durationMs = performance.now() - started;
        this.remember({ def, env, parts, inputs, key, fingerprint: hit.fingerprint, value: hit.value, forced: false });
        this.ctx.store.recordStep(this.ctx.runId(), {
          step: def.name,
          cacheKey: key,
          outcome: "hit",
          tier: hit.tier,
          durationMs,
          outputFingerprint: hit.fingerprint,
          outputBytes: hit.bytes,
          ...(hit.runId === null ? {} : { sourceRunId: hit.runId as RunId }),
          keyParts,
        });
        const from = hit.runId === null ? "" : `, from run ${hit.runId}`;
        this.ctx.say(`▸ ${def.name}: cached (${hit.tier}${from}) in ${formatDuration(durationMs)}`);
        return { value: hit.value as T, outcome: "hit", tier: hit.tier, durationMs };
      }
    }

    const reason = (forced ? ["invalidated"] : this.whyCompute(def.name, mode, key, { parts, inputs }, previous)).join("; ");
    const computeStart = performance.now();
    const logged: LoggedPoint[] = [];
    let value: T;
    try {
      value = (await withStepContext(
        {
          step: def.name,
          log: (points) => {
            this.ctx.log(points);
            logged.push(...points);
          },
          progress: (title) => progressDisplay(`${def.name}: ${title}`),
        },
        () => def.fn(def.inputs),
      )) as T;
    } catch (error) {
      const durationMs = performance.now() - started;
      this.ctx.store.recordStep(this.ctx.runId(), { step: def.name, cacheKey: key, outcome: "failed", durationMs, error: messageOf(error) });
      throw new StepError(def.name, `step "${def.name}" failed after ${formatDuration(performance.now() - computeStart)}: ${messageOf(error)}`, {
        cause: error,
      });
    }
    let stored;
    try {
      stored = await this.ctx.cache.put(key, value, { step: def.name, runId: this.ctx.runId(), mode, logged });
    } catch (error) {
      if (!(error instanceof UnserializableError)) throw error;
      const durationMs = performance.now() - started;
      const message =
        `the output of step "${def.name}" cannot be cached on disk: ${error.message}. ` +
        `Register a serializer for it (registerSerializer({ name, version, test, encode, decode })), ` +
        `or keep it in this process only: wb.step("${def.name}", inputs, fn, { cache: "memory" })`;
      this.ctx.store.recordStep(this.ctx.runId(), { step: def.name, cacheKey: key, outcome: "failed", durationMs, error: message });
      throw new StepError(def.name, message, { cause: error });
    }
    // A primitive output is known by its content, so that the step taking it links back here.
    stored = { ...stored, fingerprint: primitiveFingerprint(value) ?? stored.fingerprint };
    markOrigin(value, { kind: "step", step: def.name, fingerprint: stored.fingerprint });
    const durationMs = performance.now() - started;
    this.remember({ def, env, parts, inputs, key, fingerprint: stored.fingerprint, value, forced: false });
    this.ctx.store.recordStep(this.ctx.runId(), {
      step: def.name,
      cacheKey: key,
      outcome: "miss",
      durationMs,
      outputFingerprint: stored.fingerprint,
      outputBytes: stored.bytes,
      keyParts,
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
    if (previous) return previous.key !== key ? explainChange(previous, now) : ["its output is no longer cached"];
    const last = this.ctx.store.lastStepKey(this.ctx.runId(), step);
    if (!last) return [];
    if (last.cacheKey === key) return [`its output from run ${last.runId} is no longer cached${mode === "memory" ? " (kept in memory only)" : ""}`];
    let before: KeyRecord;
    try {
      before = JSON.parse(last.keyParts) as KeyRecord;
    } catch {
      return [];
    }
    // Key parts written by another cache version cannot be compared part by part.
    if (before.parts?.version !== now.parts.version) return ["cache format changed"];
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
      if (node.forced) {
        entries.set(node.def.name, { step: node.def.name, state: "stale", reasons: ["invalidated"], upstream });
        continue;
      }
      if (staleUp.length > 0) {
        entries.set(node.def.name, { step: node.def.name, state: "stale", reasons: staleUp.map((u) => `upstream step ${u} is not fresh`), upstream });
        continue;
      }
      const inputs: Record<string, InputRef> = {};
      for (const [name, ref] of Object.entries(node.inputs)) {
        if (ref.kind === "step") {
          const up = this.nodes.get(ref.step);
          inputs[name] = up ? { ...ref, fingerprint: up.fingerprint } : ref;
        } else if (ref.kind === "params") {
          const values = Object.fromEntries(Object.keys(ref.values).map((k) => [k, k in params ? params[k] : ref.values[k]]));
          inputs[name] = { kind: "params", values, fingerprint: paramsFingerprint(values) };
        } else inputs[name] = ref;
      }
      let parts: KeyParts;
      try {
        ({ parts } = await this.keyOf(node.def, node.env, inputs));
      } catch (error) {
        entries.set(node.def.name, { step: node.def.name, state: "stale", reasons: [messageOf(error)], upstream });
        continue;
      }
      const key = cacheKey(parts);
      if (key !== node.key) {
        entries.set(node.def.name, { step: node.def.name, state: "stale", reasons: explainChange(node, { parts, inputs }), upstream });
        continue;
      }
      const tier = this.ctx.cache.where(key);
      if (!tier && (node.def.options.cache ?? "disk") !== "off") {
        entries.set(node.def.name, { step: node.def.name, state: "missing", reasons: ["no cache entry"], upstream });
        continue;
      }
      entries.set(node.def.name, { step: node.def.name, state: "fresh", reasons: [tier ? `cached in ${tier}` : "caching off"], upstream });
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
        const ref = node.inputs[name];
        if (ref?.kind === "step") inputs[name] = this.nodes.get(ref.step)?.value ?? value;
        else if (ref?.kind === "params") {
          // The parameter set the step took, with today's values: the keys it had, as the plan compares them.
          const params = this.ctx.currentParams();
          const values = Object.freeze(Object.fromEntries(Object.keys(ref.values).map((k) => [k, k in params ? params[k] : ref.values[k]])));
          markOrigin(values, { kind: "params", fingerprint: paramsFingerprint(values), values });
          inputs[name] = values;
        }
        else inputs[name] = value;
      }
      const result = await this.execute({ ...node.def, inputs }, node.env);
      last = result.value;
    }
    return last as T;
  }
}

function upstreamOf(node: StepNode): string[] {
  return [...new Set(Object.values(node.inputs).flatMap((r) => (r.kind === "step" ? [r.step] : [])))];
}
