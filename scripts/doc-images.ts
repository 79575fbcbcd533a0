// Renders the charts of the example notebooks to PNG for the README:
// executes each notebook through the real kernel (a temporary store and cache),
// takes every chart from its outputs, and screenshots it in Debian's chromium.
// Run: node --import tsx scripts/doc-images.ts   (writes docs/images/*.png)
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { chromium } from "playwright-core";
import { findJupyterPython, installKernel } from "../src/setup";

const root = join(__dirname, "..");
const NOTEBOOKS = ["00-quickstart", "01-penguins-classification", "02-cars-regression", "03-compare-runs", "04-seattle-weather"];

function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "").slice(0, 50);
}

async function main(): Promise<void> {
  const python = findJupyterPython()?.python;
  if (!python) throw new Error("no Python with Jupyter: run `node dist/cli/main.js setup`");
  const dir = mkdtempSync(join(tmpdir(), "pipelab-doc-images-"));
  installKernel({ python, location: { kind: "prefix", prefix: dir } });
  const env = { ...process.env, JUPYTER_PATH: join(dir, "share", "jupyter"), JUPYTER_DATA_DIR: join(dir, "data"), HOME: dir, PIPELAB_STORE: join(dir, "experiments.db"), PIPELAB_CACHE_DIR: join(dir, "cache") };
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"] });
  const page = await browser.newPage({ viewport: { width: 900, height: 800 }, deviceScaleFactor: 1.5 });
  try {
    for (const name of NOTEBOOKS) {
      const r = spawnSync(python, ["-m", "nbconvert", "--to", "notebook", "--execute", "--ExecutePreprocessor.timeout=600", "--output-dir", dir, join(root, "notebooks", `${name}.ipynb`)], {
        env,
        cwd: join(root, "notebooks"),
        encoding: "utf8",
      });
      if (r.status !== 0) throw new Error(`executing ${name} failed:\n${r.stderr.slice(-2000)}`);
      const nb = JSON.parse(readFileSync(join(dir, `${name}.ipynb`), "utf8")) as { cells: { outputs?: { data?: Record<string, string | string[]> }[] }[] };
      let n = 0;
      for (const cell of nb.cells) {
        for (const output of cell.outputs ?? []) {
          const raw = output.data?.["text/html"] ?? output.data?.["image/svg+xml"];
          if (raw === undefined) continue;
          const html = Array.isArray(raw) ? raw.join("") : raw;
          if (!html.includes("<svg") && !html.includes("<table")) continue;
          n += 1;
          const title = /<h2[^>]*>([^<]*)<\/h2>/.exec(html)?.[1] ?? (html.includes("<table") ? "runs table" : `chart ${n}`);
          const file = join(root, "docs", "images", `${name.slice(0, 2)}-${String(n).padStart(2, "0")}-${slug(title)}.png`);
          await page.setContent(`<!doctype html><html><body style="margin:0;padding:16px;background:white;font-family:system-ui,sans-serif"><div id="c" style="display:inline-block">${html}</div></body></html>`);
          await page.locator("#c").screenshot({ path: file });
          console.log(`wrote ${file}`);
        }
      }
    }
  } finally {
    await browser.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
