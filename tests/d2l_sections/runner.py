"""Run one d2l section's PyTorch cells on glassnet, the way a notebook would.

    python tests/d2l_sections/runner.py SECTION [--reduce OLD=>NEW ...] [--probe EXPR ...] [--json OUT]
    python tests/d2l_sections/runner.py --all          # every section, one line each

Cells run in order in one namespace. As in Jupyter, a cell's last bare
expression is shown (its ``repr`` printed) and ``%`` magic lines are
skipped; ``tab.selected('pytorch')`` is true, since these are the pytorch
cells. Reductions (smaller epochs and sizes) are plain text substitutions
given by the test; each must match somewhere, so the table cannot go stale
silently. Probes are expressions evaluated after the last cell; their values
(numbers, strings, lists of them) go to the JSON report with the output and
the first error, if any.
"""

import argparse
import ast
import contextlib
import io
import json
import os
import sys
import time
import traceback
import types
from pathlib import Path

HERE = Path(__file__).parent
CELL_MARK = "# %% cell "


def section_cells(name):
    """The cells of ``HERE/name.txt`` (the attribution header dropped)."""
    text = (HERE / f"{name}.txt").read_text()
    chunks = text.split("\n" + CELL_MARK)[1:]
    return [chunk.split("\n", 1)[1] if "\n" in chunk else "" for chunk in chunks]


def reduce_cells(cells, reductions, strict=True):
    """Apply each ``(old, new)`` substitution to every cell (``strict``: each must match somewhere)."""
    for old, new in reductions:
        if strict and not any(old in cell for cell in cells):
            raise ValueError(f"reduction {old!r} matches no cell")
        cells = [cell.replace(old, new) for cell in cells]
    return cells


class _Tab:
    """d2lbook's ``tab`` object as the pytorch tab sees it."""

    @staticmethod
    def selected(*names):
        return "pytorch" in names


def _install_shims():
    """Jupyter-only modules that some cells import, as no-ops (they only choose the plot format)."""
    if "matplotlib_inline" not in sys.modules:
        try:
            import matplotlib_inline  # noqa: F401
        except ImportError:
            backend_inline = types.SimpleNamespace(set_matplotlib_formats=lambda *a, **k: None)
            sys.modules["matplotlib_inline"] = types.SimpleNamespace(backend_inline=backend_inline)
            sys.modules["matplotlib_inline.backend_inline"] = backend_inline


def run_cell(source, namespace, name):
    """Exec one cell; print the repr of a trailing expression, as a notebook shows it."""
    lines = [line for line in source.split("\n") if not line.lstrip().startswith("%")]
    tree = ast.parse("\n".join(lines), filename=name)
    last = tree.body[-1] if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    body = tree.body[:-1] if last is not None else tree.body
    exec(compile(ast.Module(body=body, type_ignores=[]), name, "exec"), namespace)
    if last is not None:
        value = eval(compile(ast.Expression(last.value), name, "eval"), namespace)
        if value is not None:
            print(repr(value))


def _plain(value):
    """A probe's value as JSON: numbers, strings, and (nested) lists of them."""
    if hasattr(value, "array"):
        value = value.array
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (int, float, str, bool)) or value is None:
        return value
    return repr(value)


def run_section(name, reductions=(), probes=(), strict=True):
    """Run the cells; returns the report dict (ok, cells run, error, output, probe values, seconds)."""
    _install_shims()
    import glassnet

    # The book draws without a seed; a seed makes each section's numbers, and its float32 asserts
    # (channels: a sum of 18 rounding errors < 1e-6, which fails for about 1 draw in 12 in PyTorch too),
    # the same on every run.
    glassnet.manual_seed(0)
    cells = reduce_cells(section_cells(name), reductions, strict)
    namespace = {"__name__": "__main__", "tab": _Tab()}
    output, report, start = io.StringIO(), {"section": name, "cells": len(cells)}, time.time()
    with contextlib.redirect_stdout(output):
        for i, cell in enumerate(cells):
            try:
                run_cell(cell, namespace, f"<{name} cell {i}>")
            except BaseException as err:  # the report names the cell; the test decides
                report.update(ok=False, failed_cell=i, error=f"{type(err).__name__}: {err}",
                              traceback=traceback.format_exc(limit=-3))
                break
        else:
            report["ok"] = True
    report["probes"] = {}
    if report["ok"]:
        for expr in probes:
            try:
                report["probes"][expr] = _plain(eval(expr, namespace))
            except Exception as err:
                report["probes"][expr] = f"probe failed: {type(err).__name__}: {err}"
    figures = os.environ.get("GLASSNET_D2L_FIGURES")
    if figures:
        from glassnet import d2l
        report["figures"] = d2l.save_figures(figures, prefix=name)
    report.update(output=output.getvalue()[-20000:], seconds=round(time.time() - start, 2))
    return report


def _parse_reduction(text):
    old, sep, new = text.partition("=>")
    if not sep:
        raise SystemExit(f"--reduce wants OLD=>NEW, got {text!r}")
    return old, new


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("section", nargs="?")
    parser.add_argument("--all", action="store_true")
    parser.add_argument("--reduce", action="append", default=[], type=_parse_reduction)
    parser.add_argument("--probe", action="append", default=[])
    parser.add_argument("--json")
    parser.add_argument("--lenient", action="store_true", help="reductions that match nothing are ignored")
    args = parser.parse_args(argv)
    if args.all:
        for path in sorted(HERE.glob("*.txt")):
            report = run_section(path.stem, args.reduce, strict=False)
            status = "ok" if report["ok"] else f"cell {report['failed_cell']}: {report['error'][:150]}"
            print(f"{path.stem:60s} {report['seconds']:7.1f}s {status}", flush=True)
        return
    report = run_section(args.section, args.reduce, args.probe, strict=not args.lenient)
    if args.json:
        Path(args.json).write_text(json.dumps(report))
    else:
        print(report["output"])
        print({k: v for k, v in report.items() if k != "output"})


if __name__ == "__main__":
    main()
