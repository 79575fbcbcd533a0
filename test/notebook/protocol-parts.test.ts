import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { History } from "../../src/notebook/history";
import { pagerTarget } from "../../src/notebook/pager";
import { WireError, encodeMessage, messageFor, parseMessage } from "../../src/notebook/wire";
import type { KernelMessage } from "../../src/notebook/wire";

// The parts of the kernel's Jupyter protocol that need no kernel: the wire format, the
// history's queries and the help syntax. The whole is checked by test/kernel/.

const request: KernelMessage = {
  identities: [Buffer.from("client-1")],
  header: { msg_id: "m1", session: "s1", username: "u", date: "2026-11-29T00:00:00Z", msg_type: "execute_request", version: "5.3" },
  parent: {},
  metadata: {},
  content: { code: "1 + 1" },
  buffers: [],
};

describe("the wire format", () => {
  it("signs a reply that parses back, with its parent and routing identity", () => {
    const reply = messageFor(request, "execute_reply", { status: "ok", execution_count: 1 });
    const back = parseMessage("secret", encodeMessage("secret", reply));
    assert.deepEqual(back.identities.map(String), ["client-1"]);
    assert.equal(back.header.msg_type, "execute_reply");
    assert.equal(back.parent.msg_id, "m1");
    assert.equal(back.header.session, "s1");
    assert.deepEqual(back.content, { status: "ok", execution_count: 1 });
  });

  it("refuses a message signed with another key, or without the delimiter", () => {
    const frames = encodeMessage("secret", request);
    assert.throws(() => parseMessage("other", frames), WireError);
    assert.throws(() => parseMessage("secret", frames.filter((f) => f.toString() !== "<IDS|MSG>")), /delimiter/);
  });

  it("leaves messages unsigned when the key is empty", () => {
    const frames = encodeMessage("", request);
    assert.equal(frames[2]?.toString(), "");
    assert.equal(parseMessage("", frames).content.code, "1 + 1");
  });
});

describe("the kernel's history", () => {
  const history = new History();
  ["a = 1", "6 * 7", "b = 2", "6 * 7", "60 * 2"].forEach((code, i) => history.add(i + 1, code));
  history.setOutput(2, "42");
  history.setOutput(4, "42");

  it("gives the last n inputs (tail), with outputs when asked", () => {
    assert.deepEqual(history.query({ hist_access_type: "tail", n: 2 }), [
      [1, 4, "6 * 7"],
      [1, 5, "60 * 2"],
    ]);
    assert.deepEqual(history.query({ hist_access_type: "tail", n: 1, output: true }), [[1, 5, ["60 * 2", null]]]);
    assert.deepEqual(history.query({ hist_access_type: "tail", n: 4, output: true })[0], [1, 2, ["6 * 7", "42"]]);
  });

  it("gives a range of this session's lines, stop excluded; other sessions are empty", () => {
    assert.deepEqual(
      history.query({ hist_access_type: "range", session: 0, start: 2, stop: 4 }).map((h) => h[1]),
      [2, 3],
    );
    assert.deepEqual(history.query({ hist_access_type: "range", session: 1, start: 4 }).map((h) => h[1]), [4, 5]);
    assert.deepEqual(history.query({ hist_access_type: "range", session: -1 }), []);
  });

  it("searches with a glob, unique and last n", () => {
    assert.deepEqual(history.query({ hist_access_type: "search", pattern: "6*" }).map((h) => h[1]), [2, 4, 5]);
    assert.deepEqual(history.query({ hist_access_type: "search", pattern: "6*", unique: true }).map((h) => h[1]), [4, 5]);
    assert.deepEqual(history.query({ hist_access_type: "search", pattern: "6*", n: 1 }).map((h) => h[1]), [5]);
    assert.deepEqual(history.query({ hist_access_type: "search", pattern: "? = ?" }).map((h) => h[1]), [1, 3]);
    assert.deepEqual(history.query({ hist_access_type: "search", pattern: "(a" }), [], "regex characters are literal");
  });
});

describe("the help syntax", () => {
  it("asks about a name before or after one or two question marks", () => {
    assert.equal(pagerTarget("?Math.max"), "Math.max");
    assert.equal(pagerTarget("  wb.step?? "), "wb.step");
    assert.equal(pagerTarget("loadDataset?"), "loadDataset");
  });

  it("leaves code alone: optional chaining, ternaries, nullish coalescing", () => {
    for (const code of ["a?.b", "x ? 1 : 2", "a ?? b", "const q = 1;", "?"]) assert.equal(pagerTarget(code), undefined, code);
  });
});
