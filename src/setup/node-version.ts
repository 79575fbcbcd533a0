import { SetupError } from "../errors";

/** The oldest Node.js pipelab runs on: 20.19 is the first 20.x that can require() ES modules (Observable Plot is one). */
export const MIN_NODE = [20, 19] as const;

/** Throws a SetupError saying what to do when this Node.js is too old. */
export function checkNodeVersion(version: string = process.versions.node): void {
  const [major = 0, minor = 0] = version.split(".").map(Number);
  if (major > MIN_NODE[0] || (major === MIN_NODE[0] && minor >= MIN_NODE[1])) return;
  throw new SetupError(
    `pipelab needs Node.js ${MIN_NODE.join(".")} or newer; this is Node.js ${version}. ` +
      `Install a current Node.js (https://nodejs.org, or your system's package manager, e.g. NodeSource for Debian) and run npm install again.`,
  );
}
