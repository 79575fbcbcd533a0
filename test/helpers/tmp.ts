import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after } from "node:test";

/**
 * A fresh temporary folder, removed when the test file ends (kept if
 * PIPELAB_KEEP_TMP is set). `inRepo` puts it under test/.out/, inside this
 * repository, where pipelab and its dependencies resolve from node_modules
 * exactly as in a user's project (no symlinks for TypeScript to trip on).
 */
export function tempDir(prefix = "pipelab-test-", options: { inRepo?: boolean } = {}): string {
  const base = options.inRepo ? join(__dirname, "..", ".out") : tmpdir();
  mkdirSync(base, { recursive: true });
  const dir = mkdtempSync(join(base, prefix));
  after(() => removeQuietly(dir));
  return dir;
}

/**
 * Removes a test's folder without ever throwing: an after hook that throws
 * stops the hooks registered after it, and a browser or server they would have
 * closed then keeps the test process alive. A process still writing into the
 * folder (Chromium flushing its profile) gets retries, then a warning.
 */
function removeQuietly(dir: string): void {
  if (process.env.PIPELAB_KEEP_TMP) return;
  try {
    rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  } catch (error) {
    console.warn(`could not remove the test folder ${dir}: ${(error as Error).message}`);
    process.once("exit", () => {
      try {
        rmSync(dir, { recursive: true, force: true });
      } catch {
        // Left behind under the system's temporary folder; the warning above named it.
      }
    });
  }
}
