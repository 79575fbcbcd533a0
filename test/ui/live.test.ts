import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ExperimentStore } from "../../src/tracking";
import type { RunId } from "../../src/tracking";
import { startUi } from "../../src/ui";
import type { UiServer } from "../../src/ui";
import { tempDir } from "../helpers/tmp";
import { getPage } from "./pages";

const STRICT = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/** A CSP header as directive -> its sources. */
function directives(csp: string | null): Record<string, string> {
  return Object.fromEntries((csp ?? "").split(";").map((d) => d.trim()).filter(Boolean).map((d) => [d.split(" ")[0] ?? "", d.split(" ").slice(1).join(" ")]));
}

describe("pipelab ui: a running run's page refreshes its learning curves", () => {
  const dir = tempDir("pipelab-ui-live-");
  let store: ExperimentStore;
  let ui: UiServer;
  let running: RunId;
  let finished: RunId;

  before(async () => {
    store = ExperimentStore.open(join(dir, "experiments.db"));
    running = store.createRun({ experiment: "live", sourceKind: "script", name: "training" });
    store.logMetrics(running, [0, 1].map((step) => ({ key: "loss", step, value: 1 / (step + 1) })));
    finished = store.createRun({ experiment: "live", sourceKind: "script", name: "done" });
    store.logMetrics(finished, [0, 1, 2].map((step) => ({ key: "loss", step, value: 1 / (step + 1) })));
    store.endRun(finished, "finished");
    ui = await startUi(store);
  });

  after(async () => {
    await ui?.close();
    store?.close();
  });

  it("serves the curves alone at /runs/:id/curves, with the run's status; the fragment changes as points are logged", async () => {
    const first = await getPage(`${ui.url}/runs/${running}/curves`);
    assert.equal(first.status, 200);
    assert.equal(first.headers.get("x-pipelab-run-status"), "running");
    assert.ok(first.document.querySelector('figure[data-chart="curve:loss"] svg'));
    assert.equal(first.document.querySelector("html, body, h1"), null, "a fragment, not a page");
    store.logMetrics(running, [2, 3, 4].map((step) => ({ key: "loss", step, value: 1 / (step + 1) })));
    store.logMetrics(running, [0, 1, 2].map((step) => ({ key: "accuracy", step, value: step / 3 })));
    const second = await getPage(`${ui.url}/runs/${running}/curves`);
    assert.notEqual(second.text, first.text);
    assert.ok(second.document.querySelector('figure[data-chart="curve:accuracy"] svg'), "a metric logged since has its chart");
    assert.equal((await getPage(`${ui.url}/runs/${finished}/curves`)).headers.get("x-pipelab-run-status"), "finished");
    assert.equal((await getPage(`${ui.url}/runs/99999/curves`)).status, 404);
  });

  it("puts the live script only on a running run's page, with the container it refreshes", async () => {
    const live = await getPage(`${ui.url}/runs/${running}`);
    const scripts = Array.from(live.document.querySelectorAll("script"));
    assert.deepEqual(scripts.map((s) => s.getAttribute("src")), ["/static/live.js"]);
    assert.equal(scripts[0]?.textContent, "", "no inline script");
    assert.equal(live.document.querySelector("#curves")?.getAttribute("data-live"), `/runs/${running}/curves`);
    const done = await getPage(`${ui.url}/runs/${finished}`);
    assert.equal(done.document.querySelectorAll("script").length, 0);
    assert.equal(done.document.querySelector("#curves")?.getAttribute("data-live"), null);
    assert.ok(done.document.querySelector('#curves figure[data-chart="curve:loss"] svg'));
  });

  it("allows that one same-origin script and its fetches on a running run's page, and nothing else anywhere", async () => {
    const live = await getPage(`${ui.url}/runs/${running}`);
    assert.deepEqual(directives(live.headers.get("content-security-policy")), { ...directives(STRICT), "script-src": "'self'", "connect-src": "'self'" });
    for (const path of ["/", `/runs/${finished}`, `/runs/${running}/curves`, `/compare?runs=${running},${finished}`, `/diff?a=${running}&b=${finished}`]) {
      const { headers } = await getPage(`${ui.url}${path}`);
      assert.deepEqual(directives(headers.get("content-security-policy")), directives(STRICT), path);
    }
  });

  it("serves the script from this origin as JavaScript: it polls the container's URL and stops when the run is not running", async () => {
    const script = await getPage(`${ui.url}/static/live.js`);
    assert.equal(script.status, 200);
    assert.match(script.headers.get("content-type") ?? "", /^text\/javascript/);
    assert.equal(script.headers.get("x-content-type-options"), "nosniff");
    assert.match(script.text, /data-live/);
    assert.match(script.text, /x-pipelab-run-status/);
    assert.match(script.text, /setTimeout\(tick, 2000\)/);
    assert.doesNotMatch(script.text, /\beval\(|new Function/);
  });
});
