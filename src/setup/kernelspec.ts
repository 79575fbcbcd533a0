import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { delimiter, join, resolve } from "node:path";
import { SetupError } from "../errors";
import { makeOwnFolder, packageRoot, pipelabVersion, writeFileAtomic } from "../util";

/** The kernel's name in Jupyter (`jupyter kernelspec list`, notebook metadata). */
export const KERNEL_NAME = "pipelab";

/**
 * Where a kernelspec goes: as Jupyter's `kernelspec install` would put it, or
 * a folder of pipelab's own (`dir`: the kernels folder itself, what
 * `JUPYTER_PATH` points Jupyter at), which no other program reads.
 */
export type KernelLocation = { kind: "user" } | { kind: "prefix"; prefix: string } | { kind: "sys-prefix" } | { kind: "dir"; dir: string };

export interface KernelInstallOptions {
  /** The Python whose Jupyter registers the kernel (its data folder decides where "user" is). */
  python: string;
  location: KernelLocation;
  /** Written into the kernel's environment as PIPELAB_STORE. */
  store?: string;
}

interface KernelTemplate {
  argv: string[];
  display_name: string;
  language: string;
  interrupt_mode: string;
  env: Record<string, string>;
  metadata: Record<string, unknown>;
}

/** The kernel.json pipelab writes: the template in kernel/, with the absolute paths of node and the launcher. */
export function kernelJson(options: { store?: string } = {}): KernelTemplate {
  const kernelDir = join(packageRoot, "kernel");
  const template = JSON.parse(readFileSync(join(kernelDir, "kernel.json"), "utf8")) as KernelTemplate;
  return {
    ...template,
    argv: [process.execPath, join(kernelDir, "launch.cjs"), "{connection_file}"],
    env: { ...template.env, ...(options.store === undefined ? {} : { PIPELAB_STORE: resolve(options.store) }) },
    metadata: { pipelab: { version: pipelabVersion(), package: packageRoot } },
  };
}

/** The folder that holds Jupyter kernelspecs for a location. */
export function kernelsDir(python: string, location: KernelLocation): string {
  switch (location.kind) {
    case "prefix":
      return join(resolve(location.prefix), "share", "jupyter", "kernels");
    case "sys-prefix":
      return join(pythonOutput(python, ["-c", "import sys; print(sys.prefix)"]), "share", "jupyter", "kernels");
    case "user":
      return join(pythonOutput(python, ["-m", "jupyter", "--data-dir"]), "kernels");
    case "dir":
      return join(resolve(location.dir), "kernels");
  }
}

/**
 * The kernelspec of a project, private to pipelab: `.pipelab/jupyter` at the
 * project root, seen by the Jupyter that pipelab starts (`pipelab notebook`,
 * `pipelab run NOTEBOOK`) through JUPYTER_PATH, before any kernel the user
 * registered, which it leaves as it is. Returns the environment to run
 * Jupyter with.
 */
export function projectKernel(projectRoot: string, python: string): { dir: string; env: { JUPYTER_PATH: string } } {
  const base = join(projectRoot, ".pipelab", "jupyter");
  makeOwnFolder(base);
  const dir = join(base, "kernels", KERNEL_NAME);
  let current: string | undefined;
  try {
    current = readFileSync(join(dir, "kernel.json"), "utf8");
  } catch {
    current = undefined;
  }
  // Written only when it differs: runs started at once do not rewrite it under each other.
  if (current !== `${JSON.stringify(kernelJson(), null, 2)}\n`) installKernel({ python, location: { kind: "dir", dir: base } });
  const inherited = process.env.JUPYTER_PATH;
  return { dir, env: { JUPYTER_PATH: inherited ? `${base}${delimiter}${inherited}` : base } };
}

function pythonOutput(python: string, args: string[]): string {
  const result = spawnSync(python, args, { encoding: "utf8", timeout: 60_000 });
  if (result.status !== 0) {
    throw new SetupError(`\`${python} ${args.join(" ")}\` failed: ${(result.stderr || String(result.error)).trim()}`);
  }
  return result.stdout.trim().split("\n").pop() ?? "";
}

/** What a kernel registration did: where, and which kernel it replaced (its launch command), if another. */
export interface KernelInstalled {
  dir: string;
  replaced?: string;
}

/**
 * Registers the pipelab kernel with Jupyter. Idempotent: installing again
 * replaces the spec in one rename. Says which kernel it replaced when the
 * one there ran something else (another checkout or install of pipelab).
 */
export function installKernel(options: KernelInstallOptions): KernelInstalled {
  const dir = join(kernelsDir(options.python, options.location), KERNEL_NAME);
  const temp = `${dir}.${process.pid}.tmp`;
  const next = kernelJson(options.store === undefined ? {} : { store: options.store });
  let replaced: string | undefined;
  try {
    const before = JSON.parse(readFileSync(join(dir, "kernel.json"), "utf8")) as Partial<KernelTemplate>;
    const command = (before.argv ?? []).filter((a) => a !== "{connection_file}").join(" ");
    if (command !== next.argv.filter((a) => a !== "{connection_file}").join(" ")) replaced = command || "(no command)";
  } catch {
    // nothing registered there yet, or not a readable kernelspec
  }
  try {
    rmSync(temp, { recursive: true, force: true });
    mkdirSync(temp, { recursive: true });
    writeFileAtomic(join(temp, "kernel.json"), JSON.stringify(next, null, 2) + "\n");
    for (const logo of ["logo-32x32.png", "logo-64x64.png", "logo.svg"]) {
      copyFileSync(join(packageRoot, "kernel", logo), join(temp, logo));
    }
    rmSync(dir, { recursive: true, force: true });
    renameSync(temp, dir);
  } catch (error) {
    rmSync(temp, { recursive: true, force: true });
    throw new SetupError(`cannot write the kernelspec to ${dir}: ${(error as Error).message}. Try --user, or --prefix with a writable folder.`, {
      cause: error,
    });
  }
  return { dir, ...(replaced === undefined ? {} : { replaced }) };
}

/** Removes the pipelab kernel from a location. Returns the folder removed, or undefined when it was not there. */
export function uninstallKernel(options: Omit<KernelInstallOptions, "store">): string | undefined {
  const dir = join(kernelsDir(options.python, options.location), KERNEL_NAME);
  if (!existsSync(dir)) return undefined;
  rmSync(dir, { recursive: true, force: true });
  return dir;
}

/** The kernelspecs Jupyter sees, as `jupyter kernelspec list --json` reports them (name -> folder). */
export function listKernels(python: string, env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const result = spawnSync(python, ["-m", "jupyter_client.kernelspecapp", "list", "--json"], { encoding: "utf8", env, timeout: 60_000 });
  if (result.status !== 0) throw new SetupError(`cannot list Jupyter kernels with ${python}: ${result.stderr.trim()}`);
  const parsed = JSON.parse(result.stdout) as { kernelspecs: Record<string, { resource_dir: string }> };
  return Object.fromEntries(Object.entries(parsed.kernelspecs).map(([name, spec]) => [name, spec.resource_dir]));
}
