import { tslabPublic } from "./tslab-adapter";
export type { TslabDisplay } from "./tslab-adapter";

/**
 * tslab's display API of the kernel this process is, or undefined when it is
 * not a tslab kernel executing a cell (a script, a test). It comes from the
 * very tslab copy that runs the kernel, which holds the channel to Jupyter
 * (see the tslab adapter).
 */
export const tslabDisplay = tslabPublic;

/** Whether this process is a tslab kernel that can show rich output. */
export function inKernel(): boolean {
  return tslabPublic() !== undefined;
}
