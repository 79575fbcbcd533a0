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
  after(() => {
    if (!process.env.PIPELAB_KEEP_TMP) rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}
