import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { SetupError } from "../errors";

/** The Python modules pipelab uses from the system's Jupyter. */
const MODULES = ["notebook", "nbconvert", "nbclient", "jupyter_client"] as const;

/** Debian's packages that provide them (and the `jupyter kernelspec` and `jupyter nbconvert` commands). */
export const DEBIAN_PACKAGES = ["jupyter-notebook", "python3-nbconvert", "python3-nbclient", "jupyter-client", "jupyter-nbconvert"];

/** What is known about one Python interpreter. */
export interface PythonReport {
  python: string;
  version: string;
  /** Module name -> version, for the Jupyter modules it has. */
  modules: Partial<Record<(typeof MODULES)[number], string>>;
  missing: string[];
}

/** The environment variable that names the Python whose Jupyter pipelab uses. */
export const PYTHON_ENV = "PIPELAB_PYTHON";

/**
 * The Pythons to look at, in order: `$PIPELAB_PYTHON`, the system's
 * /usr/bin/python3 (where Debian's Jupyter lives, even when a pyenv or venv
 * python3 comes first on the PATH), then python3 and python on the PATH.
 */
export function pythonCandidates(): string[] {
  const list = [process.env[PYTHON_ENV], "/usr/bin/python3", "python3", "python"].filter(
    (p): p is string => p !== undefined && p !== "",
  );
  return [...new Set(list)];
}

const PROBE = `
import importlib, json, sys
mods = {}
for name in ${JSON.stringify(MODULES)}:
    try:
        m = importlib.import_module(name)
        mods[name] = getattr(m, "__version__", "?")
    except Exception:
        pass
print(json.dumps({"version": sys.version.split()[0], "modules": mods}))
`;

/** Asks one Python which Jupyter modules it has; undefined when it does not run. */
export function probePython(python: string): PythonReport | undefined {
  const result = spawnSync(python, ["-c", PROBE], { encoding: "utf8", timeout: 60_000 });
  if (result.error || result.status !== 0) return undefined;
  try {
    const parsed = JSON.parse(result.stdout.trim().split("\n").pop() ?? "") as { version: string; modules: PythonReport["modules"] };
    if (!parsed.version.startsWith("3.")) return undefined;
    return { python, version: parsed.version, modules: parsed.modules, missing: MODULES.filter((m) => !(m in parsed.modules)) };
  } catch {
    return undefined;
  }
}

/** Every candidate Python that runs, with what it has. */
export function probePythons(candidates: readonly string[] = pythonCandidates()): PythonReport[] {
  return candidates.map(probePython).filter((r): r is PythonReport => r !== undefined);
}

/** The first Python that has all of Jupyter pipelab needs, or undefined. */
export function findJupyterPython(candidates: readonly string[] = pythonCandidates()): PythonReport | undefined {
  return probePythons(candidates).find((r) => r.missing.length === 0);
}

/** How to install what is missing, by hand, as commands to paste. */
export function installInstructions(python = "python3"): string {
  return [
    `  on Debian or Ubuntu:  sudo apt-get update && sudo apt-get install -y ${DEBIAN_PACKAGES.join(" ")}`,
    `  with pip:             ${python} -m pip install --user notebook nbconvert nbclient jupyter_client`,
    `  (a Python with Jupyter elsewhere can be named with ${PYTHON_ENV}=/path/to/python3)`,
  ].join("\n");
}

/** Whether this process may install Debian packages: apt-get exists and we are root or have password-less sudo. */
function aptCommand(): string[] | undefined {
  if (!existsSync("/usr/bin/apt-get")) return undefined;
  if (process.getuid?.() === 0) return [];
  const sudo = spawnSync("sudo", ["-n", "true"], { stdio: "ignore" });
  return sudo.status === 0 ? ["sudo", "-n"] : undefined;
}

/** Installs Debian packages with apt-get (update first). Returns false when not allowed. */
export function aptInstall(packages: readonly string[], log: (line: string) => void, options: { update?: boolean } = {}): boolean {
  const prefix = aptCommand();
  if (prefix === undefined) return false;
  const run = (args: string[]): void => {
    const [cmd, ...rest] = [...prefix, ...args];
    log(`$ ${[cmd, ...rest].join(" ")}`);
    // stderr is shown as it comes and kept, to say why apt failed.
    const result = spawnSync(cmd as string, rest, {
      stdio: ["ignore", "inherit", "pipe"],
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
      encoding: "utf8",
    });
    if (result.stderr) process.stderr.write(result.stderr);
    if (result.status !== 0) throw new SetupError(aptFailure(packages, [cmd as string, ...rest].join(" "), result.status ?? result.signal, result.stderr ?? ""));
  };
  if (options.update !== false) run(["apt-get", "update", "-q"]);
  run(["apt-get", "install", "-y", "-q", "--no-install-recommends", ...packages]);
  return true;
}

/**
 * Why an apt command failed, naming the packages it was installing, the cause
 * when apt says it (another apt holding the dpkg lock, no network, an unknown
 * package), and the command to run by hand for those packages.
 */
export function aptFailure(packages: readonly string[], command: string, exit: number | string | null, stderr: string): string {
  const byHand = `sudo apt-get install -y ${packages.join(" ")}`;
  const lock = /Could not get lock (\/\S+?)\.?(?=\s|$)(?:[^\n]*?held by process (\d+)(?: \(([^)]+)\))?)?/.exec(stderr);
  if (lock) {
    const holder = lock[2] ? `process ${lock[2]}${lock[3] ? ` (${lock[3]})` : ""}` : "another process";
    return `installing ${packages.join(", ")} failed: ${holder} holds the package manager's lock (${lock[1]}), so \`${command}\` could not run. Wait for it to finish, then run again, or install by hand: ${byHand}`;
  }
  const unknown = /Unable to locate package (\S+)/.exec(stderr);
  if (unknown) return `installing ${packages.join(", ")} failed: apt knows no package ${unknown[1]} (run sudo apt-get update first, or check the package name); by hand: ${byHand}`;
  if (/Temporary failure resolving|Could not resolve|Failed to fetch/.test(stderr)) {
    return `installing ${packages.join(", ")} failed: apt could not reach its package servers (\`${command}\`, exit ${exit}). Check the network, then install by hand: ${byHand}`;
  }
  const last = stderr.trim().split("\n").filter((l) => l.trim()).slice(-3).join("\n");
  return `installing ${packages.join(", ")} failed: \`${command}\` exited with ${exit}${last ? `:\n${last}` : ""}\nInstall by hand: ${byHand}`;
}

/**
 * Makes sure a Python with Jupyter Notebook, nbconvert and nbclient is here,
 * installing Debian's packages when allowed (root or password-less sudo), and
 * otherwise failing with the exact commands to run.
 */
export function ensureJupyter(options: {
  install: boolean;
  log: (line: string) => void;
  /** The Pythons to consider. Default: pythonCandidates(). */
  candidates?: readonly string[];
}): PythonReport {
  const candidates = options.candidates ?? pythonCandidates();
  const found = findJupyterPython(candidates);
  if (found) return found;
  const pythons = probePythons(candidates);
  if (options.install && aptInstall(DEBIAN_PACKAGES, options.log)) {
    const after = findJupyterPython(candidates);
    if (after) return after;
  }
  if (pythons.length === 0) {
    throw new SetupError(
      `no Python 3 found (tried ${candidates.join(", ")}); Jupyter needs one. Install Python 3 and Jupyter:\n${installInstructions()}`,
    );
  }
  const seen = pythons.map((p) => `  ${p.python} (Python ${p.version}) lacks ${p.missing.join(", ")}`).join("\n");
  throw new SetupError(`Jupyter is not installed for any Python found:\n${seen}\nInstall it:\n${installInstructions(pythons[0]?.python)}`);
}
