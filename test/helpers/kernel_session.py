"""Drives the real pipelab kernel through a session of actions, as a person at a notebook would.

Usage: python3 kernel_session.py SESSION.json RESULT.json

SESSION.json: {"cwd": FOLDER, "actions": [ACTION, ...]} where an ACTION is one of
  {"op": "exec", "code": "..."}           execute a cell in the current kernel (nbclient)
  {"op": "write", "path": P, "text": T}   write a file (P relative to cwd), as an editor would
  {"op": "restart"}                       shut the kernel down and start a new one

RESULT.json (written after each action, so that a crash leaves what ran):
  [{"op": ..., "outputs": [{"type", "name"?, "text"?, "mime"?, "ename"?, "evalue"?}], "status": "ok" | "error"}, ...]

The result goes to a file, never to stdout: on a busy machine other processes may write there.
"""
import json
import os
import sys
import time
from contextlib import ExitStack

import nbformat
from nbclient import NotebookClient

from run_passes import output_of


def main(session_path, result_path):
    with open(session_path) as f:
        session = json.load(f)
    cwd = session["cwd"]
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "pipelab", "display_name": "TypeScript (pipelab)", "language": "typescript"}
    results = []

    def save():
        tmp = result_path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(results, f)
        os.replace(tmp, result_path)

    replies = {}

    def on_cell_executed(cell, cell_index, execute_reply):
        replies[cell_index] = execute_reply["content"]["status"]

    def start(stack):
        client = NotebookClient(
            nb, kernel_name="pipelab", timeout=600, allow_errors=True, resources={"metadata": {"path": cwd}}, on_cell_executed=on_cell_executed
        )
        stack.enter_context(client.setup_kernel())
        return client

    stack = ExitStack()
    try:
        client = start(stack)
        for action in session["actions"]:
            op = action["op"]
            if op == "exec":
                cell = nbformat.v4.new_code_cell(action["code"])
                nb.cells.append(cell)
                index = len(nb.cells) - 1
                client.execute_cell(cell, index)
                outputs = [output_of(o) for o in cell.get("outputs", [])]
                # The kernel's reply says whether the cell failed (tslab reports the error itself as text).
                status = "error" if replies.get(index) == "error" or any(o["type"] == "error" for o in outputs) else "ok"
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
                stack.close()
                stack = ExitStack()
                client = start(stack)
                results.append({"op": op, "outputs": [], "status": "ok"})
            else:
                raise ValueError("unknown action %r" % op)
            save()
    finally:
        stack.close()
        save()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
