import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ExperimentStore } from "../../src/tracking";
import type { RunId } from "../../src/tracking";
import { startUi } from "../../src/ui";
import type { UiServer } from "../../src/ui";
import { tempDir } from "../helpers/tmp";
import { getPage } from "./pages";

/** Strings that would run, or break out of an attribute, if a page wrote them unescaped. */
const HOSTILE = ["<script>alert(1)</script>", `"'&<>`, "<img src=x onerror=alert(1)>"];
const H = HOSTILE.join(" ");

describe("pipelab ui: every user string is shown as text", () => {
  const dir = tempDir("pipelab-ui-escape-");
  let store: ExperimentStore;
  let ui: UiServer;
  const runs: RunId[] = [];

  before(async () => {
    store = ExperimentStore.open(join(dir, "experiments.db"));
    for (let i = 0; i < 2; i++) {
      const run = store.createRun({ experiment: H, sourceKind: "script", sourcePath: H, name: `${H} ${i}`, tfBackend: H, git: { commit: H, dirty: false } });
      store.logParams(run, { [H]: `${H} ${i}`, lr: i, [`obj ${H}`]: { [H]: H } });
      store.logMetrics(run, [0, 1, 2].flatMap((step) => [{ key: H, step, value: step + i }, { key: `loss ${H}`, step, value: 1 / (step + 1 + i) }]));
      store.setTag(run, H, H);
      store.setNote(run, H);
      store.recordStep(run, { step: H, outcome: "miss", durationMs: 5, reason: H, cacheKey: H });
      store.recordStep(run, { step: `${H} failed`, outcome: "failed", durationMs: 5, error: H });
      // A step whose code changed between the runs, its source full of the strings: the diff page shows it.
      const parts = { step: `code ${H}`, code: `code-${i}`, helpers: { [H]: `helper-${i}` }, modules: {}, packages: {}, inputs: {}, variables: {}, files: {}, format: "f" };
      store.recordStep(run, {
        step: `code ${H}`,
        outcome: "miss",
        durationMs: 5,
        cacheKey: `key ${i}`,
        keyParts: JSON.stringify({ parts, inputs: {}, variables: {}, readFiles: {} }),
        codeSources: { [`code-${i}`]: `() => ${JSON.stringify(`${H} ${i}`)}`, [`helper-${i}`]: `function h() { return "${H}"; }` },
      });
      store.recordArtifact(run, { name: H, kind: H, path: H });
      store.endRun(run, "failed", { error: H, step: H });
      runs.push(run);
    }
    ui = await startUi(store);
  });

  after(async () => {
    await ui?.close();
    store?.close();
  });

  const enc = encodeURIComponent;
  const pages = (): string[] => [
    "/",
    `/experiments/${enc(H)}`,
    `/experiments/${enc(H)}?columns=${enc(`params.${H},metrics.${H}:max,metrics.${H}:min,tags,source,name`)}&sort=${enc(`metrics.${H}:asc`)}`,
    `/?filter=${enc(`params."${H}" = "${H}"`)}`,
    `/?filter=${enc(`${H} and`)}`,
    `/?columns=${enc(H)}`,
    `/?sort=${enc(H)}`,
    `/runs/${runs[0]}`,
    `/runs/${enc(H)}`,
    `/compare?runs=${runs.join(",")}`,
    `/compare?runs=${runs.join(",")}&metric=${enc(H)}`,
    `/compare?runs=${runs.join(",")}&metric=${enc(`loss ${H}`)}`,
    `/compare?runs=${enc(H)}`,
    `/diff?a=${runs[0]}&b=${runs[1]}`,
    `/diff?a=${runs[1]}&b=${runs[0]}`,
    `/diff?a=${enc(H)}&b=${enc(H)}`,
    `/diff?a=${runs[0]}&b=${enc(H)}`,
    `/${enc(H)}`,
  ];

  it("writes no hostile string unescaped on any page", async () => {
    for (const path of pages()) {
      const { status, text, document } = await getPage(`${ui.url}${path}`);
      assert.ok(status < 500, `${path}: ${status}`);
      for (const s of HOSTILE) assert.ok(!text.includes(s), `${path} (${status}) contains ${s} unescaped`);
      assert.equal(document.querySelectorAll("script, img").length, 0, `${path}: an injected element`);
      const handlers = Array.from(document.querySelectorAll("*")).flatMap((e) => Array.from(e.attributes).filter((a) => a.name.startsWith("on")).map((a) => `${e.tagName} ${a.name}`));
      assert.deepEqual(handlers, [], `${path}: an injected event handler`);
    }
  });

  it("shows the strings as text: a run's name, params, tags, note and steps read back as written", async () => {
    const { document } = await getPage(`${ui.url}/runs/${runs[0]}`);
    assert.equal(document.querySelector("h1")?.textContent, `Run #${runs[0]} ${H} 0`);
    assert.equal(document.querySelector(".note")?.textContent, H);
    assert.equal(document.querySelector("#tags th")?.textContent, H);
    assert.equal(document.querySelector("#steps tbody td")?.textContent, H);
    assert.equal(document.querySelectorAll("script").length, 0);
    assert.equal(document.querySelectorAll("img").length, 0);
  });

  it("finds an experiment by a name with slashes, quotes and brackets", async () => {
    const { status, document } = await getPage(`${ui.url}/experiments/${encodeURIComponent(H)}`);
    assert.equal(status, 200);
    assert.equal(document.querySelectorAll("#runs tbody tr").length, 2);
    assert.equal(document.querySelector("h1")?.textContent, `Runs of ${H}`);
    const long = `${"x".repeat(150)}/${H}`;
    store.createRun({ experiment: long, sourceKind: "script" });
    const longPage = await getPage(`${ui.url}/experiments/${encodeURIComponent(long)}`);
    assert.equal(longPage.document.querySelectorAll("#runs tbody tr").length, 1);
  });

  it("shows the diff of two runs with the strings as text: step names, params, metrics and reasons read back as written", async () => {
    const { status, document } = await getPage(`${ui.url}/diff?a=${runs[0]}&b=${runs[1]}`);
    assert.equal(status, 200);
    assert.equal(document.querySelector("#diff-runs tbody tr td:nth-child(3)")?.textContent, `${H} 0`);
    assert.deepEqual(Array.from(document.querySelectorAll("#diff-steps tbody tr th")).map((th) => th.textContent), [H, `${H} failed`, `code ${H}`]);
    const code = document.querySelector("section.code-diff");
    assert.equal(code?.getAttribute("data-step"), `code ${H}`);
    assert.ok(Array.from(code?.querySelectorAll("pre.diff span.added") ?? []).some((span) => span.textContent?.includes(JSON.stringify(`${H} 1`))), "the source shown as written");
    const parts = Array.from(code?.querySelectorAll("pre.diff") ?? []).map((pre) => pre.getAttribute("data-part"));
    assert.deepEqual(parts, ["step", `helper:${H}`], "a helper's name, in an attribute, read back as written");
    assert.ok(document.querySelector("#diff-params tbody th")?.textContent?.includes("<script>"));
    assert.ok(Array.from(document.querySelectorAll("#diff-metrics tbody th")).some((th) => th.textContent === H));
    assert.equal(document.querySelectorAll("script, img").length, 0);
  });

  it("draws the runs' charts with the strings as text", async () => {
    const { document } = await getPage(`${ui.url}/compare?runs=${runs.join(",")}&metric=${enc(`loss ${H}`)}`);
    assert.ok(document.querySelector('figure[data-chart="learning-curves"] svg'));
    assert.equal(document.querySelectorAll("script, img").length, 0);
  });
});
