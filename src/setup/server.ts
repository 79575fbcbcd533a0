import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createServer } from "node:net";
import { SetupError } from "../errors";

export interface NotebookServerOptions {
  python: string;
  /** The folder Jupyter opens. */
  notebookDir: string;
  /** First port to try; the next free one is used. Default 8888. */
  port?: number;
  /** The access token. Default: a fresh random one. */
  token?: string;
  /** Extra environment for the server and its kernels. */
  env?: NodeJS.ProcessEnv;
  /** Where Jupyter's own output goes. Default: this process's stderr. */
  stdio?: "inherit" | "pipe";
}

export interface NotebookServer {
  url: string;
  port: number;
  token: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** The first free TCP port on 127.0.0.1 at or above `start`. */
export async function freePort(start: number): Promise<number> {
  for (let port = start; port < start + 100; port++) {
    const free = await new Promise<boolean>((done) => {
      const server = createServer();
      server.once("error", () => done(false));
      server.listen(port, "127.0.0.1", () => server.close(() => done(true)));
    });
    if (free) return port;
  }
  throw new SetupError(`no free port on 127.0.0.1 between ${start} and ${start + 99}; pass --port`);
}

/**
 * Starts Jupyter Notebook on 127.0.0.1 with token authentication and waits
 * until it answers. Loopback only: a notebook server runs code.
 */
export async function startNotebookServer(options: NotebookServerOptions): Promise<NotebookServer> {
  const port = await freePort(options.port ?? 8888);
  const token = options.token ?? randomBytes(24).toString("hex");
  const args = [
    "-m",
    "notebook",
    "--no-browser",
    "--ip=127.0.0.1",
    `--port=${port}`,
    "--NotebookApp.port_retries=0",
    `--notebook-dir=${options.notebookDir}`,
  ];
  if (process.getuid?.() === 0) args.push("--allow-root");
  // The token goes through the environment, which only this user can read (/proc/PID/environ),
  // not the command line, which every local user sees with ps.
  const child = spawn(options.python, args, {
    stdio: ["ignore", options.stdio ?? "inherit", options.stdio ?? "inherit"],
    env: { ...process.env, PYDEVD_DISABLE_FILE_VALIDATION: "1", ...options.env, JUPYTER_TOKEN: token },
  });
  const url = `http://127.0.0.1:${port}/?token=${token}`;
  const exited = new Promise<number | null>((done) => child.once("exit", (code) => done(code)));
  const deadline = Date.now() + 60_000;
  for (;;) {
    const state = await Promise.race([exited.then(() => "exited" as const), delay(250).then(() => "waiting" as const)]);
    if (state === "exited") {
      throw new SetupError(`Jupyter Notebook exited before it was ready (exit ${child.exitCode}); its messages are above`);
    }
    if (await answers(`http://127.0.0.1:${port}/api/status?token=${token}`)) break;
    if (Date.now() > deadline) {
      child.kill();
      throw new SetupError(`Jupyter Notebook did not answer on port ${port} within 60 s`);
    }
  }
  return {
    url,
    port,
    token,
    process: child,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

async function answers(url: string): Promise<boolean> {
  try {
    const response = await fetch(url);
    return response.ok;
  } catch {
    return false;
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}
