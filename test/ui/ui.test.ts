import assert from "node:assert/strict";
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ExperimentStore, FilterError, compileFilter } from "../../src/tracking";
import type { RunId } from "../../src/tracking";
import { UiError, startUi } from "../../src/ui";
import type { UiServer } from "../../src/ui";
import { tempDir } from "../helpers/tmp";
import { column, getPage, getWithHost, headers, linkTo, rowIds } from "./pages";
import { fillRuns, finalAccuracy, lossRange } from "./runs-fixture";

const RUNS = 230;

describe("pipelab ui: the pages over real HTTP, from a real store", () => {
  const dir = tempDir("pipelab-ui-");
  let store: ExperimentStore;
  let ui: UiServer;
  let ids: RunId[];
  let other: RunId;

  before(async () => {
    store = ExperimentStore.open(join(dir, "experiments.db"));
    ids = fillRuns(store, { runs: RUNS });
    other = store.createRun({ experiment: "baseline", sourceKind: "notebook", name: "the baseline" });
    store.endRun(other, "finished");
    ui = await startUi(store);
  });

  after(async () => {
    await ui?.close();
    store?.close();
  });

  describe("the runs page", () => {
    it("lists the experiments with their run counts, each a link", async () => {
      const { document } = await getPage(`${ui.url}/`);
      assert.equal(linkTo(document, "sweep"), "/experiments/sweep");
      assert.equal(linkTo(document, "baseline"), "/experiments/baseline");
      assert.equal(linkTo(document, "All runs"), "/");
    });

    it("renders one page of runs, newest first, with links to the next pages", async () => {
      const { status, document } = await getPage(`${ui.url}/experiments/sweep`);
      assert.equal(status, 200);
      assert.deepEqual(rowIds(document), ids.slice(-50).reverse());
      assert.match(document.querySelector(".pager")?.textContent ?? "", /page 1 of 5 \(230 runs\)/);
      assert.equal(linkTo(document, "next"), "/experiments/sweep?page=2");
      const last = await getPage(`${ui.url}${linkTo(document, "last")}`);
      assert.deepEqual(rowIds(last.document), ids.slice(0, 30).reverse());
    });

    it("takes the page size from the URL, up to 500", async () => {
      const { document } = await getPage(`${ui.url}/experiments/sweep?size=20&page=2`);
      assert.deepEqual(rowIds(document), ids.slice(-40, -20).reverse());
      assert.equal((await getPage(`${ui.url}/?size=501`)).status, 400);
    });

    it("filters with the filter language", async () => {
      const filter = "metrics.accuracy > 0.9 and params.lr < 0.1";
      const { document } = await getPage(`${ui.url}/?filter=${encodeURIComponent(filter)}&size=500`);
      const expected = ids.filter((_, i) => finalAccuracy(i) > 0.9 && [0.001, 0.01].includes([0.001, 0.01, 0.1, 0.3][i % 4] as number));
      assert.ok(expected.length > 5);
      assert.deepEqual(rowIds(document), [...expected].reverse());
      assert.equal(store.countRuns({ filter }), expected.length);
    });

    it("shows a bad filter's error with the caret under the bad position, and no table", async () => {
      const filter = "metrics.accuracy > and status = 'finished'";
      const { document } = await getPage(`${ui.url}/?filter=${encodeURIComponent(filter)}`);
      assert.equal(document.querySelector("#runs"), null);
      const box = document.querySelector("#view-error");
      let expected = -1;
      try {
        compileFilter(filter);
      } catch (error) {
        if (error instanceof FilterError) expected = error.position;
      }
      assert.ok(expected > 0);
      assert.equal(box?.getAttribute("data-position"), String(expected));
      const lines = (box?.textContent ?? "").split("\n");
      const at = lines.findIndex((l) => l.trim() === filter);
      assert.ok(at >= 0, `the expression is shown: ${lines.join(" / ")}`);
      const caretLine = lines[at + 1] ?? "";
      assert.equal(caretLine.indexOf("^") - (lines[at] as string).indexOf(filter), expected);
      // The form keeps the filter, to be corrected.
      assert.equal(document.querySelector("input[name=filter]")?.getAttribute("value"), filter);
    });

    it("sorts by a final metric either way, and by start time oldest first across pages", async () => {
      const desc = await getPage(`${ui.url}/experiments/sweep?sort=metrics.accuracy:desc&columns=metrics.accuracy`);
      const values = column(desc.document, "metrics.accuracy").map(Number);
      assert.deepEqual(values, [...values].sort((a, b) => b - a));
      assert.equal(values[0], Math.max(...ids.map((_, i) => finalAccuracy(i))));
      const asc = await getPage(`${ui.url}/experiments/sweep?sort=metrics.accuracy:asc&columns=metrics.accuracy`);
      assert.equal(Number(column(asc.document, "metrics.accuracy")[0]), Math.min(...ids.map((_, i) => finalAccuracy(i))));
      const oldest = await getPage(`${ui.url}/experiments/sweep?sort=started:asc`);
      assert.deepEqual(rowIds(oldest.document), ids.slice(0, 50));
      const next = await getPage(`${ui.url}${linkTo(oldest.document, "next")}`);
      assert.deepEqual(rowIds(next.document), ids.slice(50, 100));
    });

    it("sorts from a column header, whose link flips the direction and keeps the view", async () => {
      const { document } = await getPage(`${ui.url}/experiments/sweep?filter=params.model%20%3D%20%22mlp%22&columns=params.lr,metrics.accuracy`);
      const links = Array.from(document.querySelectorAll("#runs thead th a")).map((a) => new URL(a.getAttribute("href") ?? "", ui.url));
      assert.deepEqual(links.map((u) => u.searchParams.get("sort")), ["params.lr:desc", "metrics.accuracy:desc"], "every column sorts");
      const url = links[1] as URL;
      assert.equal(url.searchParams.get("filter"), 'params.model = "mlp"');
      assert.equal(url.searchParams.get("columns"), "params.lr,metrics.accuracy");
      const sorted = await getPage(url.href);
      const flip = new URL(sorted.document.querySelector("#runs thead th[aria-sort] a")?.getAttribute("href") ?? "", ui.url);
      assert.equal(flip.searchParams.get("sort"), "metrics.accuracy:asc");
    });

    it("sorts by a param, by name, by duration and by a metric's lowest value, and refuses a sort it does not know, saying which it does", async () => {
      const byLr = await getPage(`${ui.url}/experiments/sweep?sort=params.lr:asc&columns=params.lr&size=500`);
      const lrs = column(byLr.document, "params.lr").map(Number);
      assert.deepEqual(lrs, [...lrs].sort((a, b) => a - b));
      const byName = await getPage(`${ui.url}/experiments/sweep?sort=name:asc&columns=name&size=500`);
      const names = column(byName.document, "name");
      assert.deepEqual(names, [...names].sort((a, b) => (a.toLowerCase() < b.toLowerCase() ? -1 : a.toLowerCase() > b.toLowerCase() ? 1 : 0)));
      assert.equal((await getPage(`${ui.url}/experiments/sweep?sort=duration&columns=duration`)).status, 200);
      const byMin = await getPage(`${ui.url}/experiments/sweep?sort=metrics.loss:min:asc&columns=metrics.loss:min&size=500`);
      const mins = column(byMin.document, "metrics.loss:min").filter((v) => v !== "").map(Number);
      assert.ok(mins.length > 0);
      assert.deepEqual(mins, [...mins].sort((a, b) => a - b));
      const { status, text } = await getPage(`${ui.url}/?sort=tags`);
      assert.equal(status, 400);
      assert.match(text, /invalid sort: &#34;tags&#34;; sort by started, duration, name, experiment, status, source, params.KEY or metrics.KEY/);
    });

    it("shows the columns the URL asks for, metrics as last, min or max", async () => {
      const columns = "params.lr,metrics.loss,metrics.loss:min,metrics.loss:max,status,tags";
      const { document } = await getPage(`${ui.url}/experiments/sweep?columns=${encodeURIComponent(columns)}&size=10`);
      assert.deepEqual(headers(document), ["Compare", "run", ...columns.split(",")]);
      const i = ids.length - 1; // the newest run, first row
      const { min, max } = lossRange(i);
      assert.ok(Math.abs(Number(column(document, "metrics.loss:min")[0]) - min) < 1e-5);
      assert.ok(Math.abs(Number(column(document, "metrics.loss:max")[0]) - max) < 1e-5);
      assert.notEqual(column(document, "metrics.loss")[0], column(document, "metrics.loss:min")[0]);
      assert.equal(column(document, "params.lr")[0], String([0.001, 0.01, 0.1, 0.3][i % 4]));
      assert.equal(column(document, "status")[0], "finished");
      // The pager keeps the column choice.
      assert.equal(new URL(linkTo(document, "next") ?? "", ui.url).searchParams.get("columns"), columns);
    });

    it("without chosen columns shows status, duration, source, tags and the page's params and metrics", async () => {
      const { document } = await getPage(`${ui.url}/experiments/sweep?size=10`);
      const head = headers(document);
      for (const h of ["name", "status", "started", "duration", "source", "tags", "params.lr", "params.model", "metrics.accuracy", "metrics.loss"]) assert.ok(head.some((x) => x.startsWith(h)), `${h} in ${head.join(" | ")}`);
      assert.equal(column(document, "source")[0], "script: train.ts");
    });

    it("has checkboxes in a GET form to the compare view", async () => {
      const { document } = await getPage(`${ui.url}/?size=5`);
      const form = document.querySelector("form.pick");
      assert.equal(form?.getAttribute("method"), "get");
      assert.equal(form?.getAttribute("action"), "/compare");
      assert.equal(form?.querySelectorAll("input[type=checkbox][name=runs]").length, 5);
    });
  });

  describe("the run page", () => {
    let run: RunId;
    let cachedFrom: RunId;

    before(() => {
      cachedFrom = ids[0] as RunId;
      run = store.createRun({ experiment: "sweep", sourceKind: "notebook", sourcePath: "notebooks/train.ipynb", name: "detailed", tfBackend: "cpu", git: { commit: "0123abcd", dirty: true } });
      store.logParams(run, { lr: 0.05, layers: [16, 8] });
      store.logMetrics(run, [0, 1, 2, 3].flatMap((step) => [{ key: "loss", step, value: 1 / (step + 1) }, { key: "val_loss", step, value: 1.2 / (step + 1) }]));
      store.setTag(run, "owner", "ada");
      store.setNote(run, "a promising one");
      store.recordStep(run, { step: "load", outcome: "hit", tier: "disk", sourceRunId: cachedFrom, durationMs: 3, cacheKey: "k1" });
      store.recordStep(run, { step: "train", outcome: "miss", durationMs: 1200, reason: "param lr changed (0.01 -> 0.05)", outputBytes: 2048 });
      mkdirSync(join(dir, "charts"));
      writeFileSync(join(dir, "charts", "loss.svg"), '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>');
      symlinkSync("/etc/hostname", join(dir, "charts", "escape.txt"));
      store.recordArtifact(run, { name: "loss chart", kind: "chart", path: join(dir, "charts", "loss.svg") });
      store.recordArtifact(run, { name: "outside", kind: "file", path: "/etc/hostname" });
      store.recordArtifact(run, { name: "a link out", kind: "file", path: "charts/escape.txt" });
      store.endRun(run, "finished");
    });

    it("shows params, final metrics, tags, note, environment, steps, artifacts and learning curves", async () => {
      const { status, document } = await getPage(`${ui.url}/runs/${run}`);
      assert.equal(status, 200);
      const table = (id: string): Record<string, string> =>
        Object.fromEntries(Array.from(document.querySelectorAll(`#${id} tr`)).map((tr) => [tr.querySelector("th")?.textContent ?? "", tr.querySelector("td")?.textContent ?? ""]));
      assert.deepEqual(table("params"), { layers: "[16,8]", lr: "0.05" });
      assert.deepEqual(table("metrics"), { loss: "0.25", val_loss: "0.3" });
      assert.deepEqual(table("tags"), { owner: "ada" });
      assert.equal(document.querySelector(".note")?.textContent, "a promising one");
      const facts = Object.fromEntries(Array.from(document.querySelectorAll("dl.facts dt")).map((dt) => [dt.textContent, dt.nextElementSibling?.textContent]));
      assert.equal(facts["git commit"], "0123abcd (dirty: uncommitted changes)");
      assert.equal(facts["tf backend"], "cpu");
      assert.equal(facts.source, "notebook: notebooks/train.ipynb");
      assert.ok((facts.node ?? "").startsWith("v"));
      const steps = Array.from(document.querySelectorAll("#steps tbody tr")).map((tr) => Array.from(tr.children).map((td) => (td.textContent ?? "").trim()));
      assert.deepEqual(steps[0]?.slice(0, 3), ["load", "cached", "disk"]);
      assert.equal(steps[0]?.[5], `#${cachedFrom}`);
      assert.equal(document.querySelector(`#steps a[href="/runs/${cachedFrom}"]`) !== null, true);
      assert.deepEqual([steps[1]?.[0], steps[1]?.[1], steps[1]?.[6]], ["train", "computed", "param lr changed (0.01 -> 0.05)"]);
      assert.deepEqual(Array.from(document.querySelectorAll("#artifacts tbody tr td:first-child")).map((td) => td.textContent), ["loss chart", "outside", "a link out"]);
      const curves = document.querySelectorAll("figure[data-chart] svg");
      assert.ok(curves.length >= 1, "a learning-curve chart");
      assert.ok(document.querySelector('figure[data-chart="curve:loss"] .learning-curve'), "loss and val_loss drawn in one chart");
      assert.equal(document.querySelector('figure[data-chart="curve:val_loss"]'), null);
    });

    it("links the artifact files inside the project and sends them sandboxed; refuses files outside it, links included", async () => {
      const { document } = await getPage(`${ui.url}/runs/${run}`);
      const links = Array.from(document.querySelectorAll("#artifacts a")).map((a) => a.getAttribute("href"));
      assert.deepEqual(links, [`/runs/${run}/artifacts/0`]);
      const svg = await getPage(`${ui.url}/runs/${run}/artifacts/0`);
      assert.equal(svg.status, 200);
      assert.equal(svg.headers.get("content-type"), "image/svg+xml");
      assert.match(svg.headers.get("content-security-policy") ?? "", /sandbox/);
      assert.equal((await getPage(`${ui.url}/runs/${run}/artifacts/1`)).status, 404);
      assert.equal((await getPage(`${ui.url}/runs/${run}/artifacts/2`)).status, 404);
      assert.equal((await getPage(`${ui.url}/runs/${run}/artifacts/9`)).status, 404);
    });

    it("answers 404 for a run the store does not have", async () => {
      assert.equal((await getPage(`${ui.url}/runs/999999`)).status, 404);
      assert.equal((await getPage(`${ui.url}/runs/abc`)).status, 404);
      assert.equal((await getPage(`${ui.url}/nowhere`)).status, 404);
    });
  });

  describe("the compare view", () => {
    it("highlights the params that differ and marks each metric's best value (lowest loss, highest accuracy)", async () => {
      const picked = [ids[0], ids[1], ids[4]] as RunId[]; // lr 0.001, 0.01, 0.001; model mlp, cnn, cnn; batch 32 in all
      const { status, document } = await getPage(`${ui.url}/compare?runs=${picked.join(",")}`);
      assert.equal(status, 200);
      assert.deepEqual(rowIds(document, "compare"), [...picked].sort((a, b) => b - a));
      const differs = Array.from(document.querySelectorAll("#compare thead th.differs")).map((th) => th.getAttribute("data-param"));
      assert.deepEqual(differs.sort(), ["lr", "model", "seed"]);
      assert.equal(document.querySelector('#compare thead th[data-param="batch"]')?.classList.contains("differs"), false);
      const bestRow = (metric: string): number => {
        const index = headers(document, "compare").findIndex((h) => h.startsWith(`metrics.${metric} `));
        const rows = Array.from(document.querySelectorAll("#compare tbody tr")).filter((tr) => tr.children[index]?.classList.contains("best"));
        assert.equal(rows.length, 1, `one best ${metric}`);
        return Number(rows[0]?.getAttribute("data-run"));
      };
      const accuracies = picked.map((id) => store.runDetails(id)?.metrics.accuracy as number);
      const losses = picked.map((id) => store.runDetails(id)?.metrics.loss as number);
      assert.equal(bestRow("accuracy"), picked[accuracies.indexOf(Math.max(...accuracies))]);
      assert.equal(bestRow("loss"), picked[losses.indexOf(Math.min(...losses))]);
    });

    it("takes runs as a checkbox form sends them, and draws learning curves, param-vs-metric and parallel coordinates", async () => {
      const picked = ids.slice(0, 12);
      const { document } = await getPage(`${ui.url}/compare?${picked.map((id) => `runs=${id}`).join("&")}&metric=loss`);
      assert.equal(rowIds(document, "compare").length, 12);
      for (const chart of ["learning-curves", "param-vs-metric", "parallel-coordinates"]) {
        assert.ok(document.querySelector(`figure[data-chart="${chart}"] svg`), `${chart} drawn`);
      }
      assert.equal(document.querySelectorAll('figure[data-chart="learning-curves"] .learning-curve path').length > 0, true);
      assert.equal(document.querySelector("select[name=metric] option[selected]")?.textContent, "loss");
    });

    it("compares more than 100 runs", async () => {
      const { status, document } = await getPage(`${ui.url}/compare?runs=${ids.slice(0, 120).join(",")}&metric=accuracy`);
      assert.equal(status, 200);
      assert.equal(rowIds(document, "compare").length, 120);
      assert.ok(document.querySelector('figure[data-chart="learning-curves"] svg'));
    });

    it("refuses run ids that are not numbers", async () => {
      assert.equal((await getPage(`${ui.url}/compare?runs=1,x`)).status, 400);
    });

    it("draws the learning curves on a log scale and against wall time when asked, and refuses other axes", async () => {
      const { status, document } = await getPage(`${ui.url}/compare?runs=${ids.slice(0, 5).join(",")}&metric=loss&scale=log&x=time`);
      assert.equal(status, 200);
      const curves = document.querySelector('figure[data-chart="learning-curves"]');
      assert.match(curves?.textContent ?? "", /\(log\)/);
      assert.match(curves?.textContent ?? "", /seconds since the first point/);
      assert.equal(document.querySelector("select[name=scale] option[selected]")?.getAttribute("value"), "log");
      assert.equal(document.querySelector("select[name=x] option[selected]")?.getAttribute("value"), "time");
      assert.equal((await getPage(`${ui.url}/compare?runs=1,2&scale=cubic`)).status, 400);
      assert.equal((await getPage(`${ui.url}/compare?runs=1,2&x=epochs`)).status, 400);
    });
  });

  describe("security", () => {
    it("sends pages that run no script", async () => {
      const { headers: h } = await getPage(`${ui.url}/`);
      assert.match(h.get("content-security-policy") ?? "", /default-src 'none'/);
      assert.doesNotMatch(h.get("content-security-policy") ?? "", /script-src/);
    });

    it("on loopback, refuses requests that name another host (DNS rebinding)", async () => {
      assert.equal(await getWithHost(`${ui.url}/`, "evil.example:80"), 403);
      assert.equal(await getWithHost(`${ui.url}/`, `localhost:${ui.port}`), 200);
    });

    it("off loopback, needs the token: from the link (then kept in a cookie), or as a bearer header", async () => {
      const token = "a-token-of-sixteen-chars-or-more";
      const open = await startUi(store, { host: "0.0.0.0", token });
      try {
        const base = `http://127.0.0.1:${open.port}`;
        assert.equal(open.openUrl, `http://0.0.0.0:${open.port}/?token=${token}`);
        assert.equal((await getPage(`${base}/`)).status, 403);
        assert.equal((await getPage(`${base}/?token=wrong-token-wrong-token`)).status, 403);
        const redirect = await getPage(`${base}/experiments/sweep?token=${token}&page=2`);
        assert.equal(redirect.status, 303);
        assert.equal(redirect.headers.get("location"), "/experiments/sweep?page=2");
        const cookie = (redirect.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
        assert.match(redirect.headers.get("set-cookie") ?? "", /HttpOnly; SameSite=Strict/);
        assert.equal((await getPage(`${base}/experiments/sweep?page=2`, { cookie })).status, 200);
        assert.equal((await getPage(`${base}/`, { authorization: `Bearer ${token}` })).status, 200);
        assert.equal((await getPage(`${base}/`, { authorization: "Bearer nope" })).status, 403);
      } finally {
        await open.close();
      }
    });

    it("makes a token off loopback when none is given", async () => {
      const open = await startUi(store, { host: "0.0.0.0" });
      try {
        assert.equal(open.tokenGenerated, true);
        assert.ok((open.token ?? "").length >= 32);
      } finally {
        await open.close();
      }
    });

    it("refuses a bad port with a UiError", async () => {
      await assert.rejects(startUi(store, { port: 70000 }), UiError);
    });
  });
});
