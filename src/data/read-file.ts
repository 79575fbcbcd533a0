import { resolve } from "node:path";
import { noteFileRead } from "../run-context";
import { readFileWithDigest } from "../util";

/**
 * Reads a file as pipelab's readers do: inside a step, the file and the hash
 * of the very bytes read become part of the step's cache key, so an edit of
 * the file recomputes the step without a `files:` option. Throws the file
 * system's error (ENOENT, EACCES) for a file that cannot be read.
 *
 * @example
 * ```ts
 * const text = await wb.step("notes", () => readTrackedFile("data/notes.txt").toString("utf8"));
 * ```
 */
export function readTrackedFile(path: string): Buffer {
  const file = resolve(path);
  const { bytes, hash } = readFileWithDigest(file);
  noteFileRead(file, hash);
  return bytes;
}
