import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { startNotebookServer } from "../../src/setup";
import type { NotebookServer } from "../../src/setup";
import { jupyterPython } from "../helpers/jupyter";
import { tempDir } from "../helpers/tmp";

/** The command lines of a process and of all its descendants, as any local user reads them from /proc. */
function commandLines(pid: number): string[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // gone since it was listed
    }
  }
  const out: string[] = [];
  const visit = (p: number): void => {
    try {
      out.push(readFileSync(`/proc/${p}/cmdline`, "utf8").split("\0").join(" "));
    } catch {
      return;
    }
    for (const c of children.get(p) ?? []) visit(c);
  };
  visit(pid);
  return out;
}

describe("the Jupyter server pipelab starts keeps its token off the process list", () => {
  const dir = tempDir();
  let server: NotebookServer;

  before(async () => {
    server = await startNotebookServer({ python: jupyterPython(), notebookDir: dir, port: 18990, stdio: "pipe", env: { HOME: dir, JUPYTER_DATA_DIR: join(dir, "data") } });
  });
  after(async () => {
    await server?.stop();
  });

  it("passes the token through the environment, not an argument", () => {
    const lines = commandLines(server.process.pid as number);
    assert.ok(lines.length >= 1 && lines.some((l) => /notebook/.test(l)), JSON.stringify(lines));
    for (const line of lines) assert.ok(!line.includes(server.token), `the token is on a command line: ${line}`);
  });

  it("still requires the token", async () => {
    assert.equal((await fetch(`http://127.0.0.1:${server.port}/api/contents`)).status, 403);
    assert.equal((await fetch(`http://127.0.0.1:${server.port}/api/contents?token=${server.token}`)).status, 200);
  });
});
