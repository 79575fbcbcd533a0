import assert from "node:assert/strict";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, it } from "node:test";

// The folders are the architecture: imports go one way down. Type imports count too.

const src = join(__dirname, "..", "src");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((e) => {
    const p = join(dir, e);
    return statSync(p).isDirectory() ? sourceFiles(p) : p.endsWith(".ts") ? [p] : [];
  });
}

const files = sourceFiles(src);
const known = new Set(files);

function target(from: string, specifier: string): string | undefined {
  const base = resolve(dirname(from), specifier);
  return [`${base}.ts`, join(base, "index.ts")].find((c) => known.has(c));
}

/** Each file's imports of other files of src/ (static imports, re-exports and require calls). */
const imports = new Map(
  files.map((f) => {
    const text = readFileSync(f, "utf8");
    const specs = [...text.matchAll(/^(?:import|export)\s[^;]*?from\s+"(\.[^"]+)"/gms), ...text.matchAll(/require\("(\.[^"]+)"\)/g)].map((m) => m[1] as string);
    return [f, [...new Set(specs.map((s) => target(f, s)).filter((t): t is string => t !== undefined))]];
  }),
);

function cycles(graph: Map<string, string[]>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (n: string): void => {
    state.set(n, "open");
    stack.push(n);
    for (const m of graph.get(n) ?? []) {
      if (state.get(m) === "open") found.push([...stack.slice(stack.indexOf(m)), m]);
      else if (!state.has(m)) visit(m);
    }
    stack.pop();
    state.set(n, "done");
  };
  for (const n of graph.keys()) if (!state.has(n)) visit(n);
  return found;
}

const folderOf = (file: string): string => relative(src, file).split("/")[0]?.replace(/\.ts$/, "") ?? "";

describe("the architecture", () => {
  it("has no import cycle between files of src/", () => {
    assert.deepEqual(cycles(imports).map((c) => c.map((f) => relative(src, f)).join(" -> ")), []);
  });

  it("has no import cycle between folders of src/: layers, one way down", () => {
    const folders = new Map<string, string[]>();
    for (const [f, deps] of imports) {
      for (const d of deps) {
        const [a, b] = [folderOf(f), folderOf(d)];
        if (a !== b) folders.set(a, [...new Set([...(folders.get(a) ?? []), b])]);
      }
    }
    assert.deepEqual(cycles(folders).map((c) => c.join(" -> ")), []);
  });

  it("keeps pipeline/ free of the cache, the store and the notebook display", () => {
    const pipeline = [...imports].filter(([f]) => folderOf(f) === "pipeline").flatMap(([, deps]) => deps.map(folderOf));
    for (const forbidden of ["cache", "tracking", "notebook", "workbench", "charts"]) assert.ok(!pipeline.includes(forbidden), `pipeline/ imports ${forbidden}/`);
  });

  it("exports from each folder's index.ts only values that code outside the folder uses", () => {
    const root = join(src, "..");
    const elsewhere = ["test", "bench", "scripts"].flatMap((d) => sourceFiles(join(root, d)).filter((f) => !f.includes(`${join("test", ".out")}`)));
    // cli/ is the command line's entry point; charts/ is the public namespace `charts.*`.
    const folders = readdirSync(src).filter((e) => statSync(join(src, e)).isDirectory() && e !== "cli" && e !== "charts");
    const unused: string[] = [];
    for (const folder of folders) {
      const index = readFileSync(join(src, folder, "index.ts"), "utf8");
      const values = [...index.matchAll(/export\s+\{([^}]*)\}/g)].flatMap((m) =>
        (m[1] as string)
          .split(",")
          .map((n) => n.trim())
          .filter((n) => n !== "" && !n.startsWith("type "))
          .map((n) => n.split(/\s+as\s+/).pop() as string),
      );
      const users = [...files.filter((f) => folderOf(f) !== folder), ...elsewhere].map((f) => readFileSync(f, "utf8"));
      const importsFolder = new RegExp(`from\\s+"[./]*(src/)?${folder}"`);
      for (const name of values) {
        const word = new RegExp(`\\b${name}\\b`);
        if (!users.some((text) => importsFolder.test(text) && word.test(text))) unused.push(`${folder}/index.ts: ${name}`);
      }
    }
    assert.deepEqual(unused, []);
  });

  it("keeps files small: none in src/ over 600 lines", () => {
    const long = files.map((f) => [relative(src, f), readFileSync(f, "utf8").split("\n").length] as const).filter(([, n]) => n > 600);
    assert.deepEqual(long, []);
  });
});
