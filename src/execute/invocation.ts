/** How the CLI finds the runs a script or notebook it started made, whatever they printed. */
import { randomUUID } from "node:crypto";
import type { RunDetails, RunStore } from "../tracking";

/**
 * A tag that names one invocation of the CLI, set on every run it starts (through
 * PIPELAB_TAGS): how the CLI finds the runs a script or notebook made, whatever
 * they printed.
 */
export function invocationTag(): { key: "invocation"; value: string } {
  return { key: "invocation", value: randomUUID() };
}

/** The runs of a store tagged with an invocation, oldest first. */
export function runsOfInvocation(store: RunStore, tag: { key: string; value: string }): RunDetails[] {
  return store
    .listRuns({ filter: { tags: { [tag.key]: tag.value } } })
    .map((r) => store.runDetails(r.id))
    .filter((r): r is RunDetails => r !== undefined)
    .sort((a, b) => a.id - b.id);
}
