export { datasetNames, datasetPath, datasetsDir, loadDataset, loadDatasetRows } from "./datasets";
