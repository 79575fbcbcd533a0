import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";

/**
 * Which process owns a running run, and whether that process is still the
 * one alive under its pid.
 *
 * A pid alone does not name a process: after a power loss or a container
 * restart, another process (often another pipelab) may get the same pid, and
 * a run whose process died would look alive forever. On Linux a process is
 * named by its pid, its start time (field 22 of /proc/<pid>/stat, clock ticks
 * since boot) and the boot (/proc/sys/kernel/random/boot_id, since start
 * times restart at each boot). Where /proc is missing (macOS), a live pid
 * whose heartbeat is stale is taken for a reused pid.
 */

/** What a run records about its process when it starts. */
export interface ProcessIdentity {
  pid: number;
  /** Field 22 of /proc/<pid>/stat; null where /proc is missing. */
  startTicks: number | null;
  /** The boot the process started in; null where /proc is missing. */
  bootId: string | null;
}

/** The owner of a `running` run, as recorded in its row. */
export interface RunOwner extends ProcessIdentity {
  host: string;
  /** ISO 8601: the last time the run's process said it was alive. */
  heartbeatAt: string;
}

/** What the machine that opens the store can tell about processes. */
export interface ProcessProbe {
  host: string;
  /** This machine's boot id; undefined where /proc is missing. */
  bootId: string | undefined;
  /** The start time of a live process; "gone" when no process has that pid; "hidden" when it exists but its /proc entry cannot be read. */
  startTicks(pid: number): number | "gone" | "hidden";
  /** Whether some process has this pid (signal 0). */
  exists(pid: number): boolean;
  /** The pid of the process asking. */
  selfPid: number;
  /** Now, in Unix milliseconds. */
  now: number;
}

/**
 * Whether the process that owns a run is gone, so the run is to be marked
 * crashed. `staleMs` is how old a heartbeat must be for its run to be taken
 * for dead when nothing better can be known.
 */
export function ownerIsGone(owner: RunOwner, probe: ProcessProbe, staleMs: number): boolean {
  const stale = Date.parse(owner.heartbeatAt) < probe.now - staleMs;
  // Another machine's pid means nothing here; its heartbeat says whether it is alive.
  if (owner.host !== probe.host) return stale;
  if (probe.bootId === undefined) {
    // No /proc: a vanished pid is certain; a live one may be a stranger that got the pid, which only the heartbeat tells.
    return !probe.exists(owner.pid) || stale;
  }
  if (owner.startTicks === null || owner.bootId === null) {
    // A run recorded before start times were (schema < 6), or on a machine without /proc: the pid is all there is.
    // A long synchronous step may delay heartbeats, so a live pid is never marked.
    return owner.pid !== probe.selfPid && !probe.exists(owner.pid);
  }
  if (owner.bootId !== probe.bootId) return true;
  const start = probe.startTicks(owner.pid);
  if (start === "gone") return true;
  // A pid that exists but whose /proc entry is hidden (hidepid, another pid namespace): fall back to the heartbeat.
  if (start === "hidden") return stale;
  return start !== owner.startTicks;
}

/** The start time of process `pid` in clock ticks since boot (field 22 of /proc/<pid>/stat), or why there is none. */
export function readStartTicks(pid: number | "self", procRoot = "/proc"): number | "gone" | "unreadable" {
  let stat: string;
  try {
    stat = readFileSync(join(procRoot, String(pid), "stat"), "utf8");
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ENOENT" || (error as NodeJS.ErrnoException).code === "ESRCH" ? "gone" : "unreadable";
  }
  // Field 2 is the command name in parentheses, which may itself hold spaces and parentheses: count from the last ")".
  const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(rest[22 - 3]);
  return Number.isSafeInteger(ticks) ? ticks : "unreadable";
}

/** This machine's boot id, or undefined where /proc is missing. */
export function readBootId(procRoot = "/proc"): string | undefined {
  try {
    const id = readFileSync(join(procRoot, "sys", "kernel", "random", "boot_id"), "utf8").trim();
    return id === "" ? undefined : id;
  } catch {
    return undefined;
  }
}

let self: ProcessIdentity | undefined;

/** This process, as a run it starts records it (read once: neither its start time nor the boot change). */
export function currentProcess(): ProcessIdentity {
  if (!self) {
    const bootId = readBootId();
    const start = bootId === undefined ? "unreadable" : readStartTicks("self");
    self = typeof start === "number" && bootId !== undefined ? { pid: process.pid, startTicks: start, bootId } : { pid: process.pid, startTicks: null, bootId: null };
  }
  return self;
}

/** The probe of this machine, through /proc and signal 0. */
export function localProbe(): ProcessProbe {
  const bootId = readBootId();
  return {
    host: hostname(),
    bootId,
    startTicks(pid) {
      const start = readStartTicks(pid);
      if (typeof start === "number") return start;
      // No readable entry: a process that answers signal 0 is there but hidden from us.
      return processExists(pid) ? "hidden" : "gone";
    },
    exists: processExists,
    selfPid: process.pid,
    now: Date.now(),
  };
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
