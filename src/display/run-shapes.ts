/**
 * Runs as the store returns them (RunRecord, RunDetails, ComparedRun,
 * RunComparison), recognized by their shape: they are plain objects.
 */
import type { ComparedRun, RunComparison, RunDetails, RunRecord, RunStatus } from "../tracking";
import { isArrayOf, isNumber, isPlainObject, isRecordOf, isString, isStringArray } from "./shapes";

const STATUSES = ["running", "finished", "failed", "killed", "crashed"] as const satisfies readonly RunStatus[];
// Fails to compile when the store gains a status this list lacks.
const everyStatus: [Exclude<RunStatus, (typeof STATUSES)[number]>] extends [never] ? true : never = true;
void everyStatus;

function isStatus(value: unknown): value is RunStatus {
  return (STATUSES as readonly unknown[]).includes(value);
}

/** A run in a list: what RunRecord, RunDetails and ComparedRun share, with the params and metrics of the last two. */
export type ListedRun = RunRecord | RunDetails | ComparedRun;

/** Whether a value is a run as the store lists it. */
export function isListedRun(value: unknown): value is ListedRun {
  return (
    isPlainObject(value) &&
    Number.isInteger(value.id) &&
    isString(value.experiment) &&
    (value.name === null || isString(value.name)) &&
    isStatus(value.status) &&
    isString(value.startedAt) &&
    (value.params === undefined || isPlainObject(value.params)) &&
    (value.metrics === undefined || isRecordOf(value.metrics, isNumber))
  );
}

/** Whether a value is one run's record (getRun), or its record with params, metrics and tags (runDetails). */
export function isRunRecord(value: unknown): value is RunRecord | RunDetails {
  return (
    isPlainObject(value) &&
    isString(value.sourceKind) &&
    isString(value.host) &&
    isNumber(value.pid) &&
    (value.tags === undefined || isRecordOf(value.tags, isString)) &&
    isListedRun(value)
  );
}

/** Whether a value is a comparison of runs (compareRuns). */
export function isRunComparison(value: unknown): value is RunComparison {
  return (
    isPlainObject(value) &&
    isNumber(value.total) &&
    isNumber(value.offset) &&
    isStringArray(value.params) &&
    isStringArray(value.metrics) &&
    isPlainObject(value.differing) &&
    isPlainObject(value.ranges) &&
    Array.isArray(value.runs) &&
    value.runs.every(isListedRun)
  );
}

/** Whether a value is a non-empty list of runs. */
export function isRunList(value: unknown): value is ListedRun[] {
  return isArrayOf(value, isListedRun);
}
