/**
 * How the pipelab kernel knows which version of a project module tslab
 * loaded, and makes re-running an import cell load every edited module.
 *
 * tslab compiles a notebook's local modules (`import { f } from "./features"`)
 * with TypeScript and runs the output ("side outputs", e.g. features.js beside
 * features.ts). It recompiles a module after an edit, but keeps running the
 * modules that import it from their first load, so an edit of a module that
 * is imported through another one was never seen by re-running the import
 * cell. Here:
 *
 * - the compiler's file reads are observed, so each compiled output is known
 *   to come from a source of a given digest (recorded for staleModules);
 * - when tslab recompiles a module, the modules that import it (transitively)
 *   are handed back to tslab as recompiled too, so that the next import loads
 *   them, and through them the new code.
 */
import { dirname, extname, sep } from "node:path";
import { loadedModuleDigest, moduleDeps, recordCompiledModule, recordLoadedModule } from "../pipeline";
import { sourceDigest } from "../util";

/** One compiled module tslab will load (its `sideOutputs`). */
export interface SideOutput {
  path: string;
  data: string;
}

const SOURCE_EXTENSIONS = [".ts", ".tsx", ".mts", ".cts", ".js", ".jsx", ".mjs", ".cjs"];

function isProjectSource(file: string): boolean {
  return SOURCE_EXTENSIONS.includes(extname(file)) && !file.endsWith(".d.ts") && !file.split(sep).includes("node_modules");
}

/** The part of TypeScript's `sys` the compiler reads files through. */
export interface ReadingSys {
  readFile(path: string, encoding?: string): string | undefined;
}

export class TslabModuleTracker {
  /** Source file -> digest of the text the compiler last read. */
  private readonly lastRead = new Map<string, string>();
  /** Compiled path -> its source and latest compiled code. */
  private readonly compiled = new Map<string, { source: string; digest: string; data: string }>();

  /** Observes the compiler's reads of project sources. Call before the converter is created. */
  observe(sys: ReadingSys): void {
    const read = sys.readFile.bind(sys);
    sys.readFile = (path: string, encoding?: string): string | undefined => {
      const text = read(path, encoding);
      if (text !== undefined && isProjectSource(path)) this.lastRead.set(path, sourceDigest(text));
      return text;
    };
  }

  /** The source a compiled path came from: the same path with a source extension the compiler read. */
  private sourceOf(compiledPath: string): string | undefined {
    const stem = compiledPath.slice(0, compiledPath.length - extname(compiledPath).length);
    for (const ext of SOURCE_EXTENSIONS) {
      const candidate = stem + ext;
      if (this.lastRead.has(candidate)) return candidate;
    }
    return undefined;
  }

  /**
   * Takes a conversion's side outputs: records where each comes from, and
   * returns them with the modules that import a recompiled one added.
   */
  sideOutputs(outputs: readonly SideOutput[] | undefined): SideOutput[] | undefined {
    if (!outputs || outputs.length === 0) return outputs as SideOutput[] | undefined;
    const recompiled = new Set<string>();
    for (const out of outputs) {
      const source = this.sourceOf(out.path);
      if (!source) continue;
      const digest = this.lastRead.get(source) as string;
      recordCompiledModule(out.path, source, digest);
      const before = this.compiled.get(out.path);
      if (before && before.data !== out.data) recompiled.add(source);
      // An edit of types or of nothing at all compiles to the same code: what runs is the new version.
      if (before && before.data === out.data && loadedModuleDigest(source) === before.digest) recordLoadedModule(source, digest);
      this.compiled.set(out.path, { source, digest, data: out.data });
    }
    if (recompiled.size === 0) return [...outputs];
    const given = new Set(outputs.map((o) => o.path));
    const extra: SideOutput[] = [];
    for (const [path, { source, data }] of this.compiled) {
      if (given.has(path)) continue;
      const deps = moduleDeps([source], dirname(source)).files;
      if ([...recompiled].some((r) => r in deps)) extra.push({ path, data });
    }
    return [...outputs, ...extra];
  }
}
