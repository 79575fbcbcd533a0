import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ExperimentStore, diffRuns } from "../../src/tracking";
import type { RunDiff, RunId } from "../../src/tracking";
import { startUi } from "../../src/ui";
import type { UiServer } from "../../src/ui";
import { tempDir } from "../helpers/tmp";
import { runPipeline } from "./diff-pipeline";
import { getPage, linkTo } from "./pages";

/** The rows of a table as lists of cell texts (header cell first). */
function rows(document: Document, selector: string): string[][] {
  return Array.from(document.querySelectorAll(`${selector} > tbody > tr`)).map((tr) => Array.from(tr.children).map((td) => (td.textContent ?? "").replace(/\s+/g, " ").trim()));
}

describe("pipelab ui: the diff of two runs (/diff?a=1&b=2)", () => {
  const dir = tempDir("pipelab-ui-diff-");
  let store: ExperimentStore;
  let ui: UiServer;
  let a: RunId;
  let b: RunId;
  let diff: RunDiff;

  before(async () => {
    a = await runPipeline(dir, 1);
    b = await runPipeline(dir, 2);
    store = ExperimentStore.open(join(dir, "experiments.db"));
    diff = diffRuns(store, a, b);
    ui = await startUi(store);
  });

  after(async () => {
    await ui?.close();
    store?.close();
  });

  it("shows the params that differ, old -> new, as JSON", async () => {
    const { status, document } = await getPage(`${ui.url}/diff?a=${a}&b=${b}`);
    assert.equal(status, 200);
    assert.deepEqual(rows(document, "#diff-params"), [
      ["lr", "0.01", "→", "0.1"],
      ["epochs", "5", "→", "not set"],
      ["seed", "not set", "→", "7"],
    ]);
  });

  it("shows the final metrics that differ with their delta, and those of one run only", async () => {
    const { document } = await getPage(`${ui.url}/diff?a=${a}&b=${b}`);
    assert.deepEqual(rows(document, "#diff-metrics"), [
      ["accuracy", "0.9", "0.95", "+0.05"],
      ["loss", "0.3", "not logged", ""],
    ]);
  });

  it("shows each step: how each run got it, whether its key differs, and why in words (files with both hashes)", async () => {
    const { document } = await getPage(`${ui.url}/diff?a=${a}&b=${b}`);
    const steps = Object.fromEntries(rows(document, "#diff-steps").map((r) => [r[0], r.slice(1)]));
    assert.deepEqual(Object.keys(steps), diff.steps.map((s) => s.step));
    assert.deepEqual(steps.load?.slice(0, 3), ["computed", `cached (${diff.steps[0]?.b?.tier}) from #${a}`, "same"]);
    assert.ok(document.querySelector(`#diff-steps tr[data-step="load"] a[href="/runs/${a}"]`));
    assert.deepEqual(steps.features?.slice(0, 3), ["computed", "computed", "differs"]);
    assert.deepEqual(
      Array.from(document.querySelectorAll('#diff-steps tr[data-step="features"] .reasons li')).map((li) => li.textContent),
      ["code changed", "helper twice removed", "helper thrice added"],
    );
    assert.equal(document.querySelector('#diff-steps tr[data-step="features"] a[href="#code-features"]')?.textContent, "the code that changed");
    assert.equal(steps.train?.[2], "differs");
    assert.ok(steps.train?.[3]?.includes("param lr changed (0.01 -> 0.1)"));
    assert.ok(steps.train?.[3]?.includes("input features changed (step features produced a different output)"));
    assert.deepEqual(steps.report, ["computed", "did not run", "", `only in run #${a}`]);
    const read = diff.steps.find((s) => s.step === "read");
    const file = read?.files[0];
    assert.ok(file?.a && file.b);
    const hashes = Array.from(document.querySelectorAll('#diff-steps tr[data-step="read"] table.files code')).map((c) => c.textContent);
    assert.deepEqual(hashes, [file.a, file.b], "both full hashes of the file read");
    assert.match(document.querySelector('#diff-steps tr[data-step="read"] .reasons')?.textContent ?? "", /file read .*notes\.txt changed/);
  });

  it("shows the code of a step that changed as a line diff, with the helpers it stopped and started calling", async () => {
    const { document } = await getPage(`${ui.url}/diff?a=${a}&b=${b}`);
    const sections = Array.from(document.querySelectorAll("section.code-diff")).map((s) => s.getAttribute("data-step"));
    assert.deepEqual(sections, ["features"], "only the step whose code changed");
    const lines = (part: string): string[] =>
      Array.from(document.querySelectorAll(`section#code-features pre.diff[data-part="${part}"] span`)).map((span) => `${span.className} ${span.textContent}`);
    const step = lines("step");
    assert.match(step[0] ?? "", /^hunk @@ -1,\d+ \+1,\d+ @@$/);
    assert.ok(step.some((l) => /^removed -.*twice\(x\)/.test(l)), step.join("\n"));
    assert.ok(step.some((l) => /^added \+.*thrice\(x\)/.test(l)), step.join("\n"));
    assert.ok(step.some((l) => /^same  *return scaled;/.test(l)), `unchanged lines are kept as context:\n${step.join("\n")}`);
    assert.ok(lines("helper:thrice").every((l) => !l.startsWith("removed")) && lines("helper:thrice").some((l) => /x \* 3/.test(l)), "a helper only run b calls: all added");
    assert.ok(lines("helper:twice").every((l) => !l.startsWith("added")) && lines("helper:twice").some((l) => /x \* 2/.test(l)), "a helper only run a calls: all removed");
  });

  it("shows the environment fields that differ, or says it is the same", async () => {
    const same = await getPage(`${ui.url}/diff?a=${a}&b=${b}`);
    assert.equal(same.document.querySelector("#diff-environment"), null);
    const x = store.createRun({ experiment: "env", sourceKind: "script", git: { commit: "abc123", dirty: false } });
    const y = store.createRun({ experiment: "env", sourceKind: "script", git: { commit: "def456", dirty: true }, tfBackend: "tfjs-node" });
    const { document } = await getPage(`${ui.url}/diff?a=${x}&b=${y}`);
    assert.deepEqual(rows(document, "#diff-environment"), [
      ["git commit", "abc123", "→", "def456"],
      ["uncommitted changes", "no", "→", "yes"],
      ["tf backend", "unknown", "→", "tfjs-node"],
    ]);
  });

  it("answers 404 for a run the store does not have, and 400 for an id that is not one", async () => {
    const missing = await getPage(`${ui.url}/diff?a=${a}&b=99999`);
    assert.equal(missing.status, 404);
    assert.match(missing.document.querySelector("main")?.textContent ?? "", /no run 99999/);
    assert.equal((await getPage(`${ui.url}/diff?a=${a}`)).status, 400);
    assert.equal((await getPage(`${ui.url}/diff?a=x&b=${b}`)).status, 400);
  });

  it("is linked from the compare view of exactly two runs, older run first", async () => {
    const two = await getPage(`${ui.url}/compare?runs=${b},${a}`);
    assert.equal(linkTo(two.document, "diff these two"), `/diff?a=${a}&b=${b}`);
    const one = await getPage(`${ui.url}/compare?runs=${a}`);
    assert.equal(linkTo(one.document, "diff these two"), undefined);
  });

  it("is reached from a run's page by a GET form with the other run's id", async () => {
    const { document } = await getPage(`${ui.url}/runs/${a}`);
    const form = document.querySelector("form.diff-with");
    assert.equal(form?.getAttribute("action"), "/diff");
    assert.equal(form?.getAttribute("method"), "get");
    assert.equal(form?.querySelector('input[name="a"]')?.getAttribute("value"), String(a));
    assert.ok(form?.querySelector('input[name="b"]'));
    // What the form sends, typed with a leading "#" as the pages show run ids.
    assert.equal((await getPage(`${ui.url}/diff?a=${a}&b=%23${b}`)).status, 200);
  });
});
