import assert from "node:assert/strict";
import { existsSync, mkdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { chromium } from "playwright-core";
import type { Browser } from "playwright-core";
import { startNotebookServer } from "../../src/setup";
import type { NotebookServer } from "../../src/setup";
import { jupyterPython, testKernel } from "../helpers/jupyter";
import { tempDir } from "../helpers/tmp";

const root = join(__dirname, "..", "..");
const CHROMIUM = "/usr/bin/chromium";
export const SCREENSHOTS = join(root, "test", ".out", "screenshots");

interface JupyterWindow {
  Jupyter?: {
    notebook?: {
      kernel?: { is_connected(): boolean };
      kernel_busy?: boolean;
      clear_all_output(): void;
      execute_all_cells(): void;
      get_cells(): { get_text(): string; output_area: { outputs: unknown[] } }[];
    };
  };
}

describe("a notebook in a real browser: Jupyter Notebook on 127.0.0.1, headless Chromium", () => {
  let server: NotebookServer;
  let browser: Browser;
  // Registered before tempDir's own after hook, so the browser is closed before its folder is removed.
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  const dir = tempDir();

  before(async () => {
    assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: npm test installs it (pipelab setup --for-tests), or: sudo apt-get install -y chromium`);
    const env = { ...testKernel(join(dir, "jupyter")), PIPELAB_STORE: join(dir, "experiments.db"), PIPELAB_CACHE_DIR: join(dir, "cache") };
    server = await startNotebookServer({ python: jupyterPython(), notebookDir: join(root, "notebooks"), port: 18888, env, stdio: "pipe" });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
    });
  });

  it("refuses a visit without the token", async () => {
    const response = await fetch(`http://127.0.0.1:${server.port}/api/contents`);
    assert.equal(response.status, 403);
  });

  it("runs 00-quickstart: every cell executes and an inline chart (SVG) is visible; saves a screenshot", async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 1000 } });
    await page.goto(`http://127.0.0.1:${server.port}/notebooks/00-quickstart.ipynb?token=${server.token}`);
    await page.waitForFunction(() => (window as unknown as JupyterWindow).Jupyter?.notebook?.kernel?.is_connected() === true, null, { timeout: 90_000 });
    await page.evaluate(() => {
      const nb = (window as unknown as JupyterWindow).Jupyter?.notebook;
      nb?.clear_all_output();
      nb?.execute_all_cells();
    });
    // The chart is the big <svg> of an output (legend swatches are small ones).
    await page.waitForFunction(
      () => Array.from(document.querySelectorAll(".output_area svg")).some((svg) => svg.getBoundingClientRect().width > 200),
      null,
      { timeout: 180_000 },
    );
    await page.evaluate(() => {
      const big = Array.from(document.querySelectorAll(".output_area svg")).find((svg) => svg.getBoundingClientRect().width > 200);
      big?.setAttribute("data-test-chart", "1");
    });
    const chart = page.locator('svg[data-test-chart="1"]');
    // Wait until the last cell has its output: every cell has run.
    await page.waitForFunction(
      () => {
        const cells = (window as unknown as JupyterWindow).Jupyter?.notebook?.get_cells() ?? [];
        const code = cells.filter((c) => c.output_area);
        return code.length > 0 && (code[code.length - 1]?.output_area.outputs.length ?? 0) > 0;
      },
      null,
      { timeout: 180_000 },
    );
    const box = await chart.boundingBox();
    assert.ok(box && box.width > 200 && box.height > 100, `the chart is visible (${JSON.stringify(box)})`);
    const errors = await page.locator(".output_stderr").allTextContents();
    assert.deepEqual(
      errors.filter((e) => /Error/.test(e)),
      [],
      "no cell printed an error",
    );
    const lastOutput = await page.locator(".output_area").last().textContent();
    assert.match(lastOutput ?? "", /Workbench \{/, "the last cell ran");
    mkdirSync(SCREENSHOTS, { recursive: true });
    await chart.scrollIntoViewIfNeeded();
    const file = join(SCREENSHOTS, "00-quickstart.png");
    await page.screenshot({ path: file });
    assert.ok(statSync(file).size > 10_000);
    await page.close();
  });
});
