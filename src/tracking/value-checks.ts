/**
 * What the store takes: names and values of a bounded size, and metric points
 * that are finite numbers at whole steps. Checked before anything is written,
 * so that a refused call leaves the store as it was and says which name or
 * value was refused.
 */
import { TrackingError } from "../errors";

/** The largest parameter or tag value the store takes: bigger things are artifacts, not parameters. */
export const MAX_VALUE_BYTES = 64 * 1024;
/** The longest name (of an experiment, run, parameter, metric or tag) the store takes. */
export const MAX_NAME_LENGTH = 256;

/** Throws a TrackingError when a name (of an experiment, a run, a parameter, a metric or a tag) is too long. */
export function checkName(what: string, name: string): void {
  if (name.length > MAX_NAME_LENGTH) {
    throw new TrackingError(`${what} name is ${name.length} characters long, over the ${MAX_NAME_LENGTH} the store takes: "${name.slice(0, 40)}..."`);
  }
}

/** Throws a TrackingError when a value (a parameter's text, a tag, a note) is too big. */
export function checkValueSize(what: string, text: string): void {
  const bytes = Buffer.byteLength(text);
  if (bytes > MAX_VALUE_BYTES) {
    throw new TrackingError(
      `${what} is ${bytes} bytes, over the ${MAX_VALUE_BYTES} the store takes for one value: keep big values (data, models, texts) as step outputs or artifacts`,
    );
  }
}

/** Throws a TrackingError naming the metric when a point cannot be recorded. */
export function checkMetric(key: string, value: unknown, step?: number): void {
  if (typeof key !== "string" || key === "") throw new TrackingError(`invalid metric name: ${JSON.stringify(key)}`);
  checkName("metric", key);
  if (typeof value !== "number") {
    throw new TrackingError(`metric "${key}" must be a number, got ${typeof value} ${JSON.stringify(value)}`);
  }
  if (!Number.isFinite(value)) {
    throw new TrackingError(`metric "${key}" is ${value}: only finite numbers are recorded (check the loss for a divergence)`);
  }
  if (step !== undefined && !Number.isSafeInteger(step)) {
    throw new TrackingError(`metric "${key}": step ${step} is not a whole number (steps count epochs or batches)`);
  }
}
