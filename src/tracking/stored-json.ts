/**
 * JSON that comes back from the store (a JSON parameter, the columns SQLite
 * gathers with json_group_object), read through a check of the shape it was
 * written with instead of a cast: a file edited by hand or by another tool
 * fails here, saying what was expected, not later as a wrong type.
 */
import { TrackingError, messageOf } from "../errors";

/** A check that a parsed value has the expected shape, with the name of that shape for errors. */
export interface Shape<T> {
  readonly name: string;
  is(value: unknown): value is T;
}

const CHANGED_OUTSIDE = "pipelab never writes that, so the file was changed by another tool: restore it from a copy, or delete the run";

/** Parses `text` and checks it against `shape`; `what` names the value for errors (`parameter "lr"`, `the final metrics of run 3`). */
export function parseStoredJson<T>(text: string, shape: Shape<T>, what: string): T {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new TrackingError(`the experiment store holds invalid JSON for ${what} (${messageOf(error)}); ${CHANGED_OUTSIDE}`, { cause: error });
  }
  if (!shape.is(value)) {
    const shown = text.length > 80 ? `${text.slice(0, 80)}...` : text;
    throw new TrackingError(`the experiment store holds ${shown} for ${what}, where ${shape.name} was expected; ${CHANGED_OUTSIDE}`);
  }
  return value;
}

/** An object whose every value has the shape `of`. */
export function recordOf<T>(of: Shape<T>): Shape<Record<string, T>> {
  return {
    name: `an object of ${of.name}`,
    is: (value): value is Record<string, T> => {
      if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
      // A loop, not Object.values().every(): a comparison checks 10,000 of these.
      for (const key in value) if (!of.is((value as Record<string, unknown>)[key])) return false;
      return true;
    },
  };
}

export const aNumber: Shape<number> = { name: "a number", is: (value): value is number => typeof value === "number" };
