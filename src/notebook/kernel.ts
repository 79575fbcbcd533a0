import { dirname, join, sep } from "node:path";

/** The part of tslab's public API pipelab displays through. */
export interface TslabDisplay {
  html(s: string): void;
  svg(s: string): void;
  text(s: string): void;
  markdown(s: string): void;
}

interface TslabPublic {
  display: TslabDisplay;
  newDisplay(): TslabDisplay;
}

const JUPYTER_MODULE = `${sep}tslab${sep}dist${sep}jupyter.js`;

/**
 * tslab's display API of the kernel this process is, or undefined when it is
 * not a tslab kernel executing a cell (a script, a test).
 *
 * The display must come from the very tslab copy that runs the kernel: that
 * copy holds the channel to Jupyter. A project may hold several copies (its
 * own and pipelab's), so we look for the loaded one whose channel is open
 * rather than `require("tslab")` from here.
 */
export function tslabDisplay(): TslabPublic | undefined {
  // tslab's executor sets this global when it starts: without it there is no kernel, and no need to look.
  if (!("__tslab__" in globalThis)) return undefined;
  if (found) return found;
  for (const [file, mod] of Object.entries(require.cache)) {
    if (!file.endsWith(JUPYTER_MODULE) || !mod) continue;
    const exports = mod.exports as { lastWriteDisplayData?: unknown };
    if (typeof exports.lastWriteDisplayData !== "function") continue;
    found = require(join(dirname(file), "public.js")) as TslabPublic;
    return found;
  }
  return undefined;
}

let found: TslabPublic | undefined;

/** Whether this process is a tslab kernel that can show rich output. */
export function inKernel(): boolean {
  return tslabDisplay() !== undefined;
}
