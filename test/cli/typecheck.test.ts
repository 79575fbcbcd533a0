import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { typecheck } from "../../src/cli/pipeline-commands";
import { tempDir } from "../helpers/tmp";

describe("export --check in a folder that lacks what the script needs", () => {
  it("says to install Node's types and pipelab there, besides TypeScript's errors", () => {
    // Outside this repository: no node_modules above the script.
    const dir = tempDir("typecheck-");
    const script = join(dir, "p.ts");
    writeFileSync(script, 'import { runMain } from "pipelab";\nrunMain(async () => {\n  console.log(process.cwd());\n}, { workingDir: "." });\n');
    const problems = typecheck(script);
    assert.match(problems, /TS2688|Cannot find type definition file for 'node'/);
    assert.match(problems, /hint: Node\.js's types are not installed where the script is: npm install --save-dev @types\/node/);
    assert.match(problems, /hint: pipelab is not installed where the script is/);
  });
});
