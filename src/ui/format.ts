/** Values as the pages show them: params as logged, metrics to six significant digits, times in UTC. */
import type { ParamValue } from "../tracking";
import { formatDuration } from "../util";

export function paramDisplay(value: ParamValue | undefined): string {
  if (value === undefined) return "";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean" || value === null) return String(value);
  return JSON.stringify(value);
}

export function metricDisplay(value: number | undefined): string {
  if (value === undefined) return "";
  if (!Number.isFinite(value) || Number.isInteger(value)) return String(value);
  return String(Number(value.toPrecision(6)));
}

/** "2026-11-30 01:40:53" from an ISO time. */
export function timeDisplay(iso: string | null): string {
  return iso === null ? "" : iso.replace("T", " ").replace(/\.\d+Z$|Z$/, "");
}

export function durationDisplay(ms: number | null): string {
  return ms === null ? "" : formatDuration(ms);
}
