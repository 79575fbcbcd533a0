/**
 * Interrupting long work from outside: the kernel requests it (Jupyter's
 * stop button), and long loops (training batches, a reader's chunks) check
 * for it between units of work with `checkInterrupt`.
 *
 * The state is process-wide, kept under a global-registry symbol so that
 * every copy of pipelab in a process (the kernel's and a notebook's) shares it.
 */
import { Script } from "node:vm";
import { InterruptedError } from "../errors";

interface InterruptState {
  requested: boolean;
  /** Whether synchronous work may be broken off by SIGINT (in the kernel, not in scripts). */
  sigintBreaks: boolean;
  /** Steps being computed now, by name (a step may call another). */
  running: string[];
}

const KEY = Symbol.for("pipelab.interrupt");

function state(): InterruptState {
  const holder = globalThis as { [KEY]?: InterruptState };
  holder[KEY] ??= { requested: false, sigintBreaks: false, running: [] };
  return holder[KEY];
}

/** Asks the work in progress to stop at its next check. */
export function requestInterrupt(): void {
  state().requested = true;
}

/** Forgets a request: called when a new cell starts. */
export function clearInterrupt(): void {
  state().requested = false;
}

/** The steps being computed now, innermost last. */
export function runningSteps(): readonly string[] {
  return state().running;
}

/**
 * Throws an InterruptedError when an interrupt was requested; `where` says
 * how far the work got ("epoch 3, batch 40"). Long loops call it between
 * units of work, after yielding to the event loop (a request arrives as a
 * signal or a message, which only an idle event loop sees).
 *
 * @example
 * ```ts
 * for (let epoch = 1; epoch <= 1000; epoch++) {
 *   await new Promise((r) => setImmediate(r)); // let Jupyter's stop button in
 *   checkInterrupt(`epoch ${epoch}`);          // KeyboardInterrupt: step "fit" was interrupted at epoch 12
 *   fitOneEpoch();
 * }
 * ```
 */
export function checkInterrupt(where?: string): void {
  const s = state();
  if (!s.requested) return;
  const step = s.running.at(-1);
  const what = step === undefined ? "interrupted" : `step "${step}" was interrupted`;
  throw new InterruptedError(`${what}${where ? ` at ${where}` : ""}`, step);
}

/** Runs `fn` as the computation of step `name`, so that checks name it. */
export async function asRunningStep<T>(name: string, fn: () => T | Promise<T>): Promise<T> {
  const s = state();
  s.running.push(name);
  try {
    return await fn();
  } finally {
    const at = s.running.lastIndexOf(name);
    if (at >= 0) s.running.splice(at, 1);
  }
}

/**
 * Lets SIGINT (Jupyter's interrupt) break off synchronous work run through
 * `interruptibly`. The kernel turns it on; in a script, Ctrl-C keeps its
 * usual meaning (the process ends).
 */
export function enableSigintBreaks(): void {
  state().sigintBreaks = true;
}

const CALL = Symbol.for("pipelab.interruptibly");
let callScript: Script | undefined;

/**
 * Runs synchronous work (a reader's parsing, the synchronous part of a step)
 * so that an interrupt breaks it off at once, as Node's REPL does with
 * `breakOnSigint`: it then throws an InterruptedError naming the step and
 * `what` was being done. Outside the kernel it simply runs `fn`.
 */
export function interruptibly<T>(fn: () => T, what?: string): T {
  // An interrupt that came before the work started stops it before it starts.
  checkInterrupt();
  if (!state().sigintBreaks) return fn();
  callScript ??= new Script("globalThis[Symbol.for('pipelab.interruptibly')]()", { filename: "pipelab-interruptibly" });
  const holder = globalThis as { [CALL]?: () => void };
  const outer = holder[CALL];
  let result: { value: T } | undefined;
  holder[CALL] = () => {
    result = { value: fn() };
  };
  try {
    callScript.runInThisContext({ breakOnSigint: true });
  } catch (error) {
    if ((error as { code?: unknown } | null)?.code !== "ERR_SCRIPT_EXECUTION_INTERRUPTED") throw error;
    requestInterrupt();
    checkInterrupt(what);
  } finally {
    holder[CALL] = outer;
  }
  if (!result) throw new Error("interruptibly: the work neither returned nor threw");
  return result.value;
}
