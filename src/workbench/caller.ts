import { join, sep } from "node:path";
import { packageRoot } from "../util";

/**
 * The file of the first stack frame outside pipelab: the script that called
 * the step. Read from V8's call sites rather than from `stack` text, which
 * under source maps (tsx) costs milliseconds to format.
 */
export function callerFile(): string | undefined {
  const holder: { stack?: unknown } = {};
  const previous = Error.prepareStackTrace;
  const previousLimit = Error.stackTraceLimit;
  Error.prepareStackTrace = (_error, callSites) => callSites;
  Error.stackTraceLimit = 30;
  try {
    Error.captureStackTrace(holder, callerFile);
    for (const site of (holder.stack as NodeJS.CallSite[] | undefined) ?? []) {
      const raw = site.getFileName();
      if (!raw) continue;
      const file = raw.startsWith("file://") ? decodeURIComponent(raw.slice("file://".length)) : raw;
      if (!file.startsWith("/") && !/^[A-Za-z]:[\\/]/.test(file)) continue;
      if (file.startsWith(join(packageRoot, "dist")) || file.startsWith(join(packageRoot, "src"))) continue;
      if (file.includes(`${sep}node_modules${sep}`)) continue;
      return file;
    }
  } finally {
    Error.prepareStackTrace = previous;
    Error.stackTraceLimit = previousLimit;
  }
  return process.argv[1];
}

