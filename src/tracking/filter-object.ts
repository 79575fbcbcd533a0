/**
 * The object form of a filter (`{ metrics: { accuracy: { gt: 0.9 } } }`),
 * turned into the same tree as an expression. Its values are checked at run
 * time too: object filters come from JSON and JavaScript as often as from
 * typed code.
 */
import { FilterError } from "./filter-error";
import { closest, comparison, fieldName, inList } from "./filter-fields";
import type { Fail, Positions } from "./filter-fields";
import { MAX_FILTER_TERMS, MAX_IN_VALUES } from "./filter-limits";
import type { FilterField, FilterNode, FilterObject, FilterOperator, FilterValue } from "./filter-tree";

const NO_POSITION: Positions = { field: -1, op: -1, value: -1 };
const OBJECT_KEYS = ["params", "metrics", "tags", "status", "experiment", "name", "source", "startedAfter", "startedBefore"];
const OBJECT_OPERATORS: ReadonlyMap<string, FilterOperator> = new Map([
  ["eq", "="],
  ["ne", "!="],
  ["lt", "<"],
  ["lte", "<="],
  ["gt", ">"],
  ["gte", ">="],
  ["contains", "~"],
]);

const objectFail: Fail = (problem) => {
  throw new FilterError(problem);
};

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

function shownValue(value: unknown): string {
  if (Array.isArray(value)) return "an array";
  if (value instanceof Date) return "a Date";
  if (typeof value === "object" && value !== null) return "an object";
  if (typeof value === "string") return JSON.stringify(value);
  return String(value);
}

/** The tree of an object filter: the `and` of its entries. */
export function fromObject(filter: FilterObject): FilterNode {
  if (!isRecord(filter)) objectFail(`a filter is an expression or an object such as { metrics: { accuracy: { gt: 0.9 } } }, not ${shownValue(filter)}`, -1);
  const operands: FilterNode[] = [];
  for (const [name, spec] of Object.entries(filter as Record<string, unknown>)) {
    if (spec === undefined) continue;
    switch (name) {
      case "params":
      case "metrics":
      case "tags":
        if (!isRecord(spec)) objectFail(`${name} must be an object of key: comparison, not ${shownValue(spec)}`, -1);
        for (const [key, comparison] of Object.entries(spec)) {
          if (key === "") objectFail(`empty key in ${name}`, -1);
          if (comparison !== undefined) operands.push(...fromComparison({ scope: name, key }, comparison));
        }
        break;
      case "status":
      case "experiment":
      case "name":
      case "source":
        operands.push(...fromComparison({ scope: "run", column: name }, spec));
        break;
      case "startedAfter":
      case "startedBefore": {
        const time = spec instanceof Date ? (Number.isNaN(spec.getTime()) ? undefined : spec.toISOString()) : spec;
        if (typeof time !== "string") objectFail(`${name} must be a valid Date or an ISO 8601 string, not ${shownValue(spec)}`, -1);
        operands.push(comparison({ scope: "run", column: "started" }, name === "startedAfter" ? ">" : "<", time, NO_POSITION, objectFail));
        break;
      }
      default: {
        const guess = closest(name, OBJECT_KEYS);
        objectFail(`unknown filter key "${name}"${guess ? `; did you mean "${guess}"?` : ""}; use ${OBJECT_KEYS.join(", ")}`, -1);
      }
    }
  }
  if (operands.length > MAX_FILTER_TERMS) {
    objectFail(`too many conditions: ${operands.length}, at most ${MAX_FILTER_TERMS}; to match one of many values, use in, as in { params: { seed: { in: [1, 2, 3] } } }`, -1);
  }
  return { kind: "and", operands };
}

function fromComparison(field: FilterField, spec: unknown): FilterNode[] {
  const name = fieldName(field);
  if (!isRecord(spec)) {
    if (Array.isArray(spec)) objectFail(`${name}: to match any of several values, write { in: [...] }`, -1);
    return [comparison(field, "=", filterValue(name, spec), NO_POSITION, objectFail)];
  }
  const nodes: FilterNode[] = [];
  for (const [key, value] of Object.entries(spec)) {
    if (value === undefined) continue;
    if (key === "in") {
      if (!Array.isArray(value)) objectFail(`in for ${name} must be an array, not ${shownValue(value)}`, -1);
      if (value.length > MAX_IN_VALUES) {
        objectFail(
          `in for ${name} has ${value.length} values, at most ${MAX_IN_VALUES}; select the runs by something they share (a tag, an experiment), or write an expression with several in lists joined with or`,
          -1,
        );
      }
      const items = value.map((v: unknown) => ({ value: filterValue(name, v), position: -1 }));
      nodes.push(inList(field, items, NO_POSITION, objectFail));
      continue;
    }
    const op = OBJECT_OPERATORS.get(key);
    if (op === undefined) objectFail(`unknown comparison "${key}" for ${name}; use eq, ne, lt, lte, gt, gte, in, contains`, -1);
    nodes.push(comparison(field, op, filterValue(name, value), NO_POSITION, objectFail));
  }
  if (nodes.length === 0) objectFail(`empty comparison for ${name}; use eq, ne, lt, lte, gt, gte, in, contains`, -1);
  return nodes;
}

/** Checks at run time what the types promise, for filters that come from JSON or JavaScript. */
function filterValue(name: string, value: unknown): FilterValue {
  if (value === null || typeof value === "string" || typeof value === "boolean") return value;
  if (typeof value === "number" && Number.isFinite(value)) return value;
  objectFail(`invalid value for ${name}: ${shownValue(value)} (use a finite number, a string, true, false or null)`, -1);
}
