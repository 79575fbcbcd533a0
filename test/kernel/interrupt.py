"""Interrupts the real pipelab kernel during long steps, as a person pressing Jupyter's stop button.

Usage: python3 interrupt.py CWD RESULT.json

Runs, in one kernel started by jupyter_client in CWD:
  setup      a workbench, a cached data step and a small training set
  train      a step training for 100,000 epochs; interrupted (interrupt_kernel(), a signal)
             once its progress display shows an epoch
  after      the data step again (must come from the memory cache), and what the store says
  read       a step reading a big CSV (CWD/big.csv); interrupted 1 s into the read
  message    the training step again, stopped by an interrupt_request on the control channel
  last       `1 + 1`: the kernel is still usable

RESULT.json: {name: {"status", "outputs": [{type, name?, text?, mime?, ename?, evalue?}], "interrupt_to_reply_s"?}}.
The result goes to a file, never to stdout: on a busy machine other processes may write there.
"""
import json
import os
import queue
import sys
import time

from jupyter_client.manager import KernelManager

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "helpers"))
from run_passes import output_of  # noqa: E402

SETUP = """
import { Workbench, trainModel } from "pipelab";
const wb = await Workbench.open({ experiment: "interrupts" });
const data = await wb.step("data", () => {
  const x: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < 400; i++) { const a = (i * 37) % 100 / 100, b = (i * 61) % 100 / 100; x.push([a, b]); y.push(a + b > 1 ? 1 : 0); }
  return { x, y };
});
data.y.length
"""

TRAIN = """
const trained = await wb.step("train", { data }, ({ data }) =>
  trainModel({ x: data.x, y: data.y }, { task: "classification", hidden: [16], epochs: 100000, batchSize: 8, seed: 1 }),
);
"""

AFTER = """
const again = await wb.step("data", () => {
  const x: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < 400; i++) { const a = (i * 37) % 100 / 100, b = (i * 61) % 100 / 100; x.push([a, b]); y.push(a + b > 1 ? 1 : 0); }
  return { x, y };
});
const steps = wb.store.stepExecutions(wb.runId).map((s) => `${s.step}:${s.outcome}`);
const cached = Object.keys(wb.cache.report().byStep);
console.log(JSON.stringify({ steps, cached, memory: wb.cache.report().memory.entries }));
"""

READ = """
import { readCsv } from "pipelab";
import { writeFileSync } from "node:fs";
// A file, not a print: output waits for the event loop, which a synchronous read holds.
writeFileSync("reading.flag", "");
const big = await wb.step("read", () => readCsv("big.csv"));
"""

LAST = "1 + 1"


def run(kc, code, interrupt=None, timeout=600):
    """Executes code; `interrupt(msg)` is called for each iopub message until it returns True, then the kernel is interrupted."""
    msg_id = kc.execute(code)
    outputs = []
    started = time.monotonic()
    interrupted_at = None
    done = False
    while not done:
        try:
            msg = kc.get_iopub_msg(timeout=0.2)
        except queue.Empty:
            msg = None
        if msg is not None and msg["parent_header"].get("msg_id") == msg_id:
            kind = msg["msg_type"]
            if kind in ("stream", "display_data", "update_display_data", "execute_result", "error"):
                outputs.append(output_of({"output_type": kind, **msg["content"]}))
            if kind == "status" and msg["content"]["execution_state"] == "idle":
                done = True
        if interrupt is not None and interrupted_at is None and interrupt(msg, time.monotonic() - started):
            interrupted_at = time.monotonic()
        if time.monotonic() - started > timeout:
            raise TimeoutError(f"no reply in {timeout} s to:\n{code}")
    reply = kc.get_shell_msg(timeout=30)
    while reply["parent_header"].get("msg_id") != msg_id:
        reply = kc.get_shell_msg(timeout=30)
    result = {"status": reply["content"]["status"], "outputs": outputs}
    if interrupted_at is not None:
        result["interrupt_to_reply_s"] = time.monotonic() - interrupted_at
    return result


def main(cwd, result_path):
    km = KernelManager(kernel_name="pipelab")
    km.start_kernel(cwd=cwd)
    kc = km.client()
    kc.start_channels()
    kc.wait_for_ready(timeout=120)
    results = {}

    def save():
        with open(result_path + ".tmp", "w") as f:
            json.dump(results, f, indent=1)
        os.replace(result_path + ".tmp", result_path)

    def when_training(msg, _elapsed):
        # Once the progress display shows an epoch, the step is deep in its training loop.
        if msg is None or msg["msg_type"] not in ("display_data", "update_display_data"):
            return False
        if "epoch" not in msg["content"].get("data", {}).get("text/plain", ""):
            return False
        km.interrupt_kernel()
        return True

    def by_message(msg, elapsed):
        if msg is None or msg["msg_type"] not in ("display_data", "update_display_data"):
            return False
        if "epoch" not in msg["content"].get("data", {}).get("text/plain", ""):
            return False
        kc.control_channel.send(kc.session.msg("interrupt_request", {}))
        return True

    reading_since = []

    def while_reading(_msg, _elapsed):
        # The cell writes reading.flag just before its step starts; reading 2,000,000 rows takes seconds.
        if not reading_since and os.path.exists(os.path.join(cwd, "reading.flag")):
            reading_since.append(time.monotonic())
        if not reading_since or time.monotonic() - reading_since[0] < 1.0:
            return False
        km.interrupt_kernel()
        return True

    try:
        results["setup"] = run(kc, SETUP)
        save()
        results["train"] = run(kc, TRAIN, when_training)
        save()
        results["after"] = run(kc, AFTER)
        save()
        results["read"] = run(kc, READ, while_reading)
        save()
        results["message"] = run(kc, TRAIN, by_message)
        save()
        results["last"] = run(kc, LAST)
        save()
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
