import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after } from "node:test";

/** A fresh temporary folder, removed when the test file ends (kept if PIPELAB_KEEP_TMP is set). */
export function tempDir(prefix = "pipelab-test-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  after(() => {
    if (!process.env.PIPELAB_KEEP_TMP) rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}
