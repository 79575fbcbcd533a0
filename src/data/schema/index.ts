/**
 * Ingestion checks: a declared schema per input, the rows that break it
 * counted with examples, then the check failed or the bad rows quarantined.
 */
export { checkSchema } from "./check";
export type { CheckOptions, SchemaCheck } from "./check";
export { SchemaReport, SchemaViolationError } from "./report";
export type { CellValue, ExampleRow, RuleViolation } from "./report";
export type { ColumnRule, RuleName, SchemaType, TableSchema } from "./rules";
export { checkedOnRead } from "./on-read";
export type { SchemaOnRead } from "./on-read";
