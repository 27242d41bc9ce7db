"""Pictures of a computation: the autograd graph behind a tensor, and a model's layers.

Both are written as Graphviz DOT text, which needs nothing installed; the
``dot`` program (Debian's ``graphviz`` package) turns it into SVG or PNG:

    loss = F.cross_entropy(model(x), y)
    draw_graph(loss, params=dict(model.named_parameters())).save("loss.svg")
    draw_model(model, input_shape=(784,)).save("model.png")

``draw_graph`` follows ``grad_fn`` from a tensor back to the leaves, as
``backward`` will: one box per operation (its name, the shape it made, and
the arrays it saved for backward), one oval per leaf tensor (blue when it
requires a gradient, named when ``params`` names it; data in white). ``draw_model`` runs
the model once on zeros, as ``summary`` does, and draws one box per layer
with its output shape and parameter count.
"""

import os
import shutil
import subprocess

import numpy as np

from .io.atomic import atomic_path
from .tensor import Tensor


class Graph:
    """DOT text (``.source``) that can be saved as .dot, or rendered to .svg/.png when ``dot`` exists."""

    def __init__(self, source):
        self.source = source

    def __str__(self):
        return self.source

    def render(self, fmt="svg"):
        """The picture as bytes in ``fmt`` ('svg', 'png', 'pdf'), made by Graphviz's ``dot``."""
        program = shutil.which("dot")
        if program is None:
            raise RuntimeError("rendering a graph needs Graphviz's `dot` program (Debian/Ubuntu: apt-get "
                               "install graphviz; macOS: brew install graphviz); .source holds the DOT text, "
                               "and save('name.dot') writes it without Graphviz")
        done = subprocess.run([program, f"-T{fmt}"], input=self.source.encode("utf8"), capture_output=True,
                              check=False, timeout=60)
        if done.returncode != 0:
            raise RuntimeError(f"dot failed: {done.stderr.decode('utf8', 'replace').strip()}")
        return done.stdout

    def save(self, path):
        """Write the graph; the extension picks the format (.dot/.gv: the text itself)."""
        ext = os.path.splitext(os.fspath(path))[1].lower().lstrip(".")
        data = self.source.encode("utf8") if ext in ("dot", "gv") else self.render(ext or "svg")
        with atomic_path(path, "Graph.save") as temp, open(temp, "wb") as f:
            f.write(data)
        return path

    def _repr_svg_(self):  # shown inline by Jupyter
        return self.render("svg").decode("utf8") if shutil.which("dot") else None


def _quote(text):
    return '"' + str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _shape(array):
    dims = [str(d) for d in np.shape(array)]
    return "(" + ", ".join(dims) + ("," if len(dims) == 1 else "") + ")"


def _saved(fn, skip):
    """What an op kept for backward: its array attributes other than its inputs."""
    found = []
    for key, value in vars(fn).items():
        data = value.array if isinstance(value, Tensor) else value
        if isinstance(data, np.ndarray) and data.ndim and id(value) not in skip:
            found.append(f"{key} {_shape(data)}")
    return found


def draw_graph(output, params=None, show_saved=True):
    """The autograd graph that ``output.backward()`` will walk, as a ``Graph``."""
    if not isinstance(output, Tensor):
        raise TypeError(f"draw_graph: expected a Tensor, got {type(output).__name__}")
    if output.grad_fn is None:
        raise ValueError("draw_graph: this tensor has no graph behind it (made under no_grad, or from "
                         "tensors that do not require grad); build it from tensors with requires_grad=True")
    names = {id(t): name for name, t in (params or {}).items()}
    lines = ["digraph autograd {", '  graph [rankdir=BT, fontname="Helvetica"];',
             '  node [fontname="Helvetica", fontsize=11];']
    seen, stack = set(), [(output.grad_fn, output)]
    lines.append(f'  out [label={_quote("output " + _shape(output.array))}, shape=note];')
    lines.append(f"  fn{id(output.grad_fn)} -> out;")
    while stack:
        fn, made = stack.pop()
        if id(fn) in seen:
            continue
        seen.add(id(fn))
        inputs = list(getattr(fn, "inputs", None) or ())
        label = [fn.name.lstrip("_"), _shape(made.array)]
        if show_saved:
            label += ["saved: " + s for s in _saved(fn, {id(t) for t in inputs})]
        if getattr(fn, "freed", False):
            label.append("(freed by backward)")
        lines.append(f"  fn{id(fn)} [label={_quote(chr(10).join(label))}, shape=box, style=filled, "
                     'fillcolor="#f3f3f3"];')
        for tensor in inputs:
            if tensor.grad_fn is not None:
                lines.append(f"  fn{id(tensor.grad_fn)} -> fn{id(fn)};")
                stack.append((tensor.grad_fn, tensor))
            else:  # a leaf: a parameter, or data (white)
                _leaf(lines, tensor, names)
                lines.append(f"  t{id(tensor)} -> fn{id(fn)};")
    lines.append("}")
    return Graph("\n".join(_unique(lines)) + "\n")


def _leaf(lines, tensor, names):
    title = names.get(id(tensor), "parameter" if tensor.requires_grad else "data")
    color = "#cfe2ff" if tensor.requires_grad else "#ffffff"
    label = f"{title}\n{_shape(tensor.array)}" + ("\nrequires grad" if tensor.requires_grad else "")
    lines.append(f"  t{id(tensor)} [label={_quote(label)}, shape=oval, style=filled, fillcolor=\"{color}\"];")


def _unique(lines):
    """Each node once (a tensor used twice is one node); edges all kept (``w * w``: two arrows)."""
    seen, out = set(), []
    for line in lines:
        if "[label=" in line and line in seen:
            continue
        seen.add(line)
        out.append(line)
    return out


def draw_model(model, input_shape, dtype=None, show_shapes=True, show_params=True, title=None):
    """The layers ``model`` runs on one batch of zeros of ``input_shape`` (one sample), as a ``Graph``.

    A Keras functional model is drawn as its graph of layers; any other model
    as its layers in the order they run (a custom ``forward`` that branches
    shows as a chain: ``draw_graph`` draws the exact data flow).
    """
    from .training.summary import _display_shape, trace

    if dtype is None:  # zeros of the model's own float dtype (a .double() model takes float64)
        floats = [p.array.dtype for p in model.parameters() if p.array.dtype.kind == "f"]
        dtype = floats[0] if floats else None
    rows = trace(model, tuple(input_shape), dtype=dtype)
    lines = ["digraph model {", '  graph [rankdir=TB, fontname="Helvetica"];',
             '  node [shape=record, fontname="Helvetica", fontsize=11];']
    if title:
        lines.append(f"  labelloc=t; label={_quote(title)};")
    lines.append(f'  input [label={_quote("input | " + _display_shape((3,) + tuple(input_shape), -1))}, '
                 "shape=record];")
    for i, row in enumerate(rows):
        parts = [f"{row.name}: {type(row.module).__name__}"]
        if show_shapes:
            parts.append(_display_shape(row.outputs, -1).replace("{", "(").replace("}", ")"))
        if show_params and row.params:
            parts.append(f"{row.params:,} params")
        lines.append(f"  n{i} [label={_quote(' | '.join(_record(p) for p in parts))}];")
    edges = _layer_edges(model, rows)
    for a, b in edges:
        lines.append(f"  {a} -> {b};")
    lines.append("}")
    return Graph("\n".join(lines) + "\n")


def _record(text):
    """Text safe inside a record label (Graphviz gives ``| { } < >`` a meaning there)."""
    for char in "|{}<>":
        text = text.replace(char, "\\" + char)
    return text


def _layer_edges(model, rows):
    graph = getattr(model, "_graph", None)
    index = {id(row.module): i for i, row in enumerate(rows)}
    if graph is None or not all(id(t.layer) in index for t in graph[2]):
        return [("input", "n0")] + [(f"n{i}", f"n{i + 1}") for i in range(len(rows) - 1)] if rows else []
    edges = []
    for tensor in graph[2]:  # the functional API's calls: each layer from the layers that fed it
        for parent in tensor.inputs:
            source = f"n{index[id(parent.layer)]}" if id(parent.layer) in index else "input"
            edge = (source, f"n{index[id(tensor.layer)]}")
            if edge not in edges:
                edges.append(edge)
    return edges
