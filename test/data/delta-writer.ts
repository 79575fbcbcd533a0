// A writer process for delta.test.ts's race between two processes. Loads
// everything (DuckDB included) and builds its table first, says it is ready
// (creates the file `ready`), then waits for the file `go`, which the test
// creates once both writers are ready: so both write at once.
// Prints one JSON line per write: { ok, version } or the error's name, version and message.
import { existsSync, writeFileSync } from "node:fs";
import { ColumnarTable } from "../../src/data/columnar";
import { DeltaConflictError, writeDelta } from "../../src/data/delta";
import { queryColumns } from "../../src/data/duckdb";

interface Spec {
  table: string;
  mode: "append" | "overwrite" | "error";
  /** The file to create once ready, and the one to wait for. */
  ready: string;
  go: string;
  rows: number;
  writes: number;
  /** Tags every row, so that the reader can count each writer's rows. */
  tag: string;
}

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2] as string) as Spec;
  await queryColumns("SELECT 1 AS warm");
  const table = new ColumnarTable([
    { name: "id", dtype: "float64", values: Float64Array.from({ length: spec.rows }, (_, i) => i) },
    { name: "tag", dtype: "string", values: Array.from({ length: spec.rows }, () => spec.tag) },
  ]);
  writeFileSync(spec.ready, "");
  while (!existsSync(spec.go)) await new Promise((resolve) => setTimeout(resolve, 1));
  for (let i = 0; i < spec.writes; i++) {
    try {
      const { version } = await writeDelta(table, spec.table, { mode: spec.mode });
      process.stdout.write(`${JSON.stringify({ ok: true, version })}\n`);
    } catch (error) {
      const e = error as Error;
      process.stdout.write(`${JSON.stringify({ ok: false, name: e.name, conflict: error instanceof DeltaConflictError, version: (error as DeltaConflictError).version, message: e.message })}\n`);
    }
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
