import { resolve } from "node:path";
import { DataError } from "../errors";
import { noteFileRead } from "../run-context";
import { describeUnreadable, readFileWithDigest } from "../util";

/**
 * Reads a file as pipelab's readers do: inside a step, the file and the hash
 * of the very bytes read become part of what the step's cached output is
 * checked against, so an edit of the file recomputes the step without a
 * `files:` option. A file that cannot be read is a DataError naming the path
 * as written, what it resolved to and the folder it was resolved against.
 *
 * @example
 * ```ts
 * const text = await wb.step("notes", () => readTrackedFile("../data/notes.txt").toString("utf8"));
 * ```
 */
export function readTrackedFile(path: string): Buffer {
  return readTracked(path, "file");
}

/** readTrackedFile for a reader of one kind of file ("CSV file", "JSON file"), named in its error. */
export function readTracked(path: string, kind: string): Buffer {
  const file = resolve(path);
  let read: { bytes: Buffer; hash: string };
  try {
    read = readFileWithDigest(file);
  } catch (error) {
    throw new DataError(`cannot read the ${kind} ${JSON.stringify(path)}: ${describeUnreadable(path, error)}`, { cause: error });
  }
  noteFileRead(file, read.hash);
  return read.bytes;
}
