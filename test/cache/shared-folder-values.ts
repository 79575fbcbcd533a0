import { sha256 } from "../../src/util";

/** The cache key of test value `n`. */
export function keyOf(n: number): string {
  return sha256(`shared-folder-test-${n}`);
}

/**
 * The only bytes key `n` may ever hold: a function of the key, as a real
 * step's output is a function of its inputs. Sizes differ (a few bytes to
 * about 1.5 MB), so a torn or swapped file cannot pass for another.
 */
export function expectedPayload(n: number): Buffer {
  const size = 17 + ((n * 389_017) % 1_500_000);
  const out = Buffer.allocUnsafe(size);
  const seed = Buffer.from(sha256(`payload-${n}`), "hex");
  for (let at = 0; at < size; at += seed.byteLength) seed.copy(out, at, 0, Math.min(seed.byteLength, size - at));
  out.writeUInt32LE(n, 0);
  return out;
}
