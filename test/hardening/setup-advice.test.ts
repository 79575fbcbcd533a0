import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { describe, it } from "node:test";
import { SetupError } from "../../src/errors";
import { aptFailure, aptInstall } from "../../src/setup";

describe("setup says which package failed and why", () => {
  it("names the lock and its holder, and the failing packages' own command", () => {
    const stderr = "E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 4242 (apt-get)\nE: Unable to acquire the dpkg frontend lock (/var/lib/dpkg/lock-frontend), is another process using it?\n";
    const message = aptFailure(["chromium"], "apt-get install -y chromium", 100, stderr);
    assert.match(message, /^installing chromium failed: process 4242 \(apt-get\) holds the package manager's lock \(\/var\/lib\/dpkg\/lock-frontend\)/);
    assert.match(message, /sudo apt-get install -y chromium$/);
    assert.doesNotMatch(message, /jupyter/);
  });

  it("names an unknown package, and the network when apt cannot reach its servers", () => {
    assert.match(aptFailure(["chromium"], "apt-get install -y chromium", 100, "E: Unable to locate package chromium\n"), /apt knows no package chromium/);
    assert.match(aptFailure(["jupyter-notebook"], "apt-get update", 100, "W: Failed to fetch http://deb.debian.org/...  Temporary failure resolving 'deb.debian.org'\n"), /could not reach its package servers/);
  });

  it("with the dpkg lock really held by another process, installing chromium says so and names chromium", async (t) => {
    if (process.getuid?.() !== 0 || !existsSync("/usr/bin/apt-get")) {
      t.skip("needs root and apt-get (CI runs as root)");
      return;
    }
    // Another package manager at work: a process holding dpkg's locks as apt does (fcntl write locks).
    const holder = spawn("/usr/bin/python3", [
      "-c",
      "import fcntl, sys, time\nfs = [open(p, 'a') for p in ('/var/lib/dpkg/lock-frontend', '/var/lib/dpkg/lock')]\nfor f in fs: fcntl.lockf(f, fcntl.LOCK_EX)\nprint('held', flush=True)\ntime.sleep(120)",
    ]);
    try {
      await new Promise<void>((done, fail) => {
        holder.stdout.once("data", () => done());
        holder.once("exit", (code) => fail(new Error(`the lock holder exited (${code})`)));
      });
      assert.throws(
        () => aptInstall(["chromium"], () => {}, { update: false }),
        (e: unknown) =>
          e instanceof SetupError &&
          /^installing chromium failed: process \d+( \(python3\))? holds the package manager's lock/.test(e.message) &&
          /sudo apt-get install -y chromium/.test(e.message) &&
          !/jupyter/.test(e.message),
      );
    } finally {
      holder.kill();
    }
  });
});
