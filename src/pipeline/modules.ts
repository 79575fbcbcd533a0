/**
 * Fingerprints of code a step imports: the project's own modules (their
 * sources, transitively) and the installed versions of the packages they use.
 * Editing a helper module, or upgrading danfo, changes the fingerprint.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { builtinModules } from "node:module";
import { dirname, extname, isAbsolute, join, resolve } from "node:path";
import { FileMemo, sourceDigest, typescript } from "../util";

/** What a set of imports resolves to. */
export interface ModuleDeps {
  /** Project files (absolute paths) -> sha256 of their source. */
  files: Record<string, string>;
  /** Package name -> installed version. */
  packages: Record<string, string>;
}

const BUILTINS = new Set(builtinModules);
const EXTENSIONS = [".ts", ".tsx", ".mts", ".cts", ".js", ".mjs", ".cjs", ".json"];

const ts = typescript;

/** The package name of a bare specifier: "danfojs-node/dist/x" -> "danfojs-node", "@tensorflow/tfjs" -> "@tensorflow/tfjs". */
export function packageName(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : (parts[0] as string);
}

function isBuiltin(specifier: string): boolean {
  return specifier.startsWith("node:") || BUILTINS.has(specifier) || BUILTINS.has(packageName(specifier));
}

function isPathSpecifier(specifier: string): boolean {
  return specifier.startsWith("./") || specifier.startsWith("../") || specifier === "." || specifier === ".." || isAbsolute(specifier);
}

/** The file a relative import refers to, trying the extensions TypeScript and Node try. */
export function resolveModuleFile(specifier: string, fromDir: string): string | undefined {
  const base = resolve(fromDir, specifier);
  const candidates = [base, ...EXTENSIONS.map((e) => base + e), ...EXTENSIONS.map((e) => join(base, `index${e}`))];
  // `./x.js` written in TypeScript sources means ./x.ts.
  if ([".js", ".mjs", ".cjs"].includes(extname(base))) {
    const stem = base.slice(0, -extname(base).length);
    candidates.splice(1, 0, `${stem}.ts`, `${stem}.tsx`, `${stem}.mts`, `${stem}.cts`);
  }
  return candidates.find((c) => existsSync(c) && statSync(c).isFile());
}

const versionCache = new Map<string, string>();

/** The installed version of a package as seen from `fromDir`, or "unknown". */
export function packageVersion(name: string, fromDir: string): string {
  const cacheKey = `${fromDir}\0${name}`;
  const hit = versionCache.get(cacheKey);
  if (hit !== undefined) return hit;
  let version = "unknown";
  for (let dir = resolve(fromDir); ; dir = dirname(dir)) {
    const manifest = join(dir, "node_modules", name, "package.json");
    if (existsSync(manifest)) {
      try {
        version = (JSON.parse(readFileSync(manifest, "utf8")) as { version?: string }).version ?? "unknown";
      } catch {
        // an unreadable manifest counts as an unknown version
      }
      break;
    }
    if (dirname(dir) === dir) break;
  }
  versionCache.set(cacheKey, version);
  return version;
}

interface FileEntry {
  hash: string;
  specifiers: string[];
}

/** A file's source hash and import specifiers, re-read only when the file may have changed. */
const scans = new FileMemo<FileEntry>((bytes) => {
  const source = bytes.toString("utf8");
  const info = ts().preProcessFile(source, true, true);
  return { hash: sourceDigest(source), specifiers: info.importedFiles.map((f) => f.fileName) };
});

/** Where a relative specifier resolved last time, from a folder: trying every extension each time costs more than the scan. */
const resolutions = new Map<string, string>();

/** The file a specifier resolves to, with its scan; undefined when there is none. */
function resolveAndScan(specifier: string, dir: string): [string, FileEntry] | undefined {
  const memo = `${dir}\0${specifier}`;
  const known = resolutions.get(memo);
  if (known !== undefined) {
    try {
      return [known, scans.get(known)];
    } catch {
      resolutions.delete(memo); // gone: resolve again
    }
  }
  const file = resolveModuleFile(specifier, dir);
  if (!file) return undefined;
  resolutions.set(memo, file);
  return [file, scans.get(file)];
}

/**
 * Resolves import specifiers from `fromDir` into project files (followed
 * transitively) and package versions. Node's built-in modules are left out.
 */
export function moduleDeps(specifiers: Iterable<string>, fromDir: string): ModuleDeps {
  const deps: ModuleDeps = { files: {}, packages: {} };
  const visit = (specifier: string, dir: string): void => {
    if (isBuiltin(specifier)) return;
    if (!isPathSpecifier(specifier)) {
      const name = packageName(specifier);
      deps.packages[name] ??= packageVersion(name, dir);
      return;
    }
    const found = resolveAndScan(specifier, dir);
    if (!found) {
      deps.files[resolve(dir, specifier)] = "missing";
      return;
    }
    const [file, entry] = found;
    if (file in deps.files) return;
    deps.files[file] = entry.hash;
    if (file.split(/[\\/]/).includes("node_modules")) return;
    for (const s of entry.specifiers) visit(s, dirname(file));
  };
  for (const s of specifiers) visit(s, fromDir);
  return deps;
}
