/**
 * `pipelab monitor PACKAGE`: the inputs a served pipeline logged, compared
 * with its training reference (Evidently's defaults), recorded as a
 * monitoring run.
 */
import { loadPipeline } from "../deploy";
import { monitorPipeline } from "../monitor";
import { ExperimentStore, defaultStorePath } from "../tracking";
import { visible } from "../util";
import { CliUsageError, parse } from "./args";
import type { Command } from "./command";

const OPTIONS = {
  since: { type: "string" },
  windows: { type: "string" },
  store: { type: "string" },
  json: { type: "boolean" },
  "no-record": { type: "boolean" },
} as const;

export const monitorCommand: Command = {
  summary: "compare the inputs a served pipeline logged with its training data (drift), and record the result as a run",
  usage: "pipelab monitor PACKAGE_DIR [--since DATE] [--windows N] [--store FILE] [--json] [--no-record]",
  async run(args) {
    const { values, positionals } = parse(args, OPTIONS, true);
    if (positionals.length !== 1) throw new CliUsageError(`monitor: expected one package folder (from pipelab package), got ${JSON.stringify(positionals.join(" "))}`);
    const windows = values.windows === undefined ? undefined : Number(values.windows);
    if (windows !== undefined && (!Number.isInteger(windows) || windows < 1)) throw new CliUsageError(`invalid --windows: ${values.windows} (a whole number, 1 or more)`);
    if (values.since !== undefined && Number.isNaN(Date.parse(values.since))) throw new CliUsageError(`invalid --since: ${values.since} (a date such as 2026-11-30 or 2026-11-30T12:00:00Z)`);
    const pipeline = await loadPipeline(positionals[0] as string);
    const store = ExperimentStore.open(values.store ?? defaultStorePath());
    try {
      const report = await monitorPipeline(pipeline, store, {
        ...(values.since === undefined ? {} : { since: values.since }),
        ...(windows === undefined ? {} : { windows }),
        record: values["no-record"] !== true,
      });
      if (values.json) {
        console.log(JSON.stringify({ pipeline: report.pipeline, from: report.from, to: report.to, runId: report.runId, drift: report.drift, windows: report.windows }, null, 2));
        return 0;
      }
      const d = report.drift;
      // Column and package names come from the user's data: shown with control characters made visible.
      const log = (line: string): void => console.log(visible(line));
      log(`${report.pipeline}: ${report.current.rows} logged inputs (${report.from} .. ${report.to}) against ${report.reference.rows} reference rows`);
      log(`${d.drifted ? "DRIFT" : "no drift"}: ${d.driftedColumns} of ${d.testedColumns} columns drifted (threshold: ${Math.round(d.share * 100)}% of the columns)`);
      const width = Math.max(6, ...d.columns.map((c) => c.column.length));
      for (const c of d.columns) {
        const score = c.pValue === undefined ? `${c.method} ${c.statistic.toPrecision(3)}` : `${c.method} p=${c.pValue.toPrecision(3)}`;
        log(`  ${c.column.padEnd(width)}  ${c.kind.padEnd(11)}  ${score.padEnd(24)}  ${c.empty !== undefined ? `empty (${c.empty})` : c.drifted ? "drifted" : "-"}`);
      }
      if (report.windows.length > 1) log(`by window: ${report.windows.map((w) => `${Math.round(w.drift.driftedShare * 100)}%`).join(" -> ")}`);
      if (report.runId !== null) log(`recorded as run ${report.runId} (pipelab runs show ${report.runId})`);
      return 0;
    } finally {
      store.close();
    }
  },
};
