/**
 * `pipelab store push --to postgres://...`: copies the local store's runs into
 * a shared PostgreSQL store, once each (tracking's store-push.ts). Wired into
 * `pipelab store` by the store command.
 */
import { defaultStorePath, pushStore } from "../tracking";
import type { PushReport } from "../tracking";
import { visible } from "../util";
import { CliUsageError, parse } from "./args";

/** How `pipelab store push` is called, for the store command's usage. */
export const STORE_PUSH_USAGE = "pipelab store push --to postgres://user@host/db [--store FILE] [--dry-run] [--json]";

/**
 * Runs `pipelab store push` with the arguments after `push`; returns the exit
 * code. Progress goes to stdout, or to stderr with --json (stdout is then the
 * report alone, as JSON).
 *
 * @example
 * ```ts
 * await storePush(["--to", "postgres://lab@db.internal/pipelab", "--dry-run"]);
 * ```
 */
export async function storePush(args: string[]): Promise<number> {
  const { values } = parse(args, { to: { type: "string" }, store: { type: "string" }, "dry-run": { type: "boolean" }, json: { type: "boolean" } });
  if (values.to === undefined || values.to.trim() === "") throw new CliUsageError(`store push: give the shared store with --to (${STORE_PUSH_USAGE})`);
  const json = values.json ?? false;
  const say = (line: string): void => {
    if (json) process.stderr.write(`${visible(line)}\n`);
    else console.log(visible(line));
  };
  const report = pushStore(values.store ?? defaultStorePath(), values.to, { onProgress: say, dryRun: values["dry-run"] ?? false });
  if (json) console.log(JSON.stringify(report, null, 2));
  else console.log(visible(summary(report)));
  return 0;
}

function summary(r: PushReport): string {
  const verb = r.dryRun ? "would copy" : "copied";
  const parts = [`${verb} ${count(r.copied.length, "run")} (${count(r.points, "metric point")}, ${count(r.codeSources, "step source")})`, `${r.alreadyThere.length} already there`];
  if (r.skipped.length > 0) parts.push(`${r.skipped.length} skipped (${r.skipped.map((s) => `run ${s.local}: ${s.reason}`).join(", ")})`);
  return `${parts.join("; ")}${r.dryRun ? "; nothing was written (--dry-run)" : ""}`;
}

function count(n: number, what: string): string {
  return `${n.toLocaleString("en-US")} ${what}${n === 1 ? "" : "s"}`;
}
