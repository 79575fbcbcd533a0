/**
 * The runs this process has open, and their end: a run ends `finished` when
 * the script or kernel exits normally, `failed` when it exits non-zero,
 * `killed` on SIGTERM or SIGHUP; a process that dies without a word leaves
 * its run to crash detection the next time the store is opened.
 */

/** What ends at exit: a workbench's run. */
export interface OpenRun {
  finish(status?: "failed" | "killed"): void;
}

const openRuns = new Set<OpenRun>();
let exitHooksInstalled = false;

/** Notes a run as open, to be ended at exit. */
export function trackOpenRun(run: OpenRun): void {
  openRuns.add(run);
}

/** Forgets a run that has ended. */
export function untrackOpenRun(run: OpenRun): void {
  openRuns.delete(run);
}

/** Ends every open run (opening a workbench again, re-running its cell, ends the previous run). */
export function finishOpenRuns(): void {
  for (const run of [...openRuns]) run.finish();
}

/** Ends the open runs when the process exits or is stopped. */
export function installExitHooks(): void {
  if (exitHooksInstalled) return;
  exitHooksInstalled = true;
  process.on("exit", (code) => {
    for (const wb of [...openRuns]) {
      try {
        wb.finish(code === 0 ? undefined : "failed");
      } catch {
        // The store may be gone at exit; crash detection will close the run next time.
      }
    }
  });
  // A kernel or script stopped with SIGTERM (or SIGHUP) ends its runs as killed.
  for (const signal of ["SIGTERM", "SIGHUP"] as const) {
    process.once(signal, () => {
      for (const wb of [...openRuns]) {
        try {
          wb.finish("killed");
        } catch {
          // as above
        }
      }
      process.exit(128 + (signal === "SIGTERM" ? 15 : 1));
    });
  }
}
