/**
 * The bodies POST /predict takes, turned into rows (records of the input
 * columns), and the JSON schema fastify checks them with:
 *
 *   { "records": [ { col: value, ... }, ... ] }           pipelab's own, row by row
 *   { "columns": { col: [ value, ... ], ... } }           pipelab's own, column by column
 *   { "dataframe_records": [ ... ] }, { "instances": [ ... ] }          MLflow's records
 *   { "dataframe_split": { "columns": [ ... ], "data": [ [ ... ], ... ] } }  MLflow's split
 *
 * Only the signature's columns are copied into rows built here, so a
 * client's keys never become property names (no "__proto__" surprises).
 */
import type { InputColumn, Signature } from "../deploy";
import { RequestRefused } from "./errors";

/** The body keys that hold rows, in the order they are looked for. */
const SHAPES = ["records", "columns", "dataframe_records", "dataframe_split", "instances"] as const;
type Shape = (typeof SHAPES)[number];

const SHAPES_HINT = `send {"records": [{column: value, ...}, ...]} or {"columns": {column: [values...], ...}} (MLflow's "dataframe_records", "dataframe_split" and "instances" work too)`;

/**
 * The JSON schema of a /predict body, built around one record's schema
 * (`LoadedPipeline.recordSchema()`): the shapes are all optional here, and
 * the handler insists on exactly one.
 */
export function predictBodySchema(signature: Signature, recordSchema: Record<string, unknown>): Record<string, unknown> {
  const records = { type: "array", items: recordSchema };
  const properties = (recordSchema.properties ?? {}) as Record<string, unknown>;
  return {
    type: "object",
    properties: {
      records,
      dataframe_records: records,
      instances: records,
      columns: {
        type: "object",
        properties: Object.fromEntries(signature.inputs.map((c) => [c.name, { type: "array", items: properties[c.name] ?? {} }])),
      },
      dataframe_split: {
        type: "object",
        required: ["columns", "data"],
        properties: { columns: { type: "array", items: { type: "string" } }, data: { type: "array", items: { type: "array" } } },
      },
    },
  };
}

/** The rows of a /predict body; a RequestRefused (400) naming what is wrong with its shape. */
export function rowsOfBody(body: unknown, inputs: readonly InputColumn[]): readonly unknown[] {
  if (body === undefined) throw new RequestRefused(400, `the body is empty: ${SHAPES_HINT}`);
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    throw new RequestRefused(400, `the body is ${describe(body)}, not an object: ${SHAPES_HINT}`);
  }
  const record = body as Record<string, unknown>;
  const present = SHAPES.filter((s) => Object.hasOwn(record, s));
  if (present.length === 0) throw new RequestRefused(400, `the body has no rows: ${SHAPES_HINT}`);
  if (present.length > 1) throw new RequestRefused(400, `the body has both ${JSON.stringify(present[0])} and ${JSON.stringify(present[1])}: send the rows one way`);
  const shape = present[0] as Shape;
  const rows = rowsOf(shape, record[shape], inputs);
  if (rows.length === 0) throw new RequestRefused(400, `${JSON.stringify(shape)} holds no rows: send at least one`);
  return rows;
}

function rowsOf(shape: Shape, value: unknown, inputs: readonly InputColumn[]): readonly unknown[] {
  switch (shape) {
    case "records":
    case "dataframe_records":
    case "instances":
      if (!Array.isArray(value)) throw new RequestRefused(400, `${JSON.stringify(shape)} is ${describe(value)}: it takes a list of rows, each an object of columns`);
      return value;
    case "columns":
      return rowsOfColumns(value, inputs);
    case "dataframe_split":
      return rowsOfSplit(value, inputs);
  }
}

/** {"columns": {col: [values]}}: every column as long as the others. */
export function rowsOfColumns(value: unknown, inputs: readonly InputColumn[], what = '"columns"'): Record<string, unknown>[] {
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw new RequestRefused(400, `${what} is ${describe(value)}: it takes an object of columns, each a list of values`);
  const columns = value as Record<string, unknown>;
  let length: number | undefined;
  let first = "";
  const present: [string, unknown[]][] = [];
  for (const c of inputs) {
    if (!Object.hasOwn(columns, c.name)) continue;
    const values = columns[c.name];
    if (!Array.isArray(values)) throw new RequestRefused(400, `column ${JSON.stringify(c.name)} is ${describe(values)}: it takes a list of values, one a row`);
    if (length === undefined) [length, first] = [values.length, c.name];
    else if (values.length !== length) throw new RequestRefused(400, `column ${JSON.stringify(c.name)} has ${values.length} values but ${JSON.stringify(first)} has ${length}: every column needs one value a row`);
    present.push([c.name, values]);
  }
  if (length === undefined) {
    const given = Object.keys(columns).slice(0, 5);
    throw new RequestRefused(400, `${what} has none of the model's columns (${inputs.map((c) => JSON.stringify(c.name)).join(", ")})${given.length > 0 ? `; it has ${given.map((k) => JSON.stringify(k)).join(", ")}` : ""}`);
  }
  const rows: Record<string, unknown>[] = new Array(length);
  for (let r = 0; r < length; r++) {
    const row: Record<string, unknown> = {};
    for (const [name, values] of present) row[name] = values[r];
    rows[r] = row;
  }
  return rows;
}

/** MLflow's {"dataframe_split": {"columns": [...], "data": [[...], ...]}}. */
function rowsOfSplit(value: unknown, inputs: readonly InputColumn[]): Record<string, unknown>[] {
  const split = value as { columns?: unknown; data?: unknown } | null;
  if (split === null || typeof split !== "object" || !Array.isArray(split.columns) || !Array.isArray(split.data)) {
    throw new RequestRefused(400, `"dataframe_split" takes {"columns": [names...], "data": [[values...], ...]}, got ${describe(value)}`);
  }
  const names = split.columns;
  const wanted = new Set(inputs.map((c) => c.name));
  const at = names.flatMap((n, j) => (typeof n === "string" && wanted.has(n) ? [[n, j] as const] : []));
  return split.data.map((values, r) => {
    if (!Array.isArray(values) || values.length !== names.length) {
      throw new RequestRefused(400, `"dataframe_split": row ${r} is ${Array.isArray(values) ? `${values.length} values` : describe(values)}, but there are ${names.length} columns`);
    }
    const row: Record<string, unknown> = {};
    for (const [n, j] of at) row[n] = values[j];
    return row;
  });
}

export function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "an object";
  if (typeof value === "string") return `the text ${JSON.stringify(value.length > 40 ? `${value.slice(0, 37)}...` : value)}`;
  return `${typeof value} ${String(value)}`;
}
