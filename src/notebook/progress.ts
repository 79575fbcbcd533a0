import type { ProgressSink } from "../run-context";
import { tslabDisplay } from "./kernel";

/** Updates closer together than this are skipped (the last one is always shown). */
const MIN_INTERVAL_MS = 150;

/**
 * A progress display. In a notebook, one output entry under the cell that is
 * overwritten in place (tslab's newDisplay); in a terminal, one line redrawn
 * with a carriage return; when output is not a terminal (a log file, CI), a
 * line every few seconds. Updates are throttled so a training loop can call
 * it every batch without flooding the output or slowing down.
 */
export function progressDisplay(title: string): ProgressSink {
  const kernel = tslabDisplay();
  const started = Date.now();
  let last = 0;
  let pending: string | undefined;
  const elapsed = (): string => `${((Date.now() - started) / 1000).toFixed(1)} s`;
  if (kernel) {
    const display = kernel.newDisplay();
    const show = (text: string): void => display.text(`${title}: ${text}`);
    return {
      update(text) {
        pending = text;
        const now = Date.now();
        if (now - last < MIN_INTERVAL_MS) return;
        last = now;
        show(text);
      },
      done(text) {
        show(`${text ?? pending ?? "done"} (${elapsed()})`);
      },
    };
  }
  const tty = process.stderr.isTTY === true;
  return {
    update(text) {
      pending = text;
      const now = Date.now();
      if (now - last < (tty ? MIN_INTERVAL_MS : 5000)) return;
      last = now;
      if (tty) process.stderr.write(`\r\x1b[2K${title}: ${text}`);
      else process.stderr.write(`${title}: ${text}\n`);
    },
    done(text) {
      const line = `${title}: ${text ?? pending ?? "done"} (${elapsed()})`;
      process.stderr.write(tty ? `\r\x1b[2K${line}\n` : `${line}\n`);
    },
  };
}
