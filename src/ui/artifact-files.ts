/**
 * The files of a run's artifacts (the charts a script wrote, an executed
 * notebook), served only from inside the project: a path recorded in the
 * store is resolved, symbolic links and all, and refused unless it lands
 * under the project's folder. Files go out sandboxed (no script runs, even
 * in an SVG or an HTML page) and anything not known to display is a download.
 */
import { realpathSync, statSync } from "node:fs";
import { extname, resolve, sep } from "node:path";

/** How each kind of file is sent: its type, and whether the browser shows it (else it downloads it). */
const TYPES: Readonly<Record<string, { type: string; inline: boolean }>> = {
  ".svg": { type: "image/svg+xml", inline: true },
  ".png": { type: "image/png", inline: true },
  ".html": { type: "text/html; charset=utf-8", inline: true },
  ".json": { type: "application/json", inline: true },
  ".ipynb": { type: "application/json", inline: true },
  ".txt": { type: "text/plain; charset=utf-8", inline: true },
  ".csv": { type: "text/plain; charset=utf-8", inline: true },
  ".md": { type: "text/plain; charset=utf-8", inline: true },
};

/** Headers of every artifact file: nothing it holds may run or fetch. */
export const ARTIFACT_HEADERS = {
  "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
};

/** A file the page may send: where it really is, its type, and whether it displays inline. */
export interface ServableFile {
  path: string;
  type: string;
  inline: boolean;
  bytes: number;
}

/** Artifact files inside one project folder. */
export class ArtifactFiles {
  private readonly root: string | undefined;

  constructor(projectDir: string) {
    try {
      this.root = realpathSync(projectDir);
    } catch {
      this.root = undefined;
    }
  }

  /** The file at `recorded` when it exists, is a regular file and lies inside the project; otherwise undefined. */
  servable(recorded: string | null): ServableFile | undefined {
    if (recorded === null || this.root === undefined) return undefined;
    let real: string;
    try {
      // A relative path is taken from the project's folder.
      real = realpathSync(resolve(this.root, recorded));
    } catch {
      return undefined;
    }
    if (!real.startsWith(this.root.endsWith(sep) ? this.root : this.root + sep)) return undefined;
    const stat = statSync(real, { throwIfNoEntry: false });
    if (!stat?.isFile()) return undefined;
    const known = TYPES[extname(real).toLowerCase()];
    return { path: real, type: known?.type ?? "application/octet-stream", inline: known?.inline ?? false, bytes: stat.size };
  }
}
