import { spawnSync } from "node:child_process";

/** The commit a folder's git work tree is at, and whether it has uncommitted changes. */
export interface GitState {
  commit: string;
  dirty: boolean;
}

const cache = new Map<string, GitState | undefined>();

function git(dir: string, args: string[]): string | undefined {
  const r = spawnSync("git", args, { cwd: dir, encoding: "utf8", timeout: 10_000, stdio: ["ignore", "pipe", "ignore"] });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/**
 * The git state of `dir`, or undefined outside a repository or without git.
 * Asked once per folder per process: a run records where it started.
 */
export function gitState(dir: string): GitState | undefined {
  if (cache.has(dir)) return cache.get(dir);
  const commit = git(dir, ["rev-parse", "HEAD"]);
  const state = commit && /^[0-9a-f]{40,64}$/.test(commit) ? { commit, dirty: (git(dir, ["status", "--porcelain", "--untracked-files=no"]) ?? "") !== "" } : undefined;
  cache.set(dir, state);
  return state;
}
