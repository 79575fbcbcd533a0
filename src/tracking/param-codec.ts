/**
 * Parameters as the params table keeps them: a type ("number", "string",
 * "boolean", "json") and a text, so that a value comes back with the type it
 * was logged with and a filter can compare numbers as numbers.
 */
import { TrackingError, messageOf } from "../errors";
import { parseStoredJson } from "./stored-json";
import type { Shape } from "./stored-json";
import { checkName, checkValueSize } from "./value-checks";
import type { ParamValue } from "./types";

/** The type column of the params table. */
export type ParamType = "number" | "string" | "boolean" | "json";

/** Whether `value` is one of the four types of the params table. */
export function isParamType(value: unknown): value is ParamType {
  return value === "number" || value === "string" || value === "boolean" || value === "json";
}

/** A row of the params table. */
export interface ParamRow {
  key: string;
  type: ParamType;
  value: string;
}

/** Any JSON value, which is what a parameter of type "json" holds. */
const jsonValue: Shape<ParamValue> = {
  name: "a JSON value",
  // JSON.parse makes nothing else; the check tells the compiler so, and catches a non-JSON text in time.
  is: (value): value is ParamValue => value === null || ["number", "string", "boolean", "object"].includes(typeof value),
};

/** The type and text a parameter is stored as, after checking its name and size. */
export function encodeParam(key: string, value: ParamValue): [ParamType, string] {
  checkName("parameter", key);
  const [type, text] = encodeParamValue(key, value);
  checkValueSize(`parameter "${key}"`, text);
  return [type, text];
}

function encodeParamValue(key: string, value: ParamValue): [ParamType, string] {
  switch (typeof value) {
    case "number":
      if (!Number.isFinite(value)) return ["json", String(value)];
      return ["number", String(value)];
    case "string":
      return ["string", value];
    case "boolean":
      return ["boolean", value ? "true" : "false"];
    default: {
      let text: string | undefined;
      try {
        text = JSON.stringify(value);
      } catch (error) {
        throw new TrackingError(`cannot record parameter "${key}": its value is not JSON (${messageOf(error)})`, { cause: error });
      }
      if (text === undefined) throw new TrackingError(`cannot record parameter "${key}": a ${typeof value} is not a parameter value`);
      return ["json", text];
    }
  }
}

/** A stored parameter's value, with the type it was logged with. */
export function decodeParam(row: ParamRow): ParamValue {
  switch (row.type) {
    case "number":
      return Number(row.value);
    case "boolean":
      return row.value === "true";
    case "string":
      return row.value;
    case "json":
      // NaN and Infinity are stored by name since JSON has no words for them.
      if (row.value === "NaN" || row.value === "Infinity" || row.value === "-Infinity") return Number(row.value);
      return parseStoredJson(row.value, jsonValue, `parameter "${row.key}"`);
  }
}
