"""Times the real pipelab kernel through jupyter_client, in one kernel session (bench/kernel.ts runs it).

Usage: python3 kernel_session.py CWD RESULT.json CELLS WARMUPS READ_DELAY_S

In one kernel started by jupyter_client in CWD (which holds big.csv):
  setup    a workbench, a cached data step and a small training set (as test/kernel/interrupt.py)
  cells    WARMUPS then CELLS executions of `1 + 1`, one after the other: each one's round trip is the
           time from sending its execute_request to receiving its execute_reply
  train    a step training for 100,000 epochs, interrupted with km.interrupt_kernel() (a signal)
           once its progress display shows an epoch
  read     a step reading big.csv with readCsv, interrupted with km.interrupt_kernel() READ_DELAY_S
           seconds after the cell wrote reading.flag (a file, not a print: output waits for the event loop, which a
           synchronous read holds)
  message  the training step again, stopped by an interrupt_request on the control channel
An interrupt's latency is the time from just before the interrupt is sent to the execute_reply.

RESULT.json: {"python", "jupyter_client", "setup": {"status", "evalue"}, "cells": [{"ms", "status", "result"}]
(after the warm-ups), name: {"status", "ename", "evalue", "interrupt_to_reply_ms", "sent_to_interrupt_ms"}}.
It is rewritten after each phase, and goes to a file, never to stdout: on a busy machine other
processes may write there. Progress lines go to stderr.
"""
import json
import os
import platform
import queue
import sys
import time

import jupyter_client
from jupyter_client.manager import KernelManager

SETUP = """
import { Workbench, trainModel, readCsv } from "pipelab";
import { writeFileSync } from "node:fs";
const wb = await Workbench.open({ experiment: "bench-kernel" });
const data = await wb.step("data", () => {
  const x: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < 400; i++) { const a = (i * 37) % 100 / 100, b = (i * 61) % 100 / 100; x.push([a, b]); y.push(a + b > 1 ? 1 : 0); }
  return { x, y };
});
data.y.length
"""

TRIVIAL = "1 + 1"

TRAIN = """
const trained = await wb.step("train", { data }, ({ data }) =>
  trainModel({ x: data.x, y: data.y }, { task: "classification", hidden: [16], epochs: 100000, batchSize: 8, seed: 1 }),
);
"""

READ = """
writeFileSync("reading.flag", "");
const big = await wb.step("read", () => readCsv("big.csv"));
"""

FLAG = "reading.flag"
# How long a cell may run before its interrupt, and how long the kernel may take to reply after it.
CELL_TIMEOUT_S = 600
REPLY_TIMEOUT_S = 300


def progress(line):
    sys.stderr.write(f"[bench kernel] {line}\n")
    sys.stderr.flush()


def reply_to(kc, msg_id, timeout):
    """The execute_reply to msg_id (other shell messages are skipped) and when it arrived."""
    deadline = time.perf_counter() + timeout
    while True:
        left = deadline - time.perf_counter()
        if left <= 0:
            raise TimeoutError(f"no execute_reply within {timeout} s")
        try:
            reply = kc.get_shell_msg(timeout=left)
        except queue.Empty:
            continue
        if reply["parent_header"].get("msg_id") == msg_id:
            return reply, time.perf_counter()


def drain_until_idle(kc, msg_id, timeout=60):
    """The cell's iopub messages up to its idle status: the next cell then starts on a quiet kernel."""
    messages = []
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        try:
            msg = kc.get_iopub_msg(timeout=1)
        except queue.Empty:
            continue
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        messages.append(msg)
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            return messages
    raise TimeoutError(f"the kernel did not go idle within {timeout} s")


def execute(kc, code):
    """Runs code to its end; returns the reply, its round trip in ms and the cell's iopub messages."""
    sent = time.perf_counter()
    msg_id = kc.execute(code)
    reply, replied = reply_to(kc, msg_id, CELL_TIMEOUT_S)
    return reply, (replied - sent) * 1000, drain_until_idle(kc, msg_id)


def interrupted(kc, code, when, interrupt):
    """Runs code, calls interrupt() once when(msg) is true (msg: an iopub message or None), times it to the reply."""
    sent = time.perf_counter()
    msg_id = kc.execute(code)
    while True:
        try:
            msg = kc.get_iopub_msg(timeout=0.02)
        except queue.Empty:
            msg = None
        if msg is not None and msg["parent_header"].get("msg_id") != msg_id:
            msg = None
        if when(msg):
            break
        try:
            early = kc.get_shell_msg(timeout=0)
        except queue.Empty:
            early = None
        if early is not None and early["parent_header"].get("msg_id") == msg_id:
            content = early["content"]
            raise RuntimeError(f"the cell ended before its interrupt: {content.get('status')} {content.get('ename', '')} {content.get('evalue', '')}")
        if time.perf_counter() - sent > CELL_TIMEOUT_S:
            raise TimeoutError(f"no moment to interrupt within {CELL_TIMEOUT_S} s")
    interrupted_at = time.perf_counter()
    interrupt()
    reply, replied = reply_to(kc, msg_id, REPLY_TIMEOUT_S)
    drain_until_idle(kc, msg_id)
    content = reply["content"]
    return {
        "status": content["status"],
        "ename": content.get("ename"),
        "evalue": content.get("evalue"),
        "interrupt_to_reply_ms": (replied - interrupted_at) * 1000,
        "sent_to_interrupt_ms": (interrupted_at - sent) * 1000,
    }


def shows_an_epoch(msg):
    """True for the training step's progress display once it shows an epoch: the step is deep in its loop."""
    if msg is None or msg["msg_type"] not in ("display_data", "update_display_data"):
        return False
    return "epoch" in msg["content"].get("data", {}).get("text/plain", "")


def main(cwd, result_path, cells, warmups, read_delay_s):
    results = {"python": platform.python_version(), "jupyter_client": jupyter_client.__version__}

    def save():
        with open(result_path + ".tmp", "w") as f:
            json.dump(results, f, indent=1)
        os.replace(result_path + ".tmp", result_path)

    km = KernelManager(kernel_name="pipelab")
    km.start_kernel(cwd=cwd)
    kc = km.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=120)
        progress("setup cell")
        reply, _, _ = execute(kc, SETUP)
        results["setup"] = {"status": reply["content"]["status"], "evalue": reply["content"].get("evalue")}
        save()
        if reply["content"]["status"] != "ok":
            return

        progress(f"{warmups} warm-up + {cells} cells of `{TRIVIAL}`")
        results["cells"] = []
        for i in range(warmups + cells):
            reply, ms, messages = execute(kc, TRIVIAL)
            shown = [m["content"]["data"].get("text/plain") for m in messages if m["msg_type"] == "execute_result"]
            if i >= warmups:
                results["cells"].append({"ms": ms, "status": reply["content"]["status"], "result": shown[0] if shown else None})
        save()

        progress("training step, stopped by interrupt_kernel()")
        results["train"] = interrupted(kc, TRAIN, shows_an_epoch, km.interrupt_kernel)
        save()

        progress(f"reading big.csv, stopped by interrupt_kernel() {read_delay_s:g} s in")
        flag = os.path.join(cwd, FLAG)
        if os.path.exists(flag):
            os.remove(flag)
        flagged = []

        def reading_for_a_while(_msg):
            if not flagged and os.path.exists(flag):
                flagged.append(time.perf_counter())
            return bool(flagged) and time.perf_counter() - flagged[0] >= read_delay_s

        results["read"] = interrupted(kc, READ, reading_for_a_while, km.interrupt_kernel)
        save()

        progress("training step, stopped by an interrupt_request")
        results["message"] = interrupted(
            kc, TRAIN, shows_an_epoch, lambda: kc.control_channel.send(kc.session.msg("interrupt_request", {}))
        )
        save()
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]))
