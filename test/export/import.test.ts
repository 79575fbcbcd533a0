import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, it } from "node:test";
import { ExportError } from "../../src/errors";
import { importScript, notebookToScript, readNotebook, scriptToNotebook } from "../../src/export";
import { tempDir } from "../helpers/tmp";

const root = join(__dirname, "..", "..");

interface ImportedCell {
  cell_type: "code" | "markdown";
  id: string;
  source: string[];
  outputs?: unknown[];
  execution_count?: null;
}
interface ImportedNotebook {
  cells: ImportedCell[];
  metadata: { kernelspec: Record<string, string>; language_info: { name: string } };
  nbformat: number;
  nbformat_minor: number;
}

function write(file: string, text: string): string {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
  return file;
}

function notebookFile(file: string, cells: { kind?: string; source: string }[]): string {
  return write(file, JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells: cells.map((c) => ({ cell_type: c.kind ?? "code", source: c.source, metadata: {}, outputs: [] })) }));
}

/** Imports a script and returns the notebook and its cells as [kind, source] pairs. */
function imported(script: string, notebookPath: string): { nb: ImportedNotebook; cells: [string, string][] } {
  const nb = JSON.parse(scriptToNotebook(script, { notebookPath })) as ImportedNotebook;
  return { nb, cells: nb.cells.map((c) => [c.cell_type, c.source.join("")]) };
}

/** A script's text without export's first two header lines, which name the notebook and its hash. */
function withoutProvenance(script: string): string {
  return script.split("\n").slice(2).join("\n");
}

describe("scriptToNotebook: an exported script comes back as its notebook", () => {
  const dir = tempDir();
  const notebook = notebookFile(join(dir, "notebooks", "story.ipynb"), [
    { kind: "markdown", source: "# A story\n\nIn two parts." },
    { source: 'import { Workbench } from "pipelab";\nimport { helper } from "./helpers";\n\nconst wb = await Workbench.open({ experiment: "story" });' },
    { kind: "markdown", source: "## Load" },
    { kind: "markdown", source: "Then clean." },
    { source: 'const raw = await wb.step("load", () => helper());\n\n// a note that stands alone, inside the cell\n\nconst n = raw.length;\nn' },
    { source: "const text = `two\n    lines`;\nconsole.log(text);" },
  ]);
  const script = write(join(dir, "pipelines", "story.ts"), notebookToScript(readNotebook(notebook), { scriptPath: join(dir, "pipelines", "story.ts") }));
  const { nb, cells } = imported(script, notebook);

  it("writes nbformat 4.5 for the pipelab kernel, each cell with an id and no outputs", () => {
    assert.equal(nb.nbformat, 4);
    assert.equal(nb.nbformat_minor, 5);
    assert.deepEqual(nb.metadata.kernelspec, { display_name: "TypeScript (pipelab)", language: "typescript", name: "pipelab" });
    assert.equal(nb.metadata.language_info.name, "typescript");
    assert.equal(new Set(nb.cells.map((c) => c.id)).size, nb.cells.length, "ids are unique");
    for (const c of nb.cells.filter((x) => x.cell_type === "code")) {
      assert.deepEqual(c.outputs, []);
      assert.equal(c.execution_count, null);
    }
  });

  it("makes a code cell per `// cell N` marker and a markdown cell per comment block between cells", () => {
    assert.deepEqual(
      cells.map(([kind]) => kind),
      ["markdown", "code", "markdown", "markdown", "code", "code"],
    );
    assert.equal(cells[0]?.[1], "# A story\n\nIn two parts.");
    assert.equal(cells[2]?.[1], "## Load");
    assert.equal(cells[3]?.[1], "Then clean.");
  });

  it("puts the imports back into the first code cell, without export's header and runMain", () => {
    assert.equal(cells[1]?.[1], 'import { Workbench } from "pipelab";\nimport { helper } from "./helpers";\n\nconst wb = await Workbench.open({ experiment: "story" });');
    assert.doesNotMatch(JSON.stringify(nb), /runMain|exported from|sha256|Run it:/);
  });

  it("keeps a cell's own comments, its console.log and its template literals as they are", () => {
    // (export itself drops the blank line above the note)
    assert.equal(cells[4]?.[1], 'const raw = await wb.step("load", () => helper());\n// a note that stands alone, inside the cell\n\nconst n = raw.length;\nconsole.log(n);');
    assert.equal(cells[5]?.[1], "const text = `two\n    lines`;\nconsole.log(text);");
  });

  it("gives the same script when exported again", () => {
    const again = notebookToScript(readNotebook(write(join(dir, "notebooks", "story-again.ipynb"), scriptToNotebook(script, { notebookPath: join(dir, "notebooks", "story-again.ipynb") }))), {
      scriptPath: script,
    });
    assert.equal(withoutProvenance(again), withoutProvenance(readFileSync(script, "utf8")));
  });
});

describe("scriptToNotebook: imports", () => {
  const dir = tempDir();

  it("get a cell of their own where the notebook had one (a cell of imports only leaves no marker)", () => {
    const notebook = notebookFile(join(dir, "own.ipynb"), [
      { kind: "markdown", source: "# Imports first" },
      { source: 'import { Workbench } from "pipelab";' },
      { source: 'const wb = await Workbench.open({ experiment: "own" });' },
    ]);
    const scriptPath = join(dir, "own.ts");
    const first = write(scriptPath, notebookToScript(readNotebook(notebook), { scriptPath }));
    assert.deepEqual(imported(first, notebook).cells, [
      ["markdown", "# Imports first"],
      ["code", 'import { Workbench } from "pipelab";'],
      ["code", 'const wb = await Workbench.open({ experiment: "own" });'],
    ]);
  });
  const script = write(
    join(dir, "pipelines", "deps.ts"),
    [
      'import { Workbench, runMain } from "pipelab";',
      'import { helper } from "../lib/helper";',
      'import * as Plot from "@observablehq/plot";',
      'import { runMain as _unused } from "./local";',
      "",
      "runMain(async () => {",
      '  const wb = await Workbench.open({ experiment: "deps" });',
      "});",
      "",
    ].join("\n"),
  );

  it("re-points relative paths from the script's folder to the notebook's, and leaves packages alone", () => {
    const [, first] = imported(script, join(dir, "notebooks", "deps.ipynb")).cells[0] ?? [];
    assert.match(first ?? "", /^import \{ helper \} from "\.\.\/lib\/helper";$/m);
    assert.match(first ?? "", /^import \* as Plot from "@observablehq\/plot";$/m);
    assert.match(first ?? "", /^import \{ runMain as _unused \} from "\.\.\/pipelines\/local";$/m, "only pipelab's runMain is dropped");
    const [, deeper] = imported(script, join(dir, "a", "b", "deps.ipynb")).cells[0] ?? [];
    assert.match(deeper ?? "", /from "\.\.\/\.\.\/lib\/helper";$/m);
    const [, beside] = imported(script, join(dir, "pipelines", "deps.ipynb")).cells[0] ?? [];
    assert.match(beside ?? "", /from "\.\/local";$/m);
  });

  it("takes runMain out of pipelab's import list", () => {
    const [kind, first] = imported(script, join(dir, "notebooks", "deps.ipynb")).cells[0] ?? [];
    assert.equal(kind, "code");
    assert.match(first ?? "", /^import \{ Workbench \} from "pipelab";$/m);
    assert.match(first ?? "", /\n\nconst wb = await Workbench\.open/);
  });
});

describe("scriptToNotebook: export's let for a name several cells declare", () => {
  const dir = tempDir();
  const script = write(
    join(dir, "lets.ts"),
    [
      'import { runMain } from "pipelab";',
      "runMain(async () => {",
      "  // cell 1",
      '  let model = await wb.step("small", () => 1);',
      "  // cell 2",
      '  model = await wb.step("large", () => 2);',
      "  let total = 1;",
      "  // cell 3",
      "  total = total + 1;",
      "  let tries = 1;",
      "  // cell 4",
      "  tries = 2;",
      "  const retry = () => {",
      "    tries++;",
      "  };",
      "  let twice = 1;",
      "  twice = 2;",
      "});",
      "",
    ].join("\n"),
  );
  const { cells } = imported(script, join(dir, "lets.ipynb"));

  it("becomes a const in each cell again", () => {
    assert.equal(cells[0]?.[1], 'const model = await wb.step("small", () => 1);');
    assert.match(cells[1]?.[1] ?? "", /^const model = await wb\.step\("large", \(\) => 2\);$/m);
  });

  it("stays a let where a const could not be: an assignment that reads the name, another write, or the same cell", () => {
    assert.match(cells[1]?.[1] ?? "", /^let total = 1;$/m);
    assert.match(cells[2]?.[1] ?? "", /^total = total \+ 1;$/m);
    assert.match(cells[2]?.[1] ?? "", /^let tries = 1;$/m);
    assert.match(cells[3]?.[1] ?? "", /^tries = 2;$/m);
    assert.match(cells[3]?.[1] ?? "", /^let twice = 1;\ntwice = 2;$/m);
  });

  it("round-trips a notebook that declares a name again in a later cell", () => {
    const notebook = notebookFile(join(dir, "again.ipynb"), [
      { source: 'import { Workbench } from "pipelab";\nconst wb = await Workbench.open({ experiment: "again" });' },
      { source: 'const model = await wb.step("small", () => 1);' },
      { source: 'const model = await wb.step("large", () => 2);\nmodel' },
    ]);
    const first = write(join(dir, "again.ts"), notebookToScript(readNotebook(notebook), { scriptPath: join(dir, "again.ts") }));
    assert.match(readFileSync(first, "utf8"), /^ {2}model = await wb\.step\("large"/m);
    const back = imported(first, notebook).cells;
    assert.deepEqual(back.slice(1), [
      ["code", 'const model = await wb.step("small", () => 1);'],
      ["code", 'const model = await wb.step("large", () => 2);\nconsole.log(model);'],
    ]);
  });
});

describe("scriptToNotebook: a hand-written script", () => {
  const dir = tempDir();

  it("gets a code cell per step, the statements before the first step in one, and its comment blocks as markdown", () => {
    const script = write(
      join(dir, "hand.ts"),
      [
        'import { Workbench, runMain } from "pipelab";',
        "",
        "// # By hand",
        "//",
        "// A pipeline written as a script.",
        "",
        "runMain(async () => {",
        '  const wb = await Workbench.open({ experiment: "hand" });',
        "  const p = wb.params({ seed: 1 });",
        '  const raw = await wb.step("load", () => [1, 2, 3]);',
        "  console.log(raw.length); // three",
        "  // doubled, for the model",
        '  const doubled = await wb.step("double", { raw }, ({ raw }) => raw.map((x) => x * 2));',
        "  function unused() {",
        '    return wb.step("inside a function", () => 0);',
        "  }",
        "",
        "  /**",
        "   * ## Train",
        "   */",
        "",
        '  const model = await wb.step("train", { doubled }, ({ doubled }) => doubled.length);',
        '  wb.log("n", model);',
        "});",
        "",
      ].join("\n"),
    );
    assert.deepEqual(imported(script, join(dir, "hand.ipynb")).cells, [
      ["markdown", "# By hand\n\nA pipeline written as a script."],
      ["code", 'import { Workbench } from "pipelab";\n\nconst wb = await Workbench.open({ experiment: "hand" });\nconst p = wb.params({ seed: 1 });'],
      ["code", 'const raw = await wb.step("load", () => [1, 2, 3]);\nconsole.log(raw.length); // three'],
      ["code", '// doubled, for the model\nconst doubled = await wb.step("double", { raw }, ({ raw }) => raw.map((x) => x * 2));\nfunction unused() {\n  return wb.step("inside a function", () => 0);\n}'],
      ["markdown", "## Train"],
      ["code", 'const model = await wb.step("train", { doubled }, ({ doubled }) => doubled.length);\nwb.log("n", model);'],
    ]);
  });

  it("reads an async IIFE, or else the top-level statements", () => {
    const iife = write(join(dir, "iife.ts"), 'import { Workbench } from "pipelab";\n(async () => {\n  const wb = await Workbench.open({ experiment: "i" });\n  await wb.step("a", () => 1);\n})();\n');
    assert.deepEqual(imported(iife, join(dir, "iife.ipynb")).cells, [
      ["code", 'import { Workbench } from "pipelab";\n\nconst wb = await Workbench.open({ experiment: "i" });'],
      ["code", 'await wb.step("a", () => 1);'],
    ]);
    const flat = write(join(dir, "flat.ts"), 'import { Workbench } from "pipelab";\nconst wb = await Workbench.open({ experiment: "f" });\nawait wb.step("a", () => 1);\n');
    assert.deepEqual(imported(flat, join(dir, "flat.ipynb")).cells, [
      ["code", 'import { Workbench } from "pipelab";\n\nconst wb = await Workbench.open({ experiment: "f" });'],
      ["code", 'await wb.step("a", () => 1);'],
    ]);
  });
});

describe("importScript: errors and where the notebook goes", () => {
  const dir = tempDir();
  write(join(dir, "package.json"), "{}");
  const script = write(join(dir, "pipelines", "small.ts"), 'import { runMain } from "pipelab";\nrunMain(async () => {\n  // cell 1\n  console.log(1);\n});\n');

  it("says which script it cannot read", () => {
    assert.throws(
      () => scriptToNotebook(join(dir, "missing.ts"), { notebookPath: join(dir, "missing.ipynb") }),
      (e: unknown) => e instanceof ExportError && /cannot read the script .*missing\.ts: ENOENT/.test(e.message),
    );
  });

  it("says where a script does not parse", () => {
    const broken = write(join(dir, "broken.ts"), "runMain(async () => {\n  const x = ;\n});\n");
    assert.throws(
      () => scriptToNotebook(broken, { notebookPath: join(dir, "broken.ipynb") }),
      (e: unknown) => e instanceof ExportError && /broken\.ts:2:13: the script does not parse: Expression expected/.test(e.message),
    );
  });

  it("writes notebooks/NAME.ipynb at the project root by default, and never replaces a notebook without force", () => {
    const notebook = importScript(script);
    assert.equal(notebook, join(dir, "notebooks", "small.ipynb"));
    assert.equal(readNotebook(notebook).cells.length, 1);
    writeFileSync(notebook, "mine");
    assert.throws(() => importScript(script), (e: unknown) => e instanceof ExportError && /small\.ipynb already exists; import with --force/.test(e.message));
    assert.equal(readFileSync(notebook, "utf8"), "mine", "the notebook is left as it was");
    importScript(script, { force: true });
    assert.equal(readNotebook(notebook).cells[0]?.source, "console.log(1);");
  });
});

describe("export is a fixpoint of import after export, on every example notebook", () => {
  const dir = tempDir();
  for (const name of ["00-quickstart", "01-penguins-classification", "02-cars-regression", "03-compare-runs", "04-seattle-weather"]) {
    it(name, () => {
      const scriptPath = join(dir, "pipelines", `${name}.ts`);
      // The notebook in the folder its import goes back to: the script runs in its notebook's folder.
      const original = write(join(dir, "notebooks", `${name}.ipynb`), readFileSync(join(root, "notebooks", `${name}.ipynb`), "utf8"));
      const first = notebookToScript(readNotebook(original), { scriptPath });
      write(scriptPath, first);
      const notebook = write(join(dir, "notebooks", `${name}.ipynb`), scriptToNotebook(scriptPath, { notebookPath: join(dir, "notebooks", `${name}.ipynb`) }));
      const second = notebookToScript(readNotebook(notebook), { scriptPath });
      assert.equal(withoutProvenance(second), withoutProvenance(first));
    });
  }
});
