"""Executes a notebook's code cells several times in one kernel, then once more in a new kernel.

Usage: python3 run_passes.py NOTEBOOK.ipynb PASSES_IN_FIRST_KERNEL RESULT.json

Writes RESULT.json: a list of passes; each pass is a list of cells; each cell is a list of
outputs {type, name?, text?, mime?: {mime: text}}. A cell that raises stops the run
with a non-zero exit code and the error on stderr. The result goes to a file, not to
stdout, where on a busy machine other processes may write too.
"""
import json
import os
import sys

import nbformat
from nbclient import NotebookClient


def output_of(o):
    """One output of a cell as the tests read it: {type, name?, text?, mime?, ename?, evalue?, traceback?}."""
    item = {"type": o.get("output_type")}
    if "name" in o:
        item["name"] = o["name"]
    if "text" in o:
        item["text"] = o["text"] if isinstance(o["text"], str) else "".join(o["text"])
    if "data" in o:
        item["mime"] = {k: (v if isinstance(v, str) else "".join(v) if isinstance(v, list) else json.dumps(v)) for k, v in o["data"].items()}
    if o.get("output_type") == "error":
        item["ename"] = o.get("ename", "")
        item["evalue"] = o.get("evalue", "")
        item["traceback"] = list(o.get("traceback", []))
    return item


def collect(nb):
    return [[output_of(o) for o in cell.get("outputs", [])] for cell in nb.cells if cell.cell_type == "code"]


def run_pass(client, nb):
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            cell.outputs = []
            try:
                client.execute_cell(cell, index)
            except Exception:
                # tslab reports a failed cell as text on stderr: show it, not just "<Error>".
                sys.stderr.write("cell %d failed:\n%s\n--- its output:\n" % (index, cell.source))
                for o in cell.get("outputs", []):
                    text = o.get("text", "")
                    sys.stderr.write(text if isinstance(text, str) else "".join(text))
                raise
    return collect(nb)


def main(path, first_kernel_passes, result_path):
    nb = nbformat.read(path, as_version=4)
    resources = {"metadata": {"path": os.path.dirname(os.path.abspath(path))}}
    passes = []
    client = NotebookClient(nb, kernel_name="pipelab", timeout=300, resources=resources)
    with client.setup_kernel():
        for _ in range(first_kernel_passes):
            passes.append(run_pass(client, nb))
    # A new kernel: what a restart gives.
    client = NotebookClient(nb, kernel_name="pipelab", timeout=300, resources=resources)
    with client.setup_kernel():
        passes.append(run_pass(client, nb))
    tmp = result_path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(passes, f)
    os.replace(tmp, result_path)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), sys.argv[3])
