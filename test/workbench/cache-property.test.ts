import assert from "node:assert/strict";
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { StepError } from "../../src/errors";
import { seededRandom } from "../../src/ml";
import { Workbench } from "../../src/workbench";
import { tempDir } from "../helpers/tmp";

// The cache's invariant, checked as a property: whatever a person edits between
// executions (a step's code, a helper module, a variable, a file read through
// pipelab's readers, a declared file, a parameter), in whatever order, with
// kernel restarts in between, every step's value equals a from-scratch
// recomputation of the same code with caching off.
//
// Seeds: PIPELAB_PROPERTY_SEEDS="1,2,3" (default), 200 edits each.

const SRC = join(__dirname, "..", "..", "src");
const EDITS = Number(process.env.PIPELAB_PROPERTY_EDITS ?? 200);
const SEEDS = (process.env.PIPELAB_PROPERTY_SEEDS ?? "1,2,3").split(",").map(Number);

/** What a person can change between two executions. */
interface State {
  aPlus: number; // a literal in step a's code
  bTimes: number; // a literal in step b's code
  helperTimes: number; // the helper module's multiplier
  cut: number; // a module variable step d reads without taking it as an input
  undeclared: string; // a file step a reads through readTrackedFile
  declared: number; // a file step e declares with files:
  k: number; // a parameter step c takes
}

type Values = Record<"a" | "b" | "c" | "d" | "e", number>;

/** The part of a workbench the pipeline uses: a real one, or the oracle's, which runs every step function as it is. */
interface Bench {
  params<P extends Record<string, number>>(values: P): Readonly<P>;
  step<T>(name: string, inputs: Record<string, unknown>, fn: (inputs: never) => T | Promise<T>, options?: { files?: string[] }): Promise<T>;
}

/** Caching off entirely: each step's function called with its inputs, nothing looked up, nothing stored. */
const NO_CACHE: Bench = {
  params: (values) => values,
  step: async (_name, inputs, fn) => fn(inputs as never),
};

function pipelineSource(s: State, dir: string, helper: string): string {
  return `import { readFileSync } from "node:fs";
import { readTrackedFile } from ${JSON.stringify(SRC)};
import { h } from "./${helper}";

interface Bench {
  params<P extends Record<string, number>>(values: P): Readonly<P>;
  step<T>(name: string, inputs: Record<string, unknown>, fn: (inputs: any) => T | Promise<T>, options?: { files?: string[] }): Promise<T>;
}

const cut = ${s.cut};

export async function run(wb: Bench): Promise<Record<string, number>> {
  const p = wb.params({ k: ${s.k} });
  const a = await wb.step("a", {}, () => readTrackedFile(${JSON.stringify(join(dir, "u.txt"))}).length + ${s.aPlus});
  const b = await wb.step("b", { a }, ({ a }) => a * ${s.bTimes} + h(a));
  const c = await wb.step("c", { b, p }, ({ b, p }) => b + p.k);
  const d = await wb.step("d", { c }, ({ c }) => c * cut);
  const e = await wb.step("e", { d }, ({ d }) => d + Number(readFileSync(${JSON.stringify(join(dir, "decl.txt"))}, "utf8")), { files: [${JSON.stringify(join(dir, "decl.txt"))}] });
  return { a, b, c, d, e };
}
`;
}

const helperSource = (times: number) => `export function h(x: number): number {\n  return x * ${times};\n}\n`;

/** The pipeline's values by arithmetic, without pipelab: a check on the oracle itself. */
function model(s: State): Values {
  const a = Buffer.byteLength(s.undeclared) + s.aPlus;
  const b = a * s.bTimes + a * s.helperTimes;
  const c = b + s.k;
  const d = c * s.cut;
  return { a, b, c, d, e: d + s.declared };
}

/** A workbench as the generated pipeline sees it (Workbench.step's overloads are wider than the pipeline's one call shape). */
const asBench = (wb: Workbench): Bench => wb as unknown as Bench;

/** Loads a module afresh: what re-running a cell that imports it does. */
function load<T>(file: string): T {
  delete require.cache[require.resolve(file)];
  return require(file) as T;
}

async function property(seed: number): Promise<{ executions: number; refusals: number; hits: number }> {
  const dir = tempDir(`property-${seed}-`, { inRepo: true });
  mkdirSync(join(dir, "cache"));
  const random = seededRandom(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
  const s: State = { aPlus: 1, bTimes: 2, helperTimes: 3, cut: 0.5, undeclared: "abc", declared: 10, k: 1 };
  const write = () => {
    writeFileSync(join(dir, "u.txt"), s.undeclared);
    writeFileSync(join(dir, "decl.txt"), String(s.declared));
    writeFileSync(join(dir, "pipeline.ts"), pipelineSource(s, dir, "helper"));
  };
  writeFileSync(join(dir, "helper.ts"), helperSource(s.helperTimes));
  write();

  let restarts = 0;
  let loadedHelper = s.helperTimes;
  const open = async (): Promise<{ wb: Workbench; lines: string[] }> => {
    // A restart: a new workbench over the same disk cache, reached by another path so that its memory tier is empty.
    const link = join(dir, `cache-${restarts++}`);
    symlinkSync(join(dir, "cache"), link);
    const lines: string[] = [];
    const wb = await Workbench.open({ experiment: "property", store: join(dir, "experiments.db"), cacheDir: link, print: (l) => lines.push(l) });
    return { wb, lines };
  };
  let { wb, lines } = await open();
  let pipeline = load<{ run(wb: Bench): Promise<Values> }>(join(dir, "pipeline.ts"));
  load(join(dir, "helper.ts"));
  const stats = { executions: 0, refusals: 0, hits: 0 };

  for (let i = 0; i < EDITS; i++) {
    const edit = pick(["code", "code", "helper", "variable", "undeclared", "declared", "param", "none", "restart", "reimport"] as const);
    switch (edit) {
      case "code":
        if (random() < 0.5) s.aPlus = pick([1, 2, 3]);
        else s.bTimes = pick([2, 3]);
        break;
      case "helper":
        s.helperTimes = pick([3, 4, 5]);
        writeFileSync(join(dir, "helper.ts"), helperSource(s.helperTimes));
        break;
      case "variable":
        s.cut = pick([0.5, 0.25, 2]);
        break;
      case "undeclared":
        s.undeclared = pick(["abc", "abcd", "xyz", "hello"]);
        break;
      case "declared":
        s.declared = pick([10, 20, 30]);
        break;
      case "param":
        s.k = pick([1, 2, 3]);
        break;
      case "restart":
        wb.finish();
        ({ wb, lines } = await open());
        load(join(dir, "helper.ts"));
        loadedHelper = s.helperTimes;
        break;
      case "reimport":
        load(join(dir, "helper.ts"));
        loadedHelper = s.helperTimes;
        break;
      case "none":
        break;
    }
    write();
    // Each execution re-runs the pipeline's cells: its own code afresh, the helper as loaded.
    pipeline = load(join(dir, "pipeline.ts"));
    let values: Values;
    try {
      values = await pipeline.run(asBench(wb));
    } catch (error) {
      // Computing with a helper older than the file is refused, and only then.
      assert.ok(error instanceof StepError && /helper\.ts was modified after this process started/.test(error.message), `edit ${i} (${edit}): ${String(error)}`);
      assert.notEqual(loadedHelper, s.helperTimes, `edit ${i}: refused although the loaded helper is the one on disk`);
      stats.refusals += 1;
      load(join(dir, "helper.ts"));
      loadedHelper = s.helperTimes;
      pipeline = load(join(dir, "pipeline.ts"));
      values = await pipeline.run(asBench(wb));
    }
    // The oracle: the same code with caching off, its modules loaded from disk now.
    writeFileSync(join(dir, "oracle-helper.ts"), helperSource(s.helperTimes));
    writeFileSync(join(dir, "oracle.ts"), pipelineSource(s, dir, "oracle-helper"));
    load(join(dir, "oracle-helper.ts"));
    const expected = await load<{ run(wb: Bench): Promise<Values> }>(join(dir, "oracle.ts")).run(NO_CACHE);
    assert.deepEqual(expected, model(s), `edit ${i}: the oracle itself`);
    assert.deepEqual(values, expected, `seed ${seed}, edit ${i} (${edit}): cached values differ from a recomputation\n${lines.slice(-6).join("\n")}`);
    stats.executions += 1;
    stats.hits += lines.filter((l) => /^▸ \w: cached/.test(l)).length;
    lines.length = 0;
  }
  wb.finish();
  return stats;
}

describe("the cache's invariant, as a property", () => {
  for (const seed of SEEDS) {
    it(`seed ${seed}: after each of ${EDITS} random edits, every step's value equals a recomputation with caching off`, async (t) => {
      const stats = await property(seed);
      t.diagnostic(`seed ${seed}: ${stats.executions} executions, ${stats.hits} step outputs from the cache, ${stats.refusals} refused (stale helper)`);
      assert.equal(stats.executions, EDITS);
      assert.ok(stats.hits > EDITS, "the cache served outputs: the property is not trivially met by recomputing everything");
    });
  }
});
