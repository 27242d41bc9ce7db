"""Regenerate the section files in this folder from a checkout of d2l-ai/d2l-en.

Usage (``git-dir`` is a clone, bare or not)::

    python tests/d2l_sections/extract.py <git-dir> [<commit>]

For every section of chapters 2-10 it keeps the PyTorch code: the
``{.python .input}`` cells whose ``%%tab`` line names ``pytorch`` or ``all``
(a cell with no ``%%tab`` line belongs to every tab). It changes only the
import lines (IMPORTS below) and writes ``<chapter>__<section>.txt``: an
attribution header, then one ``# %% cell N`` block per cell. The reduced
epochs and data sizes are *not* written here; the test runner applies them.
"""

import re
import subprocess
import sys
from pathlib import Path

CHAPTERS = [
    "chapter_preliminaries", "chapter_linear-regression", "chapter_linear-classification",
    "chapter_multilayer-perceptrons", "chapter_builders-guide", "chapter_convolutional-neural-networks",
    "chapter_convolutional-modern", "chapter_recurrent-neural-networks", "chapter_recurrent-modern",
]

# (pattern, replacement) on whole lines: the only edits made to the book's code.
IMPORTS = [
    (r"^(\s*)from d2l import torch as d2l$", r"\1from glassnet import d2l"),
    (r"^(\s*)import torch$", r"\1import glassnet as torch"),
    (r"^(\s*)from torch import nn$", r"\1from glassnet import nn"),
    (r"^(\s*)from torch\.nn import functional as F$", r"\1from glassnet.nn import functional as F"),
    (r"^(\s*)import torchvision$", r"\1import glassnet.vision as torchvision"),
    (r"^(\s*)from torchvision import (.*)$", r"\1from glassnet.vision import \2"),
    (r"^(\s*)from torch\.([\w.]+) import (.*)$", r"\1from glassnet.\2 import \3"),
]

HEADER = """\
# PyTorch code cells of d2l-ai/d2l-en, {path}
# Source: https://github.com/d2l-ai/d2l-en (commit {commit})
# "Dive into Deep Learning", Zhang, Lipton, Li & Smola. Text: CC BY-SA 4.0;
# sample code: the modified MIT licence of the repository's LICENSE-SAMPLECODE
# (Copyright 2019 Amazon.com, Inc. or its affiliates).
# Kept as data for tests/test_d2l_book.py. Only the import lines were changed
# (see tests/d2l_sections/extract.py); the runner applies the documented
# reductions (epochs, sizes) when it executes the cells.
"""

CELL = re.compile(r"^```\{\.python \.input[^}]*\}\s*\n(.*?)^```\s*$", re.S | re.M)


def pytorch_cells(markdown):
    cells = []
    for match in CELL.finditer(markdown):
        lines = match.group(1).rstrip("\n").split("\n")
        if lines and lines[0].startswith("%%tab"):
            tabs = lines[0][len("%%tab"):].replace(",", " ").split()
            if "pytorch" not in tabs and "all" not in tabs:
                continue
            lines = lines[1:]
        if any(line.startswith(("%load_ext", "tab.interact_select")) for line in lines):
            continue
        cells.append("\n".join(change_imports(line) for line in lines))
    return cells


def change_imports(line):
    for pattern, replacement in IMPORTS:
        if re.match(pattern, line):
            return re.sub(pattern, replacement, line)
    return line


def main(git_dir, commit="HEAD"):
    def git(*args):
        return subprocess.run(["git", "--git-dir", git_dir, *args], check=True,
                              capture_output=True, text=True).stdout
    sha = git("rev-parse", commit).strip()
    out = Path(__file__).parent
    for path in git("ls-tree", "-r", "--name-only", sha).split("\n"):
        chapter, _, name = path.partition("/")
        if chapter not in CHAPTERS or not name.endswith(".md") or name == "index.md":
            continue
        cells = pytorch_cells(git("show", f"{sha}:{path}"))
        if not cells:
            continue
        body = "".join(f"\n# %% cell {i}\n{cell}\n" for i, cell in enumerate(cells))
        target = out / f"{chapter[len('chapter_'):]}__{name[:-3]}.txt"
        target.write_text(HEADER.format(path=path, commit=sha) + body)


if __name__ == "__main__":
    main(*sys.argv[1:])
