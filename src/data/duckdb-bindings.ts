/**
 * The part of DuckDB's C API (through @duckdb/node-bindings) that pipelab
 * calls directly, to move column data in and out without JS values in
 * between; its names are checked once, when DuckDB opens.
 */
export type Vector = unknown;
/** DuckDB's handles, opaque to JS. */
export type Handle = unknown;
/** The part of the C API pipelab calls directly, to move column data without JS values in between. */
export interface Bindings {
  data_chunk_get_vector(chunk: unknown, column: number): Vector;
  vector_get_data(vector: Vector, byteCount: number): Uint8Array;
  vector_get_validity(vector: Vector, byteCount: number): Uint8Array | null | undefined;
  vector_size(): number;
  create_logical_type(typeId: number): Handle;
  create_enum_type(members: readonly string[]): Handle;
  enum_internal_type(type: Handle): number;
  create_data_chunk(types: readonly Handle[]): Handle;
  data_chunk_reset(chunk: Handle): void;
  data_chunk_set_size(chunk: Handle, size: number): void;
  vector_ensure_validity_writable(vector: Vector): void;
  vector_assign_string_element(vector: Vector, index: number, text: string): void;
  copy_data_to_vector(vector: Vector, byteOffset: number, source: ArrayBufferLike, sourceOffset: number, byteCount: number): void;
  copy_data_to_vector_validity(vector: Vector, byteOffset: number, source: ArrayBufferLike, sourceOffset: number, byteCount: number): void;
  appender_create_ext(connection: Handle, catalog: string | null, schema: string | null, table: string): Handle;
  append_data_chunk(appender: Handle, chunk: Handle): void;
  appender_close_sync(appender: Handle): void;
  result_chunk_count(result: Handle): number;
  result_get_chunk(result: Handle, index: number): Handle;
  data_chunk_get_size(chunk: Handle): number;
}

/** The names checked at start-up: a different @duckdb/node-bindings fails there, not mid-query. */
export const BINDING_NAMES: readonly (keyof Bindings)[] = [
  "data_chunk_get_vector",
  "vector_get_data",
  "vector_get_validity",
  "vector_size",
  "create_logical_type",
  "create_enum_type",
  "enum_internal_type",
  "create_data_chunk",
  "data_chunk_reset",
  "data_chunk_set_size",
  "vector_ensure_validity_writable",
  "vector_assign_string_element",
  "copy_data_to_vector",
  "copy_data_to_vector_validity",
  "appender_create_ext",
  "append_data_chunk",
  "appender_close_sync",
  "result_chunk_count",
  "result_get_chunk",
  "data_chunk_get_size",
];

/** Whether row `i` of a validity mask (one bit a row, least significant first) is valid. */
export function isValid(validity: Uint8Array, i: number): boolean {
  return ((validity[i >> 3] as number) & (1 << (i & 7))) !== 0;
}
