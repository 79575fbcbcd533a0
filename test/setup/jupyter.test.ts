import assert from "node:assert/strict";
import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { SetupError } from "../../src/errors";
import { checkNodeVersion, ensureJupyter, findJupyterPython } from "../../src/setup";
import { tempDir } from "../helpers/tmp";

describe("finding Jupyter", () => {
  const dir = tempDir();

  it("finds a Python with notebook, nbconvert, nbclient and jupyter_client here", () => {
    const found = findJupyterPython();
    assert.ok(found, "npm test runs `pipelab setup --for-tests` first, which installs Jupyter");
    assert.deepEqual(found.missing, []);
    assert.ok(found.modules.nbclient);
  });

  it("says there is no Python, with the commands to install one, when none runs", () => {
    assert.throws(
      () => ensureJupyter({ install: false, log: () => {}, candidates: [join(dir, "no-such-python3")] }),
      (e: unknown) =>
        e instanceof SetupError &&
        /no Python 3 found \(tried .*no-such-python3\)/.test(e.message) &&
        /sudo apt-get install -y jupyter-notebook python3-nbconvert python3-nbclient/.test(e.message) &&
        /pip install --user notebook nbconvert nbclient/.test(e.message),
    );
  });

  it("names the Python and the missing modules when Python lacks Jupyter", () => {
    const python = findJupyterPython()?.python ?? "python3";
    // -S skips site-packages, where Jupyter lives: a Python without Jupyter.
    const bare = join(dir, "bare-python3");
    writeFileSync(bare, `#!/bin/sh\nexec ${python} -S "$@"\n`);
    chmodSync(bare, 0o755);
    assert.throws(
      () => ensureJupyter({ install: false, log: () => {}, candidates: [bare] }),
      (e: unknown) =>
        e instanceof SetupError &&
        e.message.includes(`${bare} (Python 3.`) &&
        /lacks notebook, nbconvert, nbclient, jupyter_client/.test(e.message) &&
        /apt-get install/.test(e.message),
    );
  });
});

describe("checkNodeVersion", () => {
  it("accepts Node 20.19 and newer", () => {
    for (const v of ["20.19.0", "20.20.2", "22.1.0", "24.0.0"]) checkNodeVersion(v);
  });

  it("refuses older Node with what to do", () => {
    for (const v of ["18.20.4", "20.18.3", "16.0.0"]) {
      assert.throws(() => checkNodeVersion(v), new RegExp(`needs Node.js 20.19 or newer; this is Node.js ${v.replace(/\./g, "\\.")}.*Install a current Node.js`));
    }
  });
});
