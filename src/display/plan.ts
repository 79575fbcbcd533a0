/**
 * `wb.plan()` as a table: each step, whether it would recompute, and why.
 * The shape of workbench's PlanEntry, kept here because display sits below
 * the workbench (the kernel imports display, and the workbench the kernel's
 * folder); the tests check that the two agree.
 */
import { count } from "./cells";
import { isArrayOf, isPlainObject, isString, isStringArray } from "./shapes";
import { tablesBundle } from "./table";
import type { MimeBundle } from "./bundle";

/** The states of a step in a plan: workbench's StepState. */
export const PLAN_STATES = ["fresh", "stale", "missing"] as const;

/** What display reads of a plan's entry. */
export interface PlanRow {
  step: string;
  state: (typeof PLAN_STATES)[number];
  reasons: string[];
}

function isPlanRow(value: unknown): value is PlanRow {
  return (
    isPlainObject(value) &&
    isString(value.step) &&
    (PLAN_STATES as readonly unknown[]).includes(value.state) &&
    isStringArray(value.reasons) &&
    (value.upstream === undefined || isStringArray(value.upstream))
  );
}

/** A plan (a non-empty list of its entries) as a table; undefined for anything else. */
export function planBundle(value: unknown): MimeBundle | undefined {
  if (!isArrayOf(value, isPlanRow)) return undefined;
  const stale = value.filter((e) => e.state !== "fresh").length;
  return tablesBundle([
    {
      header: ["step", "state", "reasons"],
      rows: value.map((e) => [e.step, e.state, e.reasons.join("; ")]),
      indexColumns: 1,
      footer: `${count(value.length, "step")}, ${stale} to compute`,
    },
  ]);
}
