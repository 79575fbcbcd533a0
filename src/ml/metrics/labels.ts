import { fail, readVector, requireNonEmpty, requireSameLength, type Label, type LabelsInput, type Source } from "./inputs";

/** The kind of every label of a problem: they are all numbers, all strings or all booleans. */
export type LabelKind = "number" | "string" | "boolean";

/** Labels read and checked: one per sample, all of one kind. */
export interface LabelColumn {
  readonly values: readonly Label[];
  readonly kind: LabelKind;
  readonly name: string;
}

/**
 * Reads class labels, one per sample. Numbers must be integers: a fraction
 * is most likely a probability or a score passed where a label belongs.
 */
export function readLabels(input: LabelsInput, at: Source): LabelColumn {
  const raw = readVector(input, at);
  const values: Label[] = new Array<Label>(raw.values.length);
  let kind: LabelKind | undefined;
  let kindAt = 0;
  for (let i = 0; i < raw.values.length; i++) {
    const value = raw.bool ? raw.values[i] === 1 || raw.values[i] === true : raw.values[i];
    if (typeof value === "number") {
      if (Number.isNaN(value)) fail(at.fn, `${at.name} has NaN at index ${i}${countNaN(raw.values, i)}: every label must be a value`);
      if (!Number.isInteger(value)) {
        fail(
          at.fn,
          `${at.name}[${i}] is ${value}, not a class label: numeric labels must be integers. ` +
            "If these are probabilities or scores, threshold them into labels first, or use logLoss, rocAuc or rocCurve",
        );
      }
    } else if (typeof value !== "string" && typeof value !== "boolean") {
      fail(at.fn, `${at.name}[${i}] is ${value === null ? "null" : typeof value}: labels must be numbers, strings or booleans`);
    }
    const valueKind = typeof value as LabelKind;
    if (kind === undefined) {
      kind = valueKind;
      kindAt = i;
    } else if (valueKind !== kind) {
      fail(
        at.fn,
        `${at.name} mixes ${kind}s and ${valueKind}s (${at.name}[${kindAt}] is ${formatLabel(values[kindAt] as Label)}, ` +
          `${at.name}[${i}] is ${formatLabel(value)}): use one kind of label`,
      );
    }
    values[i] = value;
  }
  requireNonEmpty(values.length, at);
  return { values, kind: kind ?? "number", name: at.name };
}

function countNaN(values: ArrayLike<unknown>, first: number): string {
  let count = 0;
  for (let i = first; i < values.length; i++) if (Number.isNaN(values[i])) count++;
  return count > 1 ? ` (the first of ${count})` : "";
}

/** Throws unless both columns hold the same kind of label. */
export function requireSameKind(fn: string, a: LabelColumn, b: LabelColumn): void {
  if (a.kind !== b.kind) {
    fail(fn, `${a.name} holds ${a.kind}s and ${b.name} holds ${b.kind}s (${formatLabel(a.values[0] as Label)} vs ${formatLabel(b.values[0] as Label)}): use the same kind of label in both`);
  }
}

/** Orders labels like scikit-learn's `unique_labels`: numbers numerically, strings by code point, false before true. */
export function compareLabels(a: Label, b: Label): number {
  if (typeof a === "number" && typeof b === "number") return a - b;
  if (typeof a === "boolean" && typeof b === "boolean") return Number(a) - Number(b);
  if (typeof a === "string" && typeof b === "string") return compareCodePoints(a, b);
  return kindRank(a) - kindRank(b);
}

function kindRank(label: Label): number {
  return typeof label === "boolean" ? 0 : typeof label === "number" ? 1 : 2;
}

// Python compares strings by code point; JavaScript's `<` compares UTF-16 code units,
// which orders characters above U+FFFF before U+E000..U+FFFF.
function compareCodePoints(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a.codePointAt(i) as number;
    const y = b.codePointAt(j) as number;
    if (x !== y) return x - y;
    i += x > 0xffff ? 2 : 1;
    j += y > 0xffff ? 2 : 1;
  }
  return a.length - i - (b.length - j);
}

/** The distinct labels of some columns, sorted like scikit-learn's `unique_labels`. */
export function uniqueLabels(...columns: readonly (readonly Label[])[]): Label[] {
  const seen = new Set<Label>();
  for (const column of columns) for (const label of column) seen.add(label);
  return [...seen].sort(compareLabels);
}

/** A label as it reads in a message: strings quoted, the rest as is. */
export function formatLabel(label: Label): string {
  return typeof label === "string" ? JSON.stringify(label) : String(label);
}

/** Labels as they read in a message, shortened past 12. */
export function formatLabels(labels: readonly Label[]): string {
  const shown = labels.slice(0, 12).map(formatLabel).join(", ");
  return labels.length > 12 ? `${shown}, … (${labels.length} labels)` : shown;
}

/** A map from label to its position in `labels`. */
export function indexOfLabels(labels: readonly Label[]): Map<Label, number> {
  return new Map(labels.map((label, i) => [label, i]));
}

/** Checks a label given as an option (`positive`, an entry of `labels`). */
export function requireLabel(fn: string, option: string, value: unknown): Label {
  if (typeof value === "string" || typeof value === "boolean") return value;
  if (typeof value === "number" && Number.isInteger(value)) return value;
  const shown = typeof value === "number" ? String(value) : value === null ? "null" : typeof value;
  return fail(fn, `${option} is ${shown}: a label is an integer, a string or a boolean`);
}

/**
 * The positive class of a binary problem. Without `positive`, it is `1` when
 * the labels are within {0, 1} or {-1, 1}, `true` for booleans, and otherwise
 * the caller must say (scikit-learn's rule for `roc_curve`).
 */
export function resolvePositive(fn: string, positive: unknown, found: readonly Label[], where: string): Label {
  if (positive !== undefined) {
    const label = requireLabel(fn, "positive", positive);
    if (!found.includes(label)) fail(fn, `the positive label ${formatLabel(label)} is absent from ${where}, which hold${holds(where)} ${formatLabels(found)}`);
    return label;
  }
  let label: Label | undefined;
  if (found.every((l) => typeof l === "boolean")) label = true;
  else if (found.every((l) => l === 0 || l === 1) || found.every((l) => l === -1 || l === 1)) label = 1;
  if (label === undefined) {
    const example = found[found.length - 1] as Label;
    return fail(fn, `which label is the positive class? ${where} hold${holds(where)} ${formatLabels(found)}: say it with { positive: ${formatLabel(example)} }`);
  }
  if (!found.includes(label)) {
    fail(fn, `the positive label ${formatLabel(label)} (the default) is absent from ${where}, which hold${holds(where)} only ${formatLabels(found)}: pass the positive class as { positive }`);
  }
  return label;
}

function holds(where: string): string {
  return where.includes(" and ") ? "" : "s";
}

/** Reads true and predicted labels: one each per sample, of the same kind. */
export function readLabelPair(fn: string, yTrue: LabelsInput, yPred: LabelsInput): { yTrue: LabelColumn; yPred: LabelColumn } {
  const truth = readLabels(yTrue, { fn, name: "yTrue" });
  const predicted = readLabels(yPred, { fn, name: "yPred" });
  requireSameLength(fn, { name: "yTrue", length: truth.values.length }, { name: "yPred", length: predicted.values.length });
  requireSameKind(fn, truth, predicted);
  return { yTrue: truth, yPred: predicted };
}
