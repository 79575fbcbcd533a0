/**
 * evaluate()'s reports as tables: the metrics, and for a classifier the
 * classes (support, ROC AUC, average precision) and the confusion matrix.
 */
import { count } from "./cells";
import { isNumber, isPlainObject, isRecordOf } from "./shapes";
import { gridTable, tablesBundle } from "./table";
import type { Table } from "./table";
import type { MimeBundle } from "./bundle";

/**
 * What display reads of evaluate()'s reports: ml's EvaluationReport, whose
 * shape is kept here because ml sits above the kernel that imports display.
 * The tests check that the two agree.
 */
export type ReportShape = ClassificationShape | RegressionShape;

interface RegressionShape {
  readonly kind: "pipelab.report";
  readonly task: "regression";
  readonly n: number;
  readonly metrics: Readonly<Record<string, number>>;
}

interface ClassificationShape extends Omit<RegressionShape, "task"> {
  readonly task: "classification";
  readonly confusion: { readonly labels: readonly unknown[]; readonly matrix: readonly (readonly number[])[] };
  readonly curves: Readonly<Record<string, { readonly roc: { readonly auc: number }; readonly pr: { readonly averagePrecision: number } }>>;
}

/** An evaluation report as tables; undefined for anything else. */
export function reportBundle(value: unknown): MimeBundle | undefined {
  if (!isReport(value)) return undefined;
  const metrics: Table = {
    caption: `${value.task} report: ${count(value.n, "sample")}`,
    header: ["metric", "value"],
    rows: Object.entries(value.metrics),
    indexColumns: 1,
  };
  return tablesBundle(value.task === "classification" ? [metrics, classesTable(value), confusionTable(value)] : [metrics]);
}

/**
 * Whether a value is a report of evaluate(), by its shape: a report read
 * back from the cache is a plain object like any other.
 */
function isReport(value: unknown): value is ReportShape {
  if (!isPlainObject(value) || value.kind !== "pipelab.report" || !isNumber(value.n) || !isRecordOf(value.metrics, isNumber)) return false;
  if (value.task === "regression") return true;
  if (value.task !== "classification" || !isPlainObject(value.curves) || !isPlainObject(value.confusion)) return false;
  const { labels, matrix } = value.confusion;
  return (
    Array.isArray(labels) &&
    Array.isArray(matrix) &&
    matrix.length === labels.length &&
    matrix.every((row: unknown) => Array.isArray(row) && row.length === labels.length && row.every(isNumber))
  );
}

/** Per class: how many samples it has, and its one-vs-rest curve summaries. */
function classesTable(report: ClassificationShape): Table {
  const { labels, matrix } = report.confusion;
  return {
    header: ["class", "support", "ROC AUC", "average precision"],
    rows: labels.map((label, i) => {
      const curves = report.curves[String(label)];
      const support = (matrix[i] ?? []).reduce((sum, n) => sum + n, 0);
      return [label, support, curves?.roc.auc, curves?.pr.averagePrecision];
    }),
    indexColumns: 1,
  };
}

function confusionTable(report: ClassificationShape): Table {
  const { labels, matrix } = report.confusion;
  return gridTable(
    {
      rows: labels.length,
      columns: labels.length,
      indexHeader: "actual \\ predicted",
      rowLabel: (i) => labels[i],
      columnLabel: (j) => labels[j],
      block: (r, c) => matrix.slice(r.start, r.start + r.count).map((row) => row.slice(c.start, c.start + c.count)),
    },
    { caption: "confusion matrix: actual classes down, predicted across" },
  );
}
