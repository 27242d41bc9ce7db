"""Run a Keras notebook on glassnet.keras with only its imports changed, and report each cell.

    python scripts/run_notebook.py NOTEBOOK.ipynb [--stop-on-error]

The code cells run in order in one namespace, as Jupyter runs them. The only
edits are to import lines (``from keras import x`` -> ``from glassnet.keras
import x``, ``import keras`` / ``from tensorflow import keras`` -> ``from
glassnet import keras``); IPython's ``%`` and ``!`` lines are skipped, and
plots go to a non-interactive backend. Each cell's printed output (its
last lines) and any error are reported, so a notebook's figures can be
compared with the book's.
"""

import argparse
import ast
import contextlib
import io
import json
import re
import sys
import time
import traceback

IMPORTS = [  # (pattern, replacement), applied to whole import lines only
    (r"^(\s*)from tensorflow\.keras(\.\S+)? import ", r"\1from glassnet.keras\2 import "),
    (r"^(\s*)from tensorflow import keras\b", r"\1from glassnet import keras"),
    (r"^(\s*)import tensorflow\.keras as (\w+)", r"\1from glassnet import keras as \2"),
    (r"^(\s*)from keras(\.\S+)? import ", r"\1from glassnet.keras\2 import "),
    (r"^(\s*)import keras\s*$", r"\1from glassnet import keras"),
    (r"^(\s*)import keras as (\w+)", r"\1from glassnet import keras as \2"),
]


def translate(line):
    """The line with its import changed to glassnet's; any other line as it is."""
    for pattern, replacement in IMPORTS:
        new = re.sub(pattern, replacement, line)
        if new != line:
            return new
    return line


def code_cells(path):
    with open(path, encoding="utf8") as f:
        notebook = json.load(f)
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code":
            source = "".join(cell["source"])
            lines = [translate(line) for line in source.splitlines()
                     if not line.lstrip().startswith(("%", "!"))]
            yield source, "\n".join(lines)


def execute(code, filename, namespace):
    """Run a cell; print its last expression's value, as Jupyter shows it."""
    tree = ast.parse(code, filename)
    last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    exec(compile(tree, filename, "exec"), namespace)
    if last is not None:
        value = eval(compile(ast.Expression(last.value), filename, "eval"), namespace)
        if value is not None:
            print(repr(value))


def run(path, stop_on_error=False, tail=6):
    import matplotlib

    matplotlib.use("Agg")  # plt.show() draws nothing and never blocks
    namespace = {"__name__": "__main__"}
    results = []
    for index, (original, code) in enumerate(code_cells(path)):
        out = io.StringIO()
        start, error = time.perf_counter(), None
        with contextlib.redirect_stdout(out):
            try:
                execute(code, f"{path}[cell {index}]", namespace)
            except Exception:
                error = traceback.format_exc(limit=-3)
        lines = [line for line in out.getvalue().splitlines() if line.strip()]
        results.append({"cell": index, "code": original, "seconds": time.perf_counter() - start,
                        "output": lines[-tail:], "error": error})
        print(f"--- cell {index} ({results[-1]['seconds']:.1f} s){' ERROR' if error else ''}", flush=True)
        for line in lines[-tail:]:
            print("   ", line[:200])
        if error:
            print(error)
            if stop_on_error:
                break
    return results


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebook")
    parser.add_argument("--stop-on-error", action="store_true")
    args = parser.parse_args(argv)
    results = run(args.notebook, args.stop_on_error)
    failed = [r["cell"] for r in results if r["error"]]
    print(f"{args.notebook}: {len(results)} cells, {len(failed)} failed {failed}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
