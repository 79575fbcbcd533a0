/**
 * The Open Inference Protocol (KServe's V2) over a pipeline package: one
 * tensor per input column (BYTES for text, FP32/FP64/INT* for numbers, BOOL
 * for true/false), and out come `label` with `probabilities` ([rows, classes],
 * in the order of the signature's classes) for a classifier, or `value` for a
 * regressor.
 */
import type { InputColumn, InputType, Prediction, Signature } from "../deploy";
import { RequestRefused } from "./errors";
import { describe } from "./request-rows";

type Datatype = "BOOL" | "BYTES" | "FP16" | "FP32" | "FP64" | "INT8" | "INT16" | "INT32" | "INT64" | "UINT8" | "UINT16" | "UINT32" | "UINT64";

const NUMERIC = ["FP16", "FP32", "FP64", "INT8", "INT16", "INT32", "INT64", "UINT8", "UINT16", "UINT32", "UINT64"] as const;
const DATATYPES: readonly Datatype[] = ["BOOL", "BYTES", ...NUMERIC];

/** The datatypes an input of each type accepts; the first is the one the metadata names. */
const ACCEPTED: Record<InputType, readonly Datatype[]> = { number: ["FP64", ...NUMERIC.filter((d) => d !== "FP64")], string: ["BYTES"], boolean: ["BOOL"] };

interface Tensor {
  name: string;
  datatype: Datatype;
  shape: number[];
  data: unknown[];
  parameters?: Record<string, unknown>;
}

/** A tensor as the metadata describes it: -1 for the rows' dimension. */
interface TensorMetadata {
  name: string;
  datatype: Datatype;
  shape: number[];
  parameters?: Record<string, unknown>;
}

/** The JSON schema of an infer request: the tensors' framing (the values are checked row by row later, naming row and column). */
export const INFER_BODY_SCHEMA = {
  type: "object",
  required: ["inputs"],
  properties: {
    id: { type: "string" },
    inputs: {
      type: "array",
      items: {
        type: "object",
        required: ["name", "shape", "datatype", "data"],
        properties: {
          name: { type: "string" },
          shape: { type: "array", items: { type: "integer", minimum: 0 } },
          datatype: { type: "string", enum: DATATYPES },
          data: { type: "array" },
        },
      },
    },
    outputs: { type: "array", items: { type: "object", required: ["name"], properties: { name: { type: "string" } } } },
  },
} as const;

/** The output tensors a pipeline gives, as the metadata lists them. */
function outputTensors(signature: Signature): TensorMetadata[] {
  const output = signature.output;
  if (output.task === "regression" || output.classes === undefined) return [{ name: "value", datatype: "FP64", shape: [-1] }];
  return [
    { name: "label", datatype: labelDatatype(output.classes), shape: [-1] },
    { name: "probabilities", datatype: "FP32", shape: [-1, output.classes.length], parameters: { classes: output.classes } },
  ];
}

/** GET /v2/models/{name}: the inputs (one per column) and the outputs. */
export function modelMetadata(name: string, version: string | undefined, signature: Signature): Record<string, unknown> {
  return {
    name,
    ...(version === undefined ? {} : { versions: [version] }),
    platform: "pipelab",
    inputs: signature.inputs.map((c) => ({ name: c.name, datatype: (ACCEPTED[c.type] as Datatype[])[0], shape: [-1] })),
    outputs: outputTensors(signature),
  };
}

/** The rows of an infer request, and which outputs it asks for; a RequestRefused naming the bad input. */
export function rowsOfInfer(body: unknown, inputs: readonly InputColumn[], signature: Signature): { rows: Record<string, unknown>[]; outputs: readonly string[]; id: string | undefined } {
  const request = body as { id?: unknown; inputs?: unknown; outputs?: unknown } | null;
  if (request === null || typeof request !== "object" || !Array.isArray(request.inputs)) {
    throw new RequestRefused(400, `an infer request is {"inputs": [{"name", "shape", "datatype", "data"}, ...]}, one input a column; got ${describe(body)}${request && typeof request === "object" ? ` without "inputs"` : ""}`);
  }
  const byName = new Map<string, unknown[]>();
  let rows: number | undefined;
  let first = "";
  for (const [i, raw] of request.inputs.entries()) {
    const tensor = raw as Partial<Tensor> | null;
    if (tensor === null || typeof tensor !== "object" || typeof tensor.name !== "string") throw new RequestRefused(400, `inputs[${i}] has no name: each input is {"name", "shape", "datatype", "data"}`);
    const column = inputs.find((c) => c.name === tensor.name);
    if (column === undefined) continue; // extra inputs are ignored, as extra keys of a record are
    const data = columnData(tensor, column);
    if (rows === undefined) [rows, first] = [data.length, tensor.name];
    else if (data.length !== rows) throw new RequestRefused(400, `input ${JSON.stringify(tensor.name)} has ${data.length} rows but ${JSON.stringify(first)} has ${rows}: every input needs one value a row`);
    byName.set(tensor.name, data);
  }
  if (rows === undefined) throw new RequestRefused(400, `the request has none of the model's inputs (${inputs.map((c) => JSON.stringify(c.name)).join(", ")})`);
  if (rows === 0) throw new RequestRefused(400, "the inputs hold no rows: send at least one");
  const result: Record<string, unknown>[] = new Array(rows);
  for (let r = 0; r < rows; r++) {
    const row: Record<string, unknown> = {};
    for (const [name, data] of byName) row[name] = data[r];
    result[r] = row;
  }
  return { rows: result, outputs: requestedOutputs(request.outputs, signature), id: typeof request.id === "string" ? request.id : undefined };
}

/** One input's values, one a row: its datatype fits the column, its shape [rows] or [rows, 1] fits its data (flat or nested). */
function columnData(tensor: Partial<Tensor>, column: InputColumn): unknown[] {
  const name = JSON.stringify(column.name);
  const accepted = ACCEPTED[column.type];
  if (!accepted.includes(tensor.datatype as Datatype)) {
    throw new RequestRefused(400, `input ${name} has datatype ${JSON.stringify(tensor.datatype)}, but the column holds ${column.type === "string" ? "text: send BYTES" : column.type === "boolean" ? "true/false: send BOOL" : "numbers: send FP32, FP64 or INT*"}`);
  }
  const shape = tensor.shape;
  if (!Array.isArray(shape) || shape.length === 0 || shape.length > 2 || (shape.length === 2 && shape[1] !== 1)) {
    throw new RequestRefused(400, `input ${name} has shape ${JSON.stringify(shape)}: a column is [rows] or [rows, 1]`);
  }
  if (!Array.isArray(tensor.data)) throw new RequestRefused(400, `input ${name} has no "data" list`);
  const data = tensor.data.length > 0 && Array.isArray(tensor.data[0]) ? tensor.data.flat() : tensor.data;
  if (data.length !== shape[0]) throw new RequestRefused(400, `input ${name} has shape ${JSON.stringify(shape)} but ${data.length} values`);
  return data;
}

function requestedOutputs(outputs: unknown, signature: Signature): readonly string[] {
  const known = outputTensors(signature).map((t) => t.name);
  if (!Array.isArray(outputs) || outputs.length === 0) return known;
  const names = outputs.map((o) => (o as { name?: unknown } | null)?.name);
  const unknown = names.find((n) => typeof n !== "string" || !known.includes(n));
  if (unknown !== undefined) throw new RequestRefused(400, `no output ${JSON.stringify(unknown)}: the model gives ${known.map((n) => JSON.stringify(n)).join(", ")}`);
  return names as string[];
}

/** The infer response: the requested outputs of the predictions. */
export function inferResponse(model: { name: string; version: string | undefined }, id: string | undefined, signature: Signature, predictions: readonly Prediction[], outputs: readonly string[]): Record<string, unknown> {
  const n = predictions.length;
  const classes = signature.output.classes ?? [];
  const tensors: Tensor[] = [];
  for (const name of outputs) {
    if (name === "value") tensors.push({ name, datatype: "FP64", shape: [n], data: predictions.map((p) => p.value ?? null) });
    else if (name === "label") tensors.push({ name, datatype: labelDatatype(classes), shape: [n], data: predictions.map((p) => p.label ?? null) });
    else if (name === "probabilities") {
      const k = classes.length;
      const data = new Array<number>(n * k);
      const keys = classes.map(String);
      for (let r = 0; r < n; r++) {
        const probabilities = predictions[r]?.probabilities ?? {};
        for (let j = 0; j < k; j++) data[r * k + j] = probabilities[keys[j] as string] ?? NaN;
      }
      tensors.push({ name, datatype: "FP32", shape: [n, k], data });
    }
  }
  return { model_name: model.name, ...(model.version === undefined ? {} : { model_version: model.version }), ...(id === undefined ? {} : { id }), outputs: tensors };
}

/** A label tensor's datatype: BYTES for text classes, BOOL for true/false, INT64 or FP64 for numbers. */
function labelDatatype(classes: readonly (string | number | boolean)[]): Datatype {
  if (classes.length > 0 && classes.every((c) => typeof c === "boolean")) return "BOOL";
  if (classes.length > 0 && classes.every((c) => typeof c === "number")) return classes.every((c) => Number.isInteger(c)) ? "INT64" : "FP64";
  return "BYTES";
}
