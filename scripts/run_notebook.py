"""Executes a notebook through the pipelab kernel, as `pipelab run NOTEBOOK` does.

Usage: python3 run_notebook.py NOTEBOOK.ipynb EXECUTED.ipynb FAILED.ipynb RESULT.json [TIMEOUT_SECONDS]

On success the executed notebook is written to EXECUTED.ipynb; when a cell fails, the
notebook as far as it ran (with the error under the failing cell) is written to
FAILED.ipynb instead. RESULT.json says what happened:
  {"ok": true} or {"ok": false, "cell": N (1-based, counting every cell), "ename": ..., "evalue": ...}
The result goes to a file, not to stdout, where the kernel's own output may go too.
"""
import json
import os
import sys

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError


def write_atomic(path, write):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        write(f)
    os.replace(tmp, path)


def main(notebook, executed, failed, result_path, timeout):
    nb = nbformat.read(notebook, as_version=4)
    failure = {}

    def on_cell_error(cell, cell_index, execute_reply):
        content = execute_reply.get("content", {})
        failure.update({"cell": cell_index + 1, "ename": content.get("ename", ""), "evalue": content.get("evalue", "")})

    client = NotebookClient(
        nb,
        kernel_name="pipelab",
        timeout=timeout,
        resources={"metadata": {"path": os.path.dirname(os.path.abspath(notebook))}},
        on_cell_error=on_cell_error,
    )
    try:
        client.execute()
    except CellExecutionError as error:
        if not failure:
            failure.update({"cell": 0, "ename": "CellExecutionError", "evalue": str(error).strip().splitlines()[-1]})
        write_atomic(failed, lambda f: nbformat.write(nb, f))
        write_atomic(result_path, lambda f: json.dump({"ok": False, **failure}, f))
        return 1
    write_atomic(executed, lambda f: nbformat.write(nb, f))
    write_atomic(result_path, lambda f: json.dump({"ok": True}, f))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]) if len(sys.argv) > 5 else 3600))
