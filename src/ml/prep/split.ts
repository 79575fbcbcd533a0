import type { DataFrame } from "danfojs-node";
import { DataError } from "../../errors";
import { shuffled } from "../random";
import { type Cell, columnsOf, compareValues, describeRow, describeValue, isMissing, quote, requireColumns, requireFrame, rowCount, sortedUnique, takeRows } from "./frame";
import type { Table } from "./frame";

/** Options of {@link trainTestSplit}. */
export interface TrainTestSplitOptions {
  /**
   * The size of the test part: a fraction in (0, 1) of the rows (rounded up,
   * as scikit-learn does) or a whole number of rows. Default 0.25.
   */
  testSize?: number;
  /** The seed of the shuffle: the same seed gives the same parts on every machine. Required unless `shuffle` is false. */
  seed?: number;
  /** A column whose classes keep their proportions in every part. Needs `shuffle`. */
  stratify?: string;
  /** Shuffle the rows before splitting. Default true; false takes the first rows for train and the last for test. */
  shuffle?: boolean;
}

/** Options of {@link trainValTestSplit}: sizes are fractions of all the rows, or row counts. */
export interface TrainValTestSplitOptions {
  /** The size of the validation part: a fraction in (0, 1) of all the rows (rounded up) or a row count. */
  valSize: number;
  /** The size of the test part: a fraction in (0, 1) of all the rows (rounded up) or a row count. */
  testSize: number;
  /** The seed of the shuffle. Required unless `shuffle` is false. */
  seed?: number;
  /** A column whose classes keep their proportions in every part. Needs `shuffle`. */
  stratify?: string;
  /** Shuffle the rows before splitting. Default true; false keeps the order: train, then val, then test. */
  shuffle?: boolean;
}

/** The parts of {@link trainTestSplit}. */
export interface TrainTestSplit<T extends Table = DataFrame> {
  train: T;
  test: T;
}

/** The parts of {@link trainValTestSplit}. */
export interface TrainValTestSplit<T extends Table = DataFrame> {
  train: T;
  val: T;
  test: T;
}

/**
 * Splits the rows of `df` into a train and a test part, like scikit-learn's
 * `train_test_split`: seeded (the same seed gives the same rows, on every
 * machine), optionally stratified on a column (each class is split in
 * proportion, rounded so that the totals are exact).
 *
 * Each part lists its rows in the shuffled order, and its **index is reset to
 * 0..n-1** (the original labels are not kept); dtypes are kept. `df` is not
 * changed. A size that leaves a part empty, an unknown stratify column, a
 * missing value in it or a class with fewer than 2 rows is a DataError.
 *
 * Stratified shares are rounded by largest remainder (ties: the larger
 * class, then the class that sorts first), so the parts' sizes are exact; as
 * in scikit-learn, a class of very few rows may then land in one part only.
 *
 * @example
 * ```ts
 * const penguins = loadDataset("penguins").dropNa({ axis: 1 });
 * const { train, test } = trainTestSplit(penguins, { testSize: 0.2, seed: 7, stratify: "Species" });
 * ```
 */
export function trainTestSplit<T extends Table = DataFrame>(df: T, options: TrainTestSplitOptions = {}): TrainTestSplit<T> {
  const who = "trainTestSplit";
  requireFrame(df, who);
  const n = rowCount(df);
  checkRows(n, 2, who);
  const nTest = partSize(options.testSize ?? 0.25, n, "testSize", who);
  checkTrainLeft(n, nTest, who, `testSize ${options.testSize ?? 0.25}`);
  const [test, train] = split(df, [nTest], options, who, ["test", "train"]) as [number[], number[]];
  return { train: takeRows(df, train, who), test: takeRows(df, test, who) };
}

/**
 * Splits the rows of `df` into train, validation and test parts: seeded,
 * optionally stratified, sizes as fractions of all the rows or as row counts
 * (the train part gets the rest). Each part lists its rows in the shuffled
 * order, with its **index reset to 0..n-1**. Stratifying needs at least 3 rows
 * of each class.
 *
 * @example
 * ```ts
 * const { train, val, test } = trainValTestSplit(penguins, { valSize: 0.15, testSize: 0.15, seed: 7, stratify: "Species" });
 * ```
 */
export function trainValTestSplit<T extends Table = DataFrame>(df: T, options: TrainValTestSplitOptions): TrainValTestSplit<T> {
  const who = "trainValTestSplit";
  requireFrame(df, who);
  if (options === null || typeof options !== "object") throw new DataError(`${who} needs options: { valSize, testSize, seed }`);
  const n = rowCount(df);
  checkRows(n, 3, who);
  const nTest = partSize(options.testSize, n, "testSize", who);
  const nVal = partSize(options.valSize, n, "valSize", who);
  checkTrainLeft(n, nTest + nVal, who, `valSize ${options.valSize} and testSize ${options.testSize}`);
  const [test, val, train] = split(df, [nTest, nVal], options, who, ["test", "val", "train"]) as [number[], number[], number[]];
  return { train: takeRows(df, train, who), val: takeRows(df, val, who), test: takeRows(df, test, who) };
}

/** A part's row count from a fraction (rounded up) or a count. */
function partSize(size: unknown, n: number, name: string, who: string): number {
  if (typeof size !== "number" || !Number.isFinite(size) || size <= 0 || (size >= 1 && !Number.isInteger(size))) {
    throw new DataError(`${who}: invalid ${name}: ${describeValue(size)}; use a fraction between 0 and 1 (0.2) or a whole number of rows (30)`);
  }
  const count = size < 1 ? Math.ceil(size * n) : size;
  if (count >= n) {
    throw new DataError(`${who}: ${name} ${size} asks for ${count} of the ${n} rows, which leaves no rows for the other parts; use a smaller ${name}`);
  }
  return count;
}

function checkRows(n: number, parts: number, who: string): void {
  if (n < parts) throw new DataError(`${who}: the frame has ${n} row${n === 1 ? "" : "s"}; splitting it into ${parts} parts needs at least ${parts}`);
}

function checkTrainLeft(n: number, taken: number, who: string, what: string): void {
  if (n - taken < 1) throw new DataError(`${who}: ${what} take ${taken} of the ${n} rows and leave the train part empty; use smaller sizes`);
}

/**
 * Row positions of each part: `sizes` for the first parts, the rest for the
 * last (train). Shuffled: one seeded permutation, the first parts take their
 * rows from its start (per class when stratified) and every part lists its
 * rows in the permutation's order. Not shuffled: train first, then the other
 * parts in reverse order, as scikit-learn does (train, then test).
 */
function split(
  df: Table,
  sizes: readonly number[],
  options: { seed?: number; stratify?: string; shuffle?: boolean },
  who: string,
  names: readonly string[],
): number[][] {
  const n = rowCount(df);
  const shuffle = options.shuffle ?? true;
  if (!shuffle) {
    if (options.stratify !== undefined) {
      throw new DataError(`${who}: stratify needs shuffle; drop shuffle: false, or drop stratify to take the rows in order`);
    }
    const nTrain = n - sizes.reduce((a, b) => a + b, 0);
    const parts: number[][] = [];
    let at = nTrain;
    // Parts after train come in reverse of `sizes` (train, val, test): the test part is the last rows.
    for (let k = sizes.length - 1; k >= 0; k--) {
      const size = sizes[k] as number;
      parts[k] = range(at, at + size);
      at += size;
    }
    parts.push(range(0, nTrain));
    return parts;
  }
  const seed = options.seed;
  if (seed === undefined) throw new DataError(`${who} needs a seed to shuffle (e.g. { seed: 7 }), or shuffle: false to take the rows in order`);
  if (typeof seed !== "number" || !Number.isFinite(seed)) throw new DataError(`${who}: invalid seed: ${describeValue(seed)}; use a finite number`);
  const order = shuffled(range(0, n), seed);
  const parts: number[][] = [...sizes.map(() => [] as number[]), []];
  if (options.stratify === undefined) {
    let at = 0;
    sizes.forEach((size, k) => {
      parts[k] = order.slice(at, at + size);
      at += size;
    });
    parts[sizes.length] = order.slice(at);
    return parts;
  }
  const quotas = stratifiedQuotas(df, options.stratify, sizes, who, names);
  const labels = columnsOf(df).get(options.stratify) as readonly Cell[];
  const taken = new Map<Cell, number[]>([...quotas.keys()].map((c) => [c, sizes.map(() => 0)]));
  for (const i of order) {
    const c = labels[i];
    const quota = quotas.get(c) as number[];
    const got = taken.get(c) as number[];
    let k = 0;
    while (k < sizes.length && (got[k] as number) >= (quota[k] as number)) k++;
    if (k < sizes.length) got[k] = (got[k] as number) + 1;
    (parts[k] as number[]).push(i);
  }
  return parts;
}

/** For each class of the stratify column: its row count in each of the first parts. */
function stratifiedQuotas(df: Table, column: string, sizes: readonly number[], who: string, names: readonly string[]): Map<Cell, number[]> {
  requireColumns(df, [column], who, "stratify column");
  const labels = columnsOf(df).get(column) as readonly Cell[];
  const n = labels.length;
  const counts = new Map<Cell, number>();
  labels.forEach((v, i) => {
    if (isMissing(v)) {
      throw new DataError(`${who}: the stratify column ${quote(column)} has a missing value at ${describeRow(df, i)}; drop those rows first (df.dropNa({ axis: 1 }))`);
    }
    counts.set(v, (counts.get(v) ?? 0) + 1);
  });
  const classes = sortedUnique(counts.keys());
  const parts = sizes.length + 1;
  for (const c of classes) {
    const count = counts.get(c) as number;
    if (count < parts) {
      throw new DataError(
        `${who}: the class ${describeValue(c)} of ${quote(column)} has ${count} row${count === 1 ? "" : "s"}; ` +
          `stratifying into ${names.join(", ")} needs at least ${parts} rows of each class: drop or merge that class, or do not stratify`,
      );
    }
  }
  const nTrain = n - sizes.reduce((a, b) => a + b, 0);
  [...sizes, nTrain].forEach((size, k) => {
    if (size < classes.length) {
      throw new DataError(
        `${who}: the ${names[k]} part would have ${size} row${size === 1 ? "" : "s"} for the ${classes.length} classes of ${quote(column)}; ` +
          `stratifying needs at least one row a class: make the part larger`,
      );
    }
  });
  const remaining = new Map(classes.map((c) => [c, counts.get(c) as number]));
  const quotas = new Map<Cell, number[]>(classes.map((c) => [c, []]));
  for (const size of sizes) {
    const shares = allocate(
      classes.map((c) => ({ quota: ((counts.get(c) as number) * size) / n, cap: remaining.get(c) as number, count: counts.get(c) as number, label: c })),
      size,
    );
    classes.forEach((c, j) => {
      const share = shares[j] as number;
      (quotas.get(c) as number[]).push(share);
      remaining.set(c, (remaining.get(c) as number) - share);
    });
  }
  return quotas;
}

/**
 * Whole shares that sum to `total`, each near its quota (largest remainder):
 * every class gets the floor of its quota, then the rows left go one each to
 * the largest remainders. Ties go to the larger class, then to the class that
 * sorts first, so the result depends on the data alone. A share never exceeds
 * its cap (the class's rows not yet in a part).
 */
function allocate(classes: { quota: number; cap: number; count: number; label: Cell }[], total: number): number[] {
  const shares = classes.map((c) => Math.min(Math.floor(c.quota), c.cap));
  let left = total - shares.reduce((a, b) => a + b, 0);
  const byRemainder = classes
    .map((c, j) => ({ j, remainder: c.quota - Math.floor(c.quota), count: c.count, label: c.label }))
    .sort((a, b) => b.remainder - a.remainder || b.count - a.count || compareValues(a.label, b.label));
  // Twice round at most: the first pass gives each remainder one row; caps can push rows to a second pass.
  while (left > 0) {
    let gave = false;
    for (const { j } of byRemainder) {
      if (left === 0) break;
      if ((shares[j] as number) < (classes[j] as { cap: number }).cap) {
        shares[j] = (shares[j] as number) + 1;
        left--;
        gave = true;
      }
    }
    if (!gave) throw new Error(`internal: cannot allocate ${left} more rows`);
  }
  return shares;
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, i) => from + i);
}
