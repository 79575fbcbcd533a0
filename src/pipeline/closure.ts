/**
 * The values of the variables a function closes over, read from V8 itself
 * through the in-process inspector: a step's free variables by their actual
 * values, with JavaScript's own scoping (shadowing, block scopes, module and
 * script scopes), in a notebook cell or a script alike.
 *
 * A function's `[[Scopes]]` (what V8 shows a debugger) list its closure
 * contexts from the innermost out; the first scope holding a name is the
 * variable the function reads. Values come back as the very objects (a
 * function call with the remote values as arguments), not copies.
 */
import { Session } from "node:inspector";

const SLOT = Symbol.for("pipelab.closureProbe");
const GROUP = "pipelab-closure";

/** A value as the inspector describes it (the part used here). */
interface RemoteObject {
  type: string;
  subtype?: string;
  value?: unknown;
  unserializableValue?: string;
  objectId?: string;
  description?: string;
}
interface PropertyDescriptor {
  name: string;
  value?: RemoteObject;
}

let session: Session | undefined;

/** Posts an inspector command; an in-process session answers before `post` returns. */
function post<T>(method: string, params: Record<string, unknown>): T {
  if (!session) {
    session = new Session();
    session.connect();
  }
  let result: T | undefined;
  let failure: Error | null = null;
  session.post(method, params, (error, answer) => {
    failure = error;
    result = answer as T;
  });
  if (failure) throw failure;
  if (result === undefined) throw new Error(`the inspector did not answer ${method} at once`);
  return result;
}

/** How a remote value is passed back as a call argument. */
function argument(remote: RemoteObject): Record<string, unknown> {
  if (remote.objectId) return { objectId: remote.objectId };
  if (remote.unserializableValue !== undefined) return { unserializableValue: remote.unserializableValue };
  if (remote.type === "undefined") return {};
  return { value: remote.value };
}

/**
 * The values of `names` as `fn` sees them: a map holding the names found in
 * its closure scopes (not globals). A name missing from the map is not a
 * variable `fn` closes over.
 *
 * @example
 * ```ts
 * let cut = 0.5;
 * const f = () => cut * 2;
 * closureValues(f, ["cut"]); // Map { "cut" => 0.5 }
 * ```
 */
export function closureValues(fn: (...args: never[]) => unknown, names: readonly string[]): Map<string, unknown> {
  const out = new Map<string, unknown>();
  if (names.length === 0) return out;
  const g = globalThis as Record<symbol, unknown>;
  try {
    return readClosure(fn, names, out, g);
  } catch {
    // The inspector refused (a function it cannot describe): the names stay unknown, and the
    // step that reads them is not served from the cache, rather than failing.
    return out;
  } finally {
    g[SLOT] = undefined;
    try {
      post("Runtime.releaseObjectGroup", { objectGroup: GROUP });
    } catch {
      // nothing to release
    }
  }
}

/** Reads the closure through the inspector; `closureValues` handles failures and cleanup. */
function readClosure(fn: (...args: never[]) => unknown, names: readonly string[], out: Map<string, unknown>, g: Record<symbol, unknown>): Map<string, unknown> {
  g[SLOT] = fn;
  const { result: target } = post<{ result: RemoteObject }>("Runtime.evaluate", { expression: `globalThis[Symbol.for("pipelab.closureProbe")]`, objectGroup: GROUP });
  g[SLOT] = undefined;
  if (!target.objectId) return out;
  const own = post<{ internalProperties?: PropertyDescriptor[] }>("Runtime.getProperties", { objectId: target.objectId, ownProperties: true, objectGroup: GROUP });
  const scopes = own.internalProperties?.find((p) => p.name === "[[Scopes]]")?.value;
  if (!scopes?.objectId) return out;
  const list = post<{ result: PropertyDescriptor[] }>("Runtime.getProperties", { objectId: scopes.objectId, ownProperties: true, objectGroup: GROUP });
  const wanted = new Set(names);
  const found = new Map<string, RemoteObject>();
  for (const scope of list.result) {
    const id = scope.value?.objectId;
    // The global scope holds globals, which are not the step's variables.
    if (!id || /^Global/.test(scope.value?.description ?? "")) continue;
    const vars = post<{ result: PropertyDescriptor[] }>("Runtime.getProperties", { objectId: id, ownProperties: true, objectGroup: GROUP });
    for (const v of vars.result) if (v.value && wanted.has(v.name) && !found.has(v.name)) found.set(v.name, v.value);
    if (found.size === wanted.size) break;
  }
  if (found.size === 0) return out;
  // One call with the remote values as arguments hands the very objects back to this side.
  const order = [...found.keys()];
  post("Runtime.callFunctionOn", {
    objectId: target.objectId,
    functionDeclaration: `function (...values) { globalThis[Symbol.for("pipelab.closureProbe")] = values; }`,
    arguments: order.map((n) => argument(found.get(n) as RemoteObject)),
    objectGroup: GROUP,
  });
  const values = g[SLOT] as unknown[];
  order.forEach((n, i) => out.set(n, values[i]));
  return out;
}
