"""Writes a notebook from a plain-text description, so notebooks are reviewed as text.

Usage: python3 scripts/make-notebook.py notebooks/src/00-quickstart.txt notebooks/00-quickstart.ipynb

The description holds cells separated by lines `%% markdown` or `%% code`; words after
the kind are the cell's tags (`%% code skip-export`).
"""
import json
import sys


def cells_of(text):
    cells, kind, lines = [], None, []
    for line in text.splitlines():
        if line.startswith("%% "):
            if kind:
                cells.append((kind, lines))
            kind, lines = line[3:].strip(), []
        else:
            lines.append(line)
    if kind:
        cells.append((kind, lines))
    out = []
    for header, lines in cells:
        kind, *tags = header.split()
        while lines and not lines[-1].strip():
            lines.pop()
        while lines and not lines[0].strip():
            lines.pop(0)
        source = [l + "\n" for l in lines]
        if source:
            source[-1] = source[-1][:-1]
        cell = {"cell_type": kind, "metadata": {"tags": tags} if tags else {}, "source": source}
        if kind == "code":
            cell.update(execution_count=None, outputs=[])
        out.append(cell)
    return out


def main(src, dst):
    notebook = {
        "cells": cells_of(open(src, encoding="utf-8").read()),
        "metadata": {
            "kernelspec": {"display_name": "TypeScript (pipelab)", "language": "typescript", "name": "pipelab"},
            "language_info": {"name": "typescript", "file_extension": ".ts", "mimetype": "text/typescript"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    for i, cell in enumerate(notebook["cells"]):
        cell["id"] = f"cell-{i:02d}"
    with open(dst, "w", encoding="utf-8") as f:
        json.dump(notebook, f, indent=1, ensure_ascii=False)
        f.write("\n")


if __name__ == "__main__":
    main(*sys.argv[1:3])
