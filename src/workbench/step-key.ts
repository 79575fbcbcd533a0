/**
 * A step's key, and what the key cannot see: built from the step's code (and
 * the helpers, modules and packages it uses), its inputs, the variables it
 * reads and the files it declares; checked against the files it read and the
 * code this process loaded.
 */
import { existsSync, statSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { StepCache } from "../cache";
import { StepError } from "../errors";
import { currentFingerprint } from "../data";
import { CACHE_VERSION, cacheKey, fingerprintCode, projectPath, staleModules } from "../pipeline";
import type { CodeEnvironment, CodeFingerprint, InputRef, KeyParts, KeyRecord, StepDefinition } from "../pipeline";
import { describeUnreadable, fileDigest } from "../util";
import { variableRef } from "./value-refs";
import type { Unidentified, ValueRef } from "./value-refs";

/** A step's key, with what it is made of and what could not be identified. */
export interface StepKey {
  key: string;
  record: KeyRecord;
  code: CodeFingerprint;
  /** Inputs and variables that cannot be identified: the step is then never served from the cache. */
  unidentified: { name: string; what: Unidentified; variable: boolean }[];
}

export class StepKeys {
  constructor(
    private readonly projectRoot: string,
    private readonly warn: (line: string) => void,
    /** The step whose latest output has a fingerprint (a number or string output cannot carry an origin). */
    private readonly producerOf: (fingerprint: string) => string | undefined,
  ) {}

  /**
   * The key of a step: its code, the inputs (as given), the variables its
   * code reads (as they are now) and the declared files (as they are now).
   */
  async keyOf(def: StepDefinition, env: CodeEnvironment, inputRefs: Record<string, ValueRef>): Promise<StepKey> {
    const code = fingerprintCode(def.fn, env, this.projectRoot);
    const unidentified: StepKey["unidentified"] = [];
    const inputs: Record<string, InputRef> = {};
    const identify = (name: string, ref: ValueRef, variable: boolean): InputRef => {
      if (ref.kind !== "unidentified") return ref;
      unidentified.push({ name, what: ref, variable });
      // Never equal to any other key: the step is not served from the cache.
      return { kind: "value", fingerprint: `unidentified:${Math.random()}`, preview: ref.what };
    };
    for (const [name, ref] of Object.entries(inputRefs)) inputs[name] = identify(name, ref, false);
    const variables: Record<string, InputRef> = {};
    for (const { name, binding } of code.variables) {
      const ref = await variableRef(binding, this.producerOf);
      if (ref) variables[name] = identify(name, ref, true);
    }
    const files: Record<string, string> = {};
    for (const f of def.options.files ?? []) {
      // One rule for every relative path: the working folder (the notebook's, which its exported script runs in).
      const file = resolve(f);
      try {
        files[projectPath(file, this.projectRoot)] = fileDigest(file);
      } catch (error) {
        throw new StepError(def.name, `step "${def.name}" declares the file ${JSON.stringify(f)}, which cannot be read: ${describeUnreadable(f, error)}`, { cause: error });
      }
    }
    const fingerprints = (refs: Record<string, InputRef>) => Object.fromEntries(Object.entries(refs).map(([k, ref]) => [k, ref.fingerprint]));
    const parts: KeyParts = {
      step: def.name,
      code: code.code,
      helpers: code.helpers,
      modules: code.modules,
      packages: code.packages,
      inputs: fingerprints(inputs),
      variables: fingerprints(variables),
      files,
      format: `key${CACHE_VERSION}/${StepCache.format()}`,
    };
    return { key: cacheKey(parts), record: { parts, inputs, variables, readFiles: {} }, code, unidentified };
  }

  /**
   * The files among `readFiles` (absolute path -> hash) whose content is no
   * longer what the step read, in words. Absolute paths, because processes
   * with other project roots (a notebook in the project, a script elsewhere)
   * share the cache and read the same files.
   */
  changedFiles(readFiles: Readonly<Record<string, string>>): string[] {
    const changed: string[] = [];
    for (const [file, hash] of Object.entries(readFiles)) {
      const name = projectPath(file, this.projectRoot);
      let now: string;
      try {
        // By the rule the recorded hash was made with (a whole-file sha256, or a Parquet fingerprint).
        now = currentFingerprint(file, hash);
      } catch {
        changed.push(`file ${name} removed`);
        continue;
      }
      if (now !== hash) changed.push(`file ${name} changed`);
    }
    return changed;
  }

  /** Warnings about what the key cannot see: unidentified values, files read behind pipelab's back. */
  warnBlindSpots(def: StepDefinition, env: CodeEnvironment, k: StepKey, readFiles: Readonly<Record<string, string>>): void {
    for (const u of k.unidentified) {
      const what = u.variable ? `reads \`${u.name}\` (${u.what.what}), which is not among its inputs and` : `has the input "${u.name}" (${u.what.what}),`;
      const fix =
        u.what.advice === "input"
          ? `Pass it as an input so that its value is part of the key: wb.step("${def.name}", { ...inputs, ${u.name} }, ...)`
          : `Make it the output of a step (outputs carry fingerprints), or register a serializer for it (registerSerializer)`;
      this.warn(`step "${def.name}" ${what} which pipelab cannot fingerprint, so the step is never served from the cache. ${fix}.`);
    }
    const declared = new Set(Object.keys(k.record.parts.files));
    const seen = new Set(Object.keys(readFiles).map((f) => projectPath(f, this.projectRoot)));
    // A relative path is read from the working folder by fs and danfo, and from the script's folder by `files:`.
    const unseen = k.code.pathLiterals.filter((literal) => {
      const candidates = isAbsolute(literal) ? [literal] : [resolve(literal), resolve(env.baseDir, literal)];
      const existing = candidates.filter((file) => existsSync(file) && !isFolder(file));
      if (existing.length === 0) return false;
      return !candidates.some((file) => {
        const path = projectPath(file, this.projectRoot);
        return declared.has(path) || seen.has(path);
      });
    });
    if (unseen.length > 0) {
      const list = unseen.map((p) => JSON.stringify(p)).join(", ");
      this.warn(
        `step "${def.name}" names the file${unseen.length === 1 ? "" : "s"} ${unseen.join(", ")} but did not read ${unseen.length === 1 ? "it" : "them"} through pipelab's readers (readCsv, readJson, loadDataset), so an edit would not recompute it. Declare ${unseen.length === 1 ? "it" : "them"}: wb.step("${def.name}", ..., { files: [${list}] })`,
      );
    }
  }

  /** The error for a step whose loaded modules are not the ones on disk: it does not run. */
  staleCodeError(def: StepDefinition, env: CodeEnvironment, code: CodeFingerprint): StepError | undefined {
    const stale = staleModules(code.moduleFiles);
    if (stale.length === 0) return undefined;
    const names = stale.map((m) => projectPath(m.file, this.projectRoot)).join(", ");
    if (env.kind === "script") {
      return new StepError(
        def.name,
        `step "${def.name}" was not run: ${names} ${stale.length === 1 ? "was" : "were"} modified after this process started, so the code running may be older than the file${stale.length === 1 ? "" : "s"}. Run the script again; nothing was cached.`,
      );
    }
    const imports = [...new Set(Object.values(code.imports).map((b) => b.specifier))].filter((s) => s.startsWith(".") || isAbsolute(s));
    const cells = imports.length > 0 ? `the cell that imports ${imports.map((s) => JSON.stringify(s)).join(" and ")}` : "the cell that imports it";
    return new StepError(
      def.name,
      `step "${def.name}" was not run: ${names} changed after the notebook loaded ${stale.length === 1 ? "it" : "them"}, so the code in memory is not the code on disk. Re-run ${cells}, then this cell (or restart the kernel); nothing was cached.`,
    );
  }
}

function isFolder(file: string): boolean {
  try {
    return statSync(file).isDirectory();
  } catch {
    return false;
  }
}
