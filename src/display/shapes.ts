/**
 * Shape checks for plain data. pipelab's results (reports, runs, plans)
 * are plain objects that may come back from the cache or the store, so they
 * are recognized by their shape, strictly enough that a user's own arrays
 * and objects are left alone.
 */

/** A plain object: made by a literal, JSON or Object.create(null), not an instance of a class. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** A plain object whose every value passes `is`. */
export function isRecordOf<T>(value: unknown, is: (v: unknown) => v is T): value is Record<string, T> {
  return isPlainObject(value) && Object.values(value).every(is);
}

export function isString(value: unknown): value is string {
  return typeof value === "string";
}

export function isNumber(value: unknown): value is number {
  return typeof value === "number";
}

export function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every(isString);
}

/** A non-empty array whose every element passes `is`: an empty array has no rich form. */
export function isArrayOf<T>(value: unknown, is: (v: unknown) => v is T): value is T[] {
  return Array.isArray(value) && value.length > 0 && value.every(is);
}
