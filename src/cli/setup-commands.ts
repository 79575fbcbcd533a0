/**
 * The commands that set a machine up: `setup`, `doctor`, `notebook` (Jupyter
 * with the project's kernel) and `kernel` (register one with the user's Jupyter).
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import {
  DEBIAN_PACKAGES,
  KERNEL_NAME,
  aptInstall,
  ensureJupyter,
  installKernel,
  listKernels,
  probePythons,
  projectKernel,
  startNotebookServer,
  uninstallKernel,
} from "../setup";
import type { KernelLocation } from "../setup";
import { NATIVE_BLAS_ADDON, NATIVE_BLAS_ENV } from "../ml/native";
import { defaultStorePath } from "../tracking";
import { findProjectRoot, packageRoot, pipelabVersion } from "../util";
import { CliUsageError, parse } from "./args";
import type { Command } from "./command";
import { openForReading } from "./runs-commands";

const log = (line: string): void => console.log(line);

const locationOptions = {
  user: { type: "boolean" },
  prefix: { type: "string" },
  "sys-prefix": { type: "boolean" },
} as const;

function location(values: { user?: boolean; prefix?: string; "sys-prefix"?: boolean }): KernelLocation {
  const chosen = [values.user, values.prefix !== undefined, values["sys-prefix"]].filter(Boolean).length;
  if (chosen > 1) throw new CliUsageError("give at most one of --user, --prefix and --sys-prefix");
  if (values.prefix !== undefined) return { kind: "prefix", prefix: values.prefix };
  if (values["sys-prefix"]) return { kind: "sys-prefix" };
  return { kind: "user" };
}

export const kernel: Command = {
  summary: "register or remove the pipelab kernel in Jupyter",
  usage: "pipelab kernel install|uninstall [--user | --prefix DIR | --sys-prefix] [--store FILE]",
  async run(args) {
    const [action, ...rest] = args;
    const { values } = parse(rest, { ...locationOptions, store: { type: "string" } });
    const where = location(values);
    const python = ensureJupyter({ install: false, log }).python;
    if (action === "install") {
      const { dir, replaced } = installKernel({ python, location: where, ...(values.store === undefined ? {} : { store: values.store }) });
      log(`installed the "${KERNEL_NAME}" kernel (TypeScript (pipelab)) in ${dir}`);
      if (replaced) log(`it replaces the "${KERNEL_NAME}" kernel that was registered there, which ran: ${replaced}`);
      return 0;
    }
    if (action === "uninstall") {
      const dir = uninstallKernel({ python, location: where });
      log(dir ? `removed the "${KERNEL_NAME}" kernel from ${dir}` : `the "${KERNEL_NAME}" kernel was not installed there; nothing to do`);
      return 0;
    }
    throw new CliUsageError(`kernel: expected install or uninstall, got ${JSON.stringify(action ?? "")}`);
  },
};

export const setup: Command = {
  summary: "check Node, install Jupyter if missing (apt-get where allowed), register the kernel",
  usage: "pipelab setup [--no-install] [--no-kernel] [--for-tests]   (--for-tests: what the tests need, no kernel registration)",
  async run(args) {
    const { values } = parse(args, {
      "no-install": { type: "boolean" },
      "no-kernel": { type: "boolean" },
      "for-tests": { type: "boolean" },
    });
    const report = ensureJupyter({ install: !values["no-install"], log });
    log(`Jupyter: ${report.python} (Python ${report.version}; notebook ${report.modules.notebook}, nbclient ${report.modules.nbclient})`);
    if (values["for-tests"]) {
      ensureChromium(!values["no-install"]);
      ensureKernelTestSuite(report.python, !values["no-install"]);
      ensureNativeBlas(!values["no-install"]);
      ensurePostgres(!values["no-install"]);
    }
    if (!values["no-kernel"] && !values["for-tests"]) {
      const { dir, replaced } = installKernel({ python: report.python, location: { kind: "user" } });
      log(`kernel: "${KERNEL_NAME}" registered in ${dir}`);
      if (replaced) log(`kernel: it replaces the "${KERNEL_NAME}" kernel that was registered there, which ran: ${replaced}`);
    }
    return 0;
  },
};

/** The browser test drives Debian's chromium; install it with the rest when allowed. */
function ensureChromium(install: boolean): void {
  if (existsSync("/usr/bin/chromium")) return;
  if (install && aptInstall(["chromium"], log) && existsSync("/usr/bin/chromium")) return;
  log("note: /usr/bin/chromium is missing, so the browser test will fail; install it with: sudo apt-get install -y chromium");
}

/** The kernel's conformance test runs Jupyter's own kernel test suite (Debian's python3-jupyter-kernel-test). */
function ensureKernelTestSuite(python: string, install: boolean): void {
  const present = (): boolean => spawnSync(python, ["-c", "import jupyter_kernel_test"], { stdio: "ignore" }).status === 0;
  if (present()) return;
  if (install && aptInstall(["python3-jupyter-kernel-test"], log) && present()) return;
  log(`note: ${python} lacks jupyter_kernel_test, so the kernel conformance test will fail; install it with: sudo apt-get install -y python3-jupyter-kernel-test`);
}

/**
 * The native BLAS tests need pipelab's addon, built against Debian's libopenblas-dev:
 * install that when it is missing, then build the addon (the install's build had nothing to build against).
 */
function ensureNativeBlas(install: boolean): void {
  if (process.env[NATIVE_BLAS_ENV] === "0" || existsSync(NATIVE_BLAS_ADDON)) return;
  const headers = (): boolean => spawnSync(process.execPath, [join(packageRoot, "native", "blas", "find-openblas.js"), "check"], { stdio: "ignore" }).status === 0;
  if (!headers() && install) aptInstall(["libopenblas-dev", "pkg-config"], log);
  if (headers()) spawnSync(process.execPath, [join(packageRoot, "scripts", "build-native.mjs")], { stdio: "inherit" });
  if (existsSync(NATIVE_BLAS_ADDON)) return;
  log(`note: the native BLAS is not built, so its tests will fail; install OpenBLAS with: sudo apt-get install -y libopenblas-dev, then run: node ${join(packageRoot, "scripts", "build-native.mjs")} (or run the tests with ${NATIVE_BLAS_ENV}=0)`);
}

/** The shared store's tests start their own PostgreSQL server from Debian's binaries (/usr/lib/postgresql/VERSION/bin). */
function ensurePostgres(install: boolean): void {
  const present = (): boolean => existsSync("/usr/lib/postgresql") && readdirSync("/usr/lib/postgresql").some((v) => existsSync(join("/usr/lib/postgresql", v, "bin", "initdb")));
  if (process.env.PIPELAB_POSTGRES_BIN !== undefined || present()) return;
  if (install && aptInstall(["postgresql"], log) && present()) return;
  log("note: PostgreSQL is missing, so the shared store's tests will skip (loudly); install it with: sudo apt-get install -y postgresql");
}

export const doctor: Command = {
  summary: "report what pipelab finds on this machine, changing nothing",
  usage: "pipelab doctor",
  async run(args) {
    parse(args, {});
    let ok = true;
    log(`pipelab ${pipelabVersion()} on Node.js ${process.versions.node}`);
    const pythons = probePythons();
    if (pythons.length === 0) {
      ok = false;
      log("python: none found");
    }
    for (const p of pythons) {
      const has = Object.entries(p.modules).map(([m, v]) => `${m} ${v}`).join(", ");
      log(`python: ${p.python} (Python ${p.version}): ${has || "no Jupyter"}${p.missing.length ? `; missing ${p.missing.join(", ")}` : ""}`);
    }
    const jupyter = pythons.find((p) => p.missing.length === 0);
    if (!jupyter) {
      ok = false;
      log(`jupyter: not found; run \`pipelab setup\`, or: sudo apt-get install -y ${DEBIAN_PACKAGES.join(" ")}`);
    } else {
      const kernels = listKernels(jupyter.python);
      const dir = kernels[KERNEL_NAME];
      if (!dir) ok = false;
      log(`kernel: ${dir ? `"${KERNEL_NAME}" in ${dir}` : `not registered; run \`pipelab kernel install\``}`);
    }
    const storePath = defaultStorePath();
    try {
      const store = openForReading(storePath);
      log(`store: ${store.path} (schema ${store.schemaVersion}, ${store.listRuns().length} runs${store.readOnly ? ", read-only for you" : ""})`);
      store.close();
    } catch (error) {
      ok = false;
      log(`store: ${(error as Error).message}`);
    }
    return ok ? 0 : 1;
  },
};

export const notebook: Command = {
  summary: "start Jupyter Notebook on 127.0.0.1 with the pipelab kernel and notebooks/ open",
  usage: "pipelab notebook [--port N] [--dir FOLDER] [--no-install]",
  async run(args) {
    const { values } = parse(args, { port: { type: "string" }, dir: { type: "string" }, "no-install": { type: "boolean" } });
    const port = values.port === undefined ? 8888 : Number(values.port);
    if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new CliUsageError(`invalid --port: ${values.port}`);
    const report = ensureJupyter({ install: !values["no-install"], log });
    const notebookDir = resolve(values.dir ?? join(findProjectRoot(), "notebooks"));
    // The kernel of this project, private to the Jupyter started here: registered kernels stay as they are.
    const kernel = projectKernel(findProjectRoot(notebookDir), report.python);
    log(`kernel: "${KERNEL_NAME}" of this project (${kernel.dir}); kernels you registered are left as they are`);
    log(`starting Jupyter Notebook (${report.python}) in ${notebookDir} ...`);
    const server = await startNotebookServer({ python: report.python, notebookDir, port, env: kernel.env });
    log("");
    log(`  Jupyter Notebook is running. Open this address in your browser:`);
    log("");
    log(`    ${server.url}`);
    log("");
    log(`  Pick the "TypeScript (pipelab)" kernel for new notebooks. Press Ctrl+C to stop.`);
    log("");
    const stop = (): void => void server.stop().then(() => process.exit(0));
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
    await new Promise<void>((done) => server.process.once("exit", () => done()));
    return server.process.exitCode ?? 0;
  },
};
