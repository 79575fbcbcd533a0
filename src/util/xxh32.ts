/**
 * XXH32 (xxHash, 32 bits, seed 0): a non-cryptographic checksum that runs at
 * several GB/s in JavaScript, where sha256 does about 1. What the disk cache
 * verifies an artifact's payload with on every read; the payload's identity
 * (its fingerprint) stays a sha256, computed once, at write. The algorithm:
 * github.com/Cyan4973/xxHash, doc/xxhash_spec.md.
 *
 * `Xxh32` takes the bytes in pieces, so that a reader can hash each piece
 * right after reading it, while it is still in the CPU's cache: one pass
 * over memory instead of two.
 */
const P1 = 0x9e3779b1 | 0;
const P2 = 0x85ebca77 | 0;
const P3 = 0xc2b2ae3d | 0;
const P4 = 0x27d4eb2f | 0;
const P5 = 0x165667b1 | 0;

/** The bytes of one stripe: the four accumulators take a 32-bit word each. */
const STRIPE = 16;

function rotl(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r));
}

function round(acc: number, lane: number): number {
  return Math.imul(rotl((acc + Math.imul(lane, P2)) | 0, 13), P1);
}

/**
 * Runs the four accumulators in `lanes` over `words` (whole stripes). A
 * function of its own with its rounds written out, which V8 compiles to a
 * tight loop: the accumulators are locals, the array a parameter.
 */
function stripesOf(lanes: Int32Array, words: Int32Array): void {
  let v1 = lanes[0] as number;
  let v2 = lanes[1] as number;
  let v3 = lanes[2] as number;
  let v4 = lanes[3] as number;
  const end = words.length;
  for (let i = 0; i < end; i += 4) {
    let a = (v1 + Math.imul(words[i] as number, P2)) | 0;
    v1 = Math.imul((a << 13) | (a >>> 19), P1);
    a = (v2 + Math.imul(words[i + 1] as number, P2)) | 0;
    v2 = Math.imul((a << 13) | (a >>> 19), P1);
    a = (v3 + Math.imul(words[i + 2] as number, P2)) | 0;
    v3 = Math.imul((a << 13) | (a >>> 19), P1);
    a = (v4 + Math.imul(words[i + 3] as number, P2)) | 0;
    v4 = Math.imul((a << 13) | (a >>> 19), P1);
  }
  lanes[0] = v1;
  lanes[1] = v2;
  lanes[2] = v3;
  lanes[3] = v4;
}

/** Little-endian 32-bit word `i` of `bytes`, at any alignment. */
function wordAt(bytes: Uint8Array, i: number): number {
  const at = i * 4;
  return ((bytes[at] as number) | ((bytes[at + 1] as number) << 8) | ((bytes[at + 2] as number) << 16) | ((bytes[at + 3] as number) << 24)) | 0;
}

/**
 * An XXH32 computed piece by piece: `update` with pieces whose lengths are
 * multiples of 16 bytes (any length for the last), then `digest`.
 *
 * @example
 * ```ts
 * const h = new Xxh32();
 * h.update(first64k);
 * h.update(rest);
 * h.digest(); // what xxh32(first64k + rest) gives
 * ```
 */
export class Xxh32 {
  private readonly lanes = Int32Array.of((P1 + P2) | 0, P2, 0, -P1 | 0);
  private length = 0;
  private tail: Uint8Array | undefined;

  update(bytes: Uint8Array): this {
    if (this.tail !== undefined) throw new RangeError("Xxh32.update: only the last piece may have a length that is not a multiple of 16");
    const whole = bytes.byteLength - (bytes.byteLength % STRIPE);
    if (whole > 0) {
      if (bytes.byteOffset % 4 === 0) stripesOf(this.lanes, new Int32Array(bytes.buffer, bytes.byteOffset, whole / 4));
      else {
        // Unaligned bytes (rare: Buffers are aligned) go word by word.
        const l = this.lanes;
        for (let i = 0; i < whole / 4; i += 4) {
          l[0] = round(l[0] as number, wordAt(bytes, i));
          l[1] = round(l[1] as number, wordAt(bytes, i + 1));
          l[2] = round(l[2] as number, wordAt(bytes, i + 2));
          l[3] = round(l[3] as number, wordAt(bytes, i + 3));
        }
      }
    }
    this.length += bytes.byteLength;
    if (whole < bytes.byteLength) this.tail = bytes.subarray(whole);
    return this;
  }

  /** The checksum, as 8 hex digits. */
  digest(): string {
    const l = this.lanes;
    let h = this.length >= STRIPE ? (rotl(l[0] as number, 1) + rotl(l[1] as number, 7) + rotl(l[2] as number, 12) + rotl(l[3] as number, 18)) | 0 : P5;
    h = (h + this.length) | 0;
    const tail = this.tail ?? new Uint8Array(0);
    let i = 0;
    for (; (i + 1) * 4 <= tail.byteLength; i++) h = Math.imul(rotl((h + Math.imul(wordAt(tail, i), P3)) | 0, 17), P4);
    for (let b = i * 4; b < tail.byteLength; b++) h = Math.imul(rotl((h + Math.imul(tail[b] as number, P5)) | 0, 11), P1);
    h ^= h >>> 15;
    h = Math.imul(h, P2);
    h ^= h >>> 13;
    h = Math.imul(h, P3);
    h ^= h >>> 16;
    return (h >>> 0).toString(16).padStart(8, "0");
  }
}

/**
 * The XXH32 of `bytes`, as 8 hex digits.
 *
 * @example
 * ```ts
 * xxh32(Buffer.from("abc")); // "32d153ff"
 * ```
 */
export function xxh32(bytes: Uint8Array): string {
  return new Xxh32().update(bytes).digest();
}
