/**
 * The pipeline as a graph: steps in dependency order, each after the steps it
 * takes inputs from, with a clear error for an unknown step, a step whose
 * upstream is not defined, and a cycle.
 */
import { CycleError, StepError } from "../errors";

/**
 * The steps of `nodes` (by name) in dependency order: all of them, or `target`
 * and what it depends on. `upstreamOf` names the steps a node takes from.
 *
 * @example
 * ```ts
 * orderSteps(nodes, (n) => n.upstream, "train"); // [load, clean, split, train]
 * ```
 */
export function orderSteps<N>(nodes: ReadonlyMap<string, N>, upstreamOf: (node: N) => string[], target?: string): N[] {
  if (target !== undefined && !nodes.has(target)) {
    const known = [...nodes.keys()];
    throw new StepError(target, `unknown step "${target}"; ${known.length ? `known steps: ${known.join(", ")}` : "no step has run yet"}`);
  }
  const order: N[] = [];
  const state = new Map<string, "visiting" | "done">();
  const visit = (name: string, path: string[]): void => {
    if (state.get(name) === "done") return;
    if (state.get(name) === "visiting") {
      const cycle = [...path.slice(path.indexOf(name)), name];
      throw new CycleError(`steps form a cycle: ${cycle.join(" -> ")}. A step cannot depend on its own output; redefine one of them.`);
    }
    const node = nodes.get(name);
    if (node === undefined) {
      const dependent = path[path.length - 1] ?? "?";
      throw new StepError(dependent, `step "${dependent}" depends on step "${name}", which is not defined in this workbench; run the cell that defines "${name}"`);
    }
    state.set(name, "visiting");
    for (const up of upstreamOf(node)) visit(up, [...path, name]);
    state.set(name, "done");
    order.push(node);
  };
  for (const name of target === undefined ? nodes.keys() : [target]) visit(name, []);
  return order;
}
