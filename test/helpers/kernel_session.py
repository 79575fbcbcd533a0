"""Drives the real pipelab kernel through a session of actions, as a person at a notebook would.

Usage: python3 kernel_session.py SESSION.json RESULT.json

SESSION.json: {"cwd": FOLDER, "actions": [ACTION, ...]} where an ACTION is one of
  {"op": "exec", "code": "..."}           execute a cell in the current kernel
  {"op": "write", "path": P, "text": T}   write a file (P relative to cwd), as an editor would
  {"op": "restart"}                       shut the kernel down and start a new one

RESULT.json (written at the end, and after each action so that a crash leaves what ran):
  [{"op": ..., "outputs": [{"type", "name"?, "text"?, "mime"?, "ename"?, "evalue"?}], "status": "ok" | "error"}, ...]

The result goes to a file, never to stdout: on a busy machine other processes may write there.
"""
import json
import os
import sys
import time

from jupyter_client.manager import KernelManager


def start(cwd):
    km = KernelManager(kernel_name="pipelab")
    km.start_kernel(cwd=cwd)
    kc = km.client()
    kc.start_channels()
    kc.wait_for_ready(timeout=120)
    return km, kc


def stop(km, kc):
    kc.stop_channels()
    km.shutdown_kernel(now=False)


def execute(kc, code):
    outputs = []

    def hook(msg):
        kind = msg["header"]["msg_type"]
        content = msg["content"]
        if kind == "stream":
            outputs.append({"type": "stream", "name": content["name"], "text": content["text"]})
        elif kind in ("display_data", "execute_result", "update_display_data"):
            outputs.append({"type": kind, "mime": {k: v if isinstance(v, str) else json.dumps(v) for k, v in content["data"].items()}})
        elif kind == "error":
            outputs.append({"type": "error", "ename": content.get("ename", ""), "evalue": content.get("evalue", "")})

    reply = kc.execute_interactive(code, output_hook=hook, timeout=600, allow_stdin=False)
    return outputs, reply["content"]["status"]


def main(session_path, result_path):
    with open(session_path) as f:
        session = json.load(f)
    cwd = session["cwd"]
    results = []

    def save():
        tmp = result_path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(results, f)
        os.replace(tmp, result_path)

    km, kc = start(cwd)
    try:
        for action in session["actions"]:
            op = action["op"]
            if op == "exec":
                outputs, status = execute(kc, action["code"])
                results.append({"op": op, "outputs": outputs, "status": status})
                if status == "error":
                    # tslab aborts every request that arrives within 200 ms of a failed cell (tslab#19).
                    time.sleep(0.4)
            elif op == "write":
                path = os.path.join(cwd, action["path"])
                os.makedirs(os.path.dirname(path), exist_ok=True)
                with open(path, "w") as f:
                    f.write(action["text"])
                results.append({"op": op, "outputs": [], "status": "ok"})
            elif op == "restart":
                stop(km, kc)
                km, kc = start(cwd)
                results.append({"op": op, "outputs": [], "status": "ok"})
            else:
                raise ValueError("unknown action %r" % op)
            save()
    finally:
        stop(km, kc)
        save()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
