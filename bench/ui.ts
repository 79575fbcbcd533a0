/**
 * Benchmark of `pipelab ui` (issue #19): the page server on a store of
 * 10,000 runs x 20 metrics (test/ui/runs-fixture.ts), started in this process
 * on a free loopback port.
 *
 *   1. Server time per page: WARMUPS requests, then SAMPLES timed ones, one at
 *      a time over keep-alive, each timed from sending the request to the last
 *      byte of the body; median and p95 (nearest rank). Pages: the runs page,
 *      filtered, sorted by a metric, with chosen columns (min/max among them),
 *      a run page, the compare view of 100 runs with learning curves, and the
 *      diff page when the server has one. Target: p95 < 300 ms.
 *   2. In headless Chromium (Debian's, launched as test/ui/browser.test.ts
 *      does, with a fresh profile): the runs page's first contentful paint and
 *      the compare view's, each with the load event, BROWSER_SAMPLES times in
 *      a new tab after one warm-up. Target: first paint < 1 s (median).
 *
 * Run from the repository root:
 *   node --import tsx bench/ui.ts
 *   npm run --silent bench -- ui
 * One JSON object goes to stdout; progress lines go to stderr. Nothing is
 * asserted: figures that miss a target say so in `met`.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { chromium } from "playwright-core";
import type { BrowserContext } from "playwright-core";
import { ExperimentStore } from "../src/tracking";
import type { RunId } from "../src/tracking";
import { startUi } from "../src/ui";
import { fillRuns } from "../test/ui/runs-fixture";
import { machineInfo, median, progressFor, round } from "./lib";

const RUNS = 10_000;
const METRICS = 20;
const STEPS = 10;
const WARMUPS = 3;
const SAMPLES = 20;
const BROWSER_SAMPLES = 5;
const COMPARED = 100;
const CHROMIUM = "/usr/bin/chromium";
const TARGET = { serverP95Ms: 300, firstPaintMs: 1000 };

const progress = progressFor("ui");

/** Nearest-rank percentile. */
function percentile(samples: readonly number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return round(sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN);
}

interface Timed {
  status: number;
  bytes: number;
  ms: number;
}

async function timedGet(url: string): Promise<Timed> {
  const start = performance.now();
  const response = await fetch(url);
  const body = await response.arrayBuffer();
  return { status: response.status, bytes: body.byteLength, ms: performance.now() - start };
}

async function measurePage(base: string, name: string, path: string): Promise<Record<string, unknown>> {
  for (let i = 0; i < WARMUPS; i++) await timedGet(base + path);
  const samples: Timed[] = [];
  for (let i = 0; i < SAMPLES; i++) samples.push(await timedGet(base + path));
  const ms = samples.map((s) => s.ms);
  const statuses = [...new Set(samples.map((s) => s.status))];
  const p95 = percentile(ms, 95);
  const ok = statuses.length === 1 && statuses[0] === 200;
  progress(`${name}: median ${median(ms)} ms, p95 ${p95} ms, ${samples[0]?.bytes ?? 0} bytes, status ${statuses.join("/")}`);
  return {
    name,
    path: path.length > 200 ? `${path.slice(0, 200)}...` : path,
    status: statuses.length === 1 ? statuses[0] : statuses,
    bytes: samples[0]?.bytes ?? 0,
    medianMs: median(ms),
    p95Ms: p95,
    minMs: round(Math.min(...ms)),
    maxMs: round(Math.max(...ms)),
    targetP95Ms: TARGET.serverP95Ms,
    met: ok && p95 < TARGET.serverP95Ms,
  };
}

/** The diff page's path if the server has one (it answers 200 for two runs), else undefined. */
async function diffPath(base: string, a: RunId, b: RunId): Promise<string | undefined> {
  const path = `/diff?a=${a}&b=${b}`;
  return (await timedGet(base + path)).status === 200 ? path : undefined;
}

interface PaintTiming {
  firstPaintMs: number;
  firstContentfulPaintMs: number;
  responseEndMs: number;
  domContentLoadedMs: number;
  loadMs: number;
}

// A page may paint after its load event: wait for the first contentful paint (buffered), for up to 5 s.
const PAINT_TIMING = `new Promise((done) => {
  const report = () => {
    const paint = (name) => performance.getEntriesByType("paint").find((e) => e.name === name)?.startTime ?? NaN;
    const nav = performance.getEntriesByType("navigation")[0];
    done({
      firstPaintMs: paint("first-paint"),
      firstContentfulPaintMs: paint("first-contentful-paint"),
      responseEndMs: nav?.responseEnd ?? NaN,
      domContentLoadedMs: nav?.domContentLoadedEventEnd ?? NaN,
      loadMs: nav?.loadEventEnd ?? NaN,
    });
  };
  new PerformanceObserver((list) => {
    if (list.getEntries().some((e) => e.name === "first-contentful-paint")) report();
  }).observe({ type: "paint", buffered: true });
  setTimeout(report, 5000);
})`;

/** One load of `url` in a new tab: the Performance API's paint entries and navigation timing, from navigation start. */
async function loadOnce(browser: BrowserContext, url: string): Promise<PaintTiming> {
  const tab = await browser.newPage();
  try {
    await tab.goto(url, { waitUntil: "load" });
    // A string, not a function: tsx would wrap a function's inner helpers in its __name, which the page does not have.
    return (await tab.evaluate(PAINT_TIMING)) as PaintTiming;
  } finally {
    await tab.close();
  }
}

async function measureInBrowser(browser: BrowserContext, name: string, url: string): Promise<Record<string, unknown>> {
  await loadOnce(browser, url);
  const samples: PaintTiming[] = [];
  for (let i = 0; i < BROWSER_SAMPLES; i++) samples.push(await loadOnce(browser, url));
  const of = (k: keyof PaintTiming): number => median(samples.map((s) => s[k]));
  const fcp = of("firstContentfulPaintMs");
  progress(`${name} in chromium: first contentful paint ${fcp} ms, load ${of("loadMs")} ms (medians)`);
  return {
    name,
    firstPaintMs: of("firstPaintMs"),
    firstContentfulPaintMs: fcp,
    firstContentfulPaintMaxMs: round(Math.max(...samples.map((s) => s.firstContentfulPaintMs))),
    responseEndMs: of("responseEndMs"),
    domContentLoadedMs: of("domContentLoadedMs"),
    loadMs: of("loadMs"),
    targetFirstPaintMs: TARGET.firstPaintMs,
    met: fcp < TARGET.firstPaintMs,
  };
}

async function main(): Promise<void> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: npm test installs it (pipelab setup --for-tests), or: sudo apt-get install -y chromium`);
  const dir = mkdtempSync(join(os.tmpdir(), "pipelab-bench-ui-"));
  const store = ExperimentStore.open(join(dir, "experiments.db"));
  let ui: Awaited<ReturnType<typeof startUi>> | undefined;
  let browser: BrowserContext | undefined;
  try {
    progress(`filling a store with ${RUNS} runs x ${METRICS} metrics x ${STEPS} steps`);
    const fillStart = performance.now();
    const ids = fillRuns(store, { runs: RUNS, metrics: METRICS, steps: STEPS });
    const fillSeconds = round((performance.now() - fillStart) / 1000);
    ui = await startUi(store);
    const base = ui.url;
    progress(`store filled in ${fillSeconds} s; serving at ${base}`);

    const filter = "metrics.accuracy > 0.9";
    const compared = store.listRuns({ filter, limit: COMPARED }).map((r) => r.id);
    const comparePath = `/compare?runs=${compared.join(",")}&metric=loss`;
    const pages: [string, string][] = [
      ["runs page (first page)", "/"],
      [`runs page filtered (${filter})`, `/?filter=${encodeURIComponent(filter)}`],
      ["runs page sorted by metrics.accuracy", `/?sort=${encodeURIComponent("metrics.accuracy:desc")}`],
      ["runs page sorted by params.lr", `/?sort=${encodeURIComponent("params.lr:asc")}`],
      ["runs page sorted by name", `/?sort=${encodeURIComponent("name:asc")}`],
      ["runs page sorted by the lowest loss of each history", `/?sort=${encodeURIComponent("metrics.loss:min:asc")}&columns=${encodeURIComponent("name,metrics.loss:min")}`],
      [
        "runs page with chosen columns (loss:min, metric_5:max)",
        `/?columns=${encodeURIComponent("name,status,params.lr,params.model,metrics.accuracy,metrics.loss:min,metrics.loss,metrics.metric_5:max,duration")}`,
      ],
      [
        "runs page filtered, sorted, chosen columns, 500 a page",
        `/?filter=${encodeURIComponent(`${filter} and params.model = "mlp"`)}&sort=${encodeURIComponent("metrics.loss:asc")}&columns=${encodeURIComponent("params.lr,metrics.accuracy,metrics.loss:min")}&size=500`,
      ],
      ["run page", `/runs/${ids[RUNS >> 1]}`],
      [`compare view of ${compared.length} runs with learning curves`, comparePath],
    ];
    const diff = await diffPath(base, ids[0] as RunId, ids[1] as RunId);
    if (diff !== undefined) pages.push(["diff page of 2 runs", diff]);
    else progress("no diff page on this server: skipped");

    const server = [];
    for (const [name, path] of pages) server.push(await measurePage(base, name, path));

    progress("launching chromium");
    browser = await chromium.launchPersistentContext(join(dir, "chromium-profile"), {
      executablePath: CHROMIUM,
      headless: true,
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
      viewport: { width: 1400, height: 1000 },
    });
    const inBrowser = [
      await measureInBrowser(browser, "runs page (first page)", `${base}/`),
      await measureInBrowser(browser, `compare view of ${compared.length} runs with learning curves`, base + comparePath),
    ];

    console.log(
      JSON.stringify(
        {
          benchmark: "ui",
          machine: { ...machineInfo(), loadAverage1m: round(os.loadavg()[0] ?? NaN), chromium: browser.browser()?.version() ?? "unknown" },
          store: { runs: RUNS, metrics: METRICS, stepsPerMetric: STEPS, fillSeconds },
          requests: { warmups: WARMUPS, samples: SAMPLES, timing: "request sent to last body byte, sequential, keep-alive, client in the server's process" },
          targets: { serverP95Ms: TARGET.serverP95Ms, browserFirstContentfulPaintMedianMs: TARGET.firstPaintMs },
          server,
          browser: { samples: BROWSER_SAMPLES, timing: "Performance API, ms from navigation start, medians", pages: inBrowser },
          diffPage: diff === undefined ? "absent (/diff?a=&b= did not answer 200)" : diff,
          allMet: [...server, ...inBrowser].every((p) => p.met === true),
        },
        null,
        2,
      ),
    );
  } finally {
    await browser?.close();
    await ui?.close();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
