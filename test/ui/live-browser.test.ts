import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { chromium } from "playwright-core";
import type { BrowserContext } from "playwright-core";
import { ExperimentStore } from "../../src/tracking";
import type { RunId } from "../../src/tracking";
import { startUi } from "../../src/ui";
import type { UiServer } from "../../src/ui";
import { tempDir } from "../helpers/tmp";

const CHROMIUM = "/usr/bin/chromium";

// Behaviour only, no timing: the test waits (generously) for the page to change, never for a number of seconds.
describe("pipelab ui in a real browser: a running run's curves update without a reload", () => {
  let store: ExperimentStore;
  let ui: UiServer;
  let browser: BrowserContext;
  let run: RunId;
  const violations: string[] = [];
  // Registered before tempDir's own after hook, so the browser is closed before its folder is removed.
  after(async () => {
    await browser?.close();
    await ui?.close();
    store?.close();
  });

  const dir = tempDir("pipelab-ui-live-browser-");

  before(async () => {
    assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: npm test installs it (pipelab setup --for-tests), or: sudo apt-get install -y chromium`);
    store = ExperimentStore.open(join(dir, "experiments.db"));
    run = store.createRun({ experiment: "live", sourceKind: "script", name: "training" });
    store.logMetrics(run, [0, 1].map((step) => ({ key: "loss", step, value: 1 / (step + 1) })));
    ui = await startUi(store);
    browser = await chromium.launchPersistentContext(join(dir, "chromium-profile"), {
      executablePath: CHROMIUM,
      headless: true,
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
      viewport: { width: 1400, height: 1000 },
    });
    browser.on("page", (page) => page.on("console", (message) => {
      if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
    }));
  });

  it("swaps in new charts as points arrive, stays on the same document, and stops polling when the run ends", async () => {
    const page = await browser.newPage();
    let navigations = 0;
    page.on("framenavigated", (frame) => {
      if (frame === page.mainFrame()) navigations++;
    });
    await page.goto(`${ui.url}/runs/${run}`);
    const before = navigations;
    // A marker on the document: it survives only if the page is not reloaded.
    await page.evaluate(() => document.body.setAttribute("data-marker", "same-document"));
    assert.equal(await page.locator('#curves figure[data-chart="curve:accuracy"]').count(), 0);

    store.logMetrics(run, [0, 1, 2].map((step) => ({ key: "accuracy", step, value: step / 3 })));
    await page.locator('#curves figure[data-chart="curve:accuracy"] svg').waitFor({ timeout: 30_000 });
    assert.equal(await page.getAttribute("body", "data-marker"), "same-document");
    assert.equal(navigations, before, "no navigation");

    store.endRun(run, "finished");
    await page.waitForFunction(() => document.getElementById("curves")?.getAttribute("data-live") === null, undefined, { timeout: 30_000 });
    assert.match((await page.textContent("#live-status")) ?? "", /finished/);
    assert.deepEqual(violations, [], "the script and its fetches are allowed by the page's CSP");
    await page.close();
  });
});
