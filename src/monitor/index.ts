/**
 * Monitoring: drift statistics with Evidently's defaults, and the inputs a
 * served pipeline logged compared with its training reference.
 */
export { columnDrift, datasetDrift, driftTable } from "./drift";
export type { ColumnDrift, ColumnDriftOptions, DatasetColumnDrift, DatasetDrift, DatasetDriftOptions, DriftKind, DriftMethod, DriftValues } from "./drift";
export { monitorPipeline } from "./monitor";
export type { DriftWindow, MonitorOptions, MonitorReport } from "./monitor";
