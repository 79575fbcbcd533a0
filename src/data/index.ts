export { datasetNames, datasetPath, loadDataset, loadDatasetRows } from "./datasets";
export { CsvSyntaxError, parseCsv } from "./csv";
export type { ParsedCsv } from "./csv";
export { readTracked, readTrackedFile } from "./read-file";
