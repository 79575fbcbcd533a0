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
import { runPipeline } from "./diff-pipeline";
import { fillRuns } from "./runs-fixture";

const CHROMIUM = "/usr/bin/chromium";
const HOSTILE_NAME = "<img src=x onerror=alert(1)>";

// Behaviour only: how fast the pages are is the bench's business (bench/ui), not asserted here.
describe("pipelab ui in a real browser: headless Chromium on a store of 10,000 runs x 20 metrics", () => {
  let store: ExperimentStore;
  let ui: UiServer;
  let browser: BrowserContext;
  const dialogs: string[] = [];
  /** Two runs of a real pipeline whose step "features" changed its code between them. */
  const pipelineRuns: RunId[] = [];
  // Registered before tempDir's own after hook, so the browser is closed before its folder is removed.
  after(async () => {
    await browser?.close();
    await ui?.close();
    store?.close();
  });

  const dir = tempDir("pipelab-ui-browser-");

  before(async () => {
    assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: npm test installs it (pipelab setup --for-tests), or: sudo apt-get install -y chromium`);
    store = ExperimentStore.open(join(dir, "experiments.db"));
    fillRuns(store, { runs: 10_000, metrics: 20, steps: 3 });
    const hostile = store.createRun({ experiment: "sweep", sourceKind: "script", name: HOSTILE_NAME });
    store.logMetrics(hostile, [{ key: "accuracy", value: 0.99 }, { key: "loss", value: 0.01 }]);
    store.endRun(hostile, "finished");
    pipelineRuns.push(await runPipeline(dir, 1, join(dir, "experiments.db")), await runPipeline(dir, 2, join(dir, "experiments.db")));
    ui = await startUi(store);
    browser = await chromium.launchPersistentContext(join(dir, "chromium-profile"), {
      executablePath: CHROMIUM,
      headless: true,
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
      viewport: { width: 1400, height: 1000 },
    });
    browser.on("page", (page) => page.on("dialog", (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    }));
  });

  it("loads the runs page, applies a filter, picks 100 runs and compares them with learning curves drawn", async () => {
    const page = await browser.newPage();
    await page.goto(`${ui.url}/?size=100`);
    assert.equal(await page.locator("#runs tbody tr").count(), 100);
    assert.match((await page.locator(".pager").first().textContent()) ?? "", new RegExp(`\\(${store.countRuns()} runs\\)`));
    assert.ok(store.countRuns() > 10_000);

    await page.fill("input[name=filter]", "metrics.accuracy > 0.9 and params.model = \"mlp\"");
    await Promise.all([page.waitForURL(/filter=/), page.press("input[name=filter]", "Enter")]);
    const matching = store.countRuns({ filter: 'metrics.accuracy > 0.9 and params.model = "mlp"' });
    assert.match((await page.locator(".pager").first().textContent()) ?? "", new RegExp(`\\(${matching} runs\\)`));
    assert.equal(new URL(page.url()).searchParams.get("size"), "100", "the page size is kept");
    const accuracy = await page.locator("#runs thead th").allTextContents();
    assert.ok(accuracy.some((h) => h.startsWith("metrics.accuracy")));

    const boxes = page.locator("#runs input[type=checkbox][name=runs]");
    const picked = Math.min(100, await boxes.count());
    assert.ok(picked >= 50, `enough runs to pick (${picked})`);
    for (let i = 0; i < picked; i++) await boxes.nth(i).check();
    await Promise.all([page.waitForURL(/\/compare\?/), page.click("#runs thead button[type=submit]")]);
    assert.equal(await page.locator("#compare tbody tr").count(), picked);
    const curves = page.locator('figure[data-chart="learning-curves"] svg').first();
    const box = await curves.boundingBox();
    assert.ok(box !== null && box.width > 200 && box.height > 100, `the learning curves are drawn (${JSON.stringify(box)})`);
    assert.ok((await page.locator('figure[data-chart="learning-curves"] .learning-curve path').count()) > 0);
    await page.close();
  });

  it("diffs two runs from a run's page: the changed step's code is shown, lines removed and added", async () => {
    const [a, b] = pipelineRuns as [RunId, RunId];
    const page = await browser.newPage();
    await page.goto(`${ui.url}/runs/${a}`);
    await page.fill('form.diff-with input[name="b"]', `#${b}`);
    await Promise.all([page.waitForURL(/\/diff\?/), page.click('form.diff-with button[type="submit"]')]);
    assert.equal(await page.locator("h1").textContent(), `Run #${a} vs run #${b}`);
    await page.click('#diff-steps tr[data-step="features"] a[href="#code-features"]');
    const code = page.locator('section#code-features pre.diff[data-part="step"]');
    assert.ok(await code.isVisible(), "the code of the step is on the page");
    assert.match((await code.locator("span.removed").allTextContents()).join("\n"), /twice\(x\)/);
    assert.match((await code.locator("span.added").allTextContents()).join("\n"), /thrice\(x\)/);
    const added = await code.locator("span.added").first().boundingBox();
    assert.ok(added !== null && added.height > 0, "the added lines are drawn");
    await page.close();
  });

  it("shows a run named <img src=x onerror=alert(1)> as text on every page: no dialog, no injected element", async () => {
    const page = await browser.newPage();
    const hostile = store.listRuns({ filter: `name = "${HOSTILE_NAME}"` })[0];
    assert.ok(hostile);
    for (const path of ["/", "/experiments/sweep", `/runs/${hostile.id}`, `/compare?runs=${hostile.id},1`, `/diff?a=${hostile.id}&b=1`, `/?filter=${encodeURIComponent(`name ~ "onerror"`)}`]) {
      await page.goto(`${ui.url}${path}`);
      assert.equal(await page.locator("img").count(), 0, `${path}: an injected <img>`);
      assert.ok(((await page.textContent("body")) ?? "").includes(HOSTILE_NAME), `${path}: the name is shown as text`);
    }
    assert.deepEqual(dialogs, []);
    await page.close();
  });
});
