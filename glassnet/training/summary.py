"""``model.summary()``: Keras' layer table, with output shapes, parameters and FLOPs.

Output shapes are found the way Keras finds them, by running the model once:
a dummy batch of zeros goes through it in eval mode under ``no_grad``, and
every module's ``forward`` is wrapped for that one call to record what went
in and what came out. The wrappers are removed afterwards, even if the
forward fails.

FLOPs are counted per sample, with a multiply-add counted as 2 FLOPs. Each
layer states its own count (``Module.flops``, beside its ``forward``):

* ``Linear``: ``2 * in_features * out_features`` per output row (the bias
  add takes the place of the one addition a dot product of length ``in``
  does not need, so the count is exact with a bias);
* convolutions (any layer with ``in_channels`` and ``kernel_size``):
  ``2 * (in_channels / groups) * prod(kernel_size)`` per output element;
* element-wise activations: 1 per output element (a convention: ``exp``
  costs more than ``max``); ``Softmax``/``LogSoftmax``: 3 per element;
* ``BatchNorm``: 2 per element (at inference a scale and a shift);
  ``LayerNorm``: 5 per element (mean, variance, then scale and shift);
* pooling: the window size per output element (``Adaptive`` pools: one per
  input element);
* ``Dropout`` (the identity at inference), ``Flatten``, ``Identity``,
  ``Embedding`` (a table lookup): 0;
* anything else is a marked estimate (``~``): 2 FLOPs per parameter per
  sample for layers with weights (exact for dense layers, too low for ones
  that reuse their weights, such as recurrent layers), else 1 per output
  element when the output has the input's shape, else 0.
"""

import math
from contextlib import contextmanager

import numpy as np

from .. import backend
from ..autograd import no_grad
from ..nn.linear import Linear
from ..tensor import Tensor

# The batch run when no batch_size is given: odd, so it is rarely mistaken for another dimension.
DUMMY_BATCH = 3
CONVENTION = ("FLOPs per sample; a multiply-add counts as 2 FLOPs, an activation 1 per element; "
              "~ marks a generic estimate")


class Row:
    """One module call: who, what came in and out, and what it cost."""

    def __init__(self, name, module, depth):
        self.name, self.module, self.depth = name, module, depth
        self.inputs = self.outputs = None
        self.params = sum(p.numel() for p in module.parameters(recurse=False) if p is not None)
        self.flops, self.exact = None, True
        self.shared = False


def _shapes(value):
    """The shapes inside a forward's inputs or output (nested tuples of Tensors)."""
    if isinstance(value, (Tensor, np.ndarray)):
        return tuple(value.shape)
    if isinstance(value, (tuple, list)):
        return [_shapes(v) for v in value if isinstance(v, (Tensor, np.ndarray, tuple, list))]
    return None


def _first(shape):
    while isinstance(shape, list) and shape:
        shape = shape[0]
    return shape if isinstance(shape, tuple) else None


def _count(n):
    return int(math.prod(n)) if n is not None else 0


def flops_of(module, in_shape, out_shape, batch):
    """``(FLOPs per sample, exact?)`` for one call of ``module``; shapes include the batch dim.

    The layer says (``Module.flops``); a layer that does not gets the marked estimate.
    """
    own = module.flops(in_shape, out_shape)
    if own is not None:
        return int(own / batch), module.flops_exact
    params = sum(p.numel() for p in module.parameters(recurse=False))
    if params:
        return int(2 * params), False
    out_elems = _count(out_shape) / batch if out_shape is not None else 0
    return (int(out_elems) if in_shape == out_shape else 0), False


@contextmanager
def _recording(model):
    """Wrap every module's ``forward`` to log its calls; always unwrap on the way out."""
    rows, seen, active, wrapped = [], set(), set(), []
    names = {id(m): (name, name.count(".") + (1 if name else 0)) for name, m in model.named_modules()}

    def wrap(module, own_forward):
        def recorder(*args, **kwargs):
            # The class is looked up per call: a LazyLinear becomes a Linear during its first forward.
            forward = own_forward or type(module).forward.__get__(module)
            if id(module) in active:  # a forward that calls self.forward again is one call
                return forward(*args, **kwargs)
            name, depth = names[id(module)]
            row = Row(name or type(module).__name__, module, depth)
            row.shared = id(module) in seen
            seen.add(id(module))
            rows.append(row)
            row.inputs = _shapes(args)
            active.add(id(module))
            try:
                out = forward(*args, **kwargs)
            finally:
                active.discard(id(module))
            whole = module.summary_as_one_row
            row.params = sum(p.numel() for p in module.parameters(recurse=whole) if p is not None)
            row.outputs = _shapes(out)
            return out
        return recorder

    inside = {id(m) for whole in model.modules() if whole.summary_as_one_row and whole is not model
              for m in whole.modules() if m is not whole}
    try:
        for module in model.modules():
            if id(module) in inside:
                continue
            had = "forward" in module.__dict__
            wrapped.append((module, had, module.__dict__.get("forward")))
            # An instance attribute shadows the class's forward for this object only.
            module.__dict__["forward"] = wrap(module, module.__dict__.get("forward"))
        yield rows
    finally:
        for module, had, previous in wrapped:
            if had:
                module.__dict__["forward"] = previous
            else:
                module.__dict__.pop("forward", None)


def _leaf_like(module):
    """Rows worth a line: modules without children, or ones that hold parameters of their own."""
    has_children = any(True for _ in module.children())
    return not has_children or any(p is not None for p in module._parameters.values())


def _check_shape(input_shape):
    if isinstance(input_shape, (int, np.integer)):
        input_shape = (int(input_shape),)
    if not isinstance(input_shape, (tuple, list)) or not all(
            isinstance(d, (int, np.integer)) and not isinstance(d, bool) and d > 0 for d in input_shape):
        raise ValueError(
            f"summary: input_shape must be the shape of one sample, a tuple of positive ints without "
            f"the batch dimension, e.g. (784,) or (1, 28, 28); got {input_shape!r}"
        )
    return tuple(int(d) for d in input_shape)


def _infer_shape(model):
    """``(in_features,)`` when the model is a Sequential whose first layer is a Linear of known size."""
    from ..nn.containers import Sequential

    first = model
    while isinstance(first, Sequential) and len(first) > 0:
        first = first[0]
    if first is model or not isinstance(first, Linear) or not first.in_features:
        return None
    return (first.in_features,)


def trace(model, input_shape, batch_size=-1, dtype=None):
    """Run a dummy batch through ``model`` and return the recorded rows (leaf-like modules only)."""
    batch = DUMMY_BATCH if batch_size in (-1, None) else batch_size
    dtype = backend.get_default_dtype() if dtype is None else np.dtype(dtype)
    dummy = Tensor._make(np.zeros((batch,) + input_shape, dtype), None, 0)
    modes = [(m, m.training) for m in model.modules()]
    model.eval()
    try:
        with no_grad(), _recording(model) as rows:
            model(dummy)
    except Exception as error:
        raise RuntimeError(
            f"summary: running {type(model).__name__} on a dummy batch of shape {(batch,) + input_shape} "
            f"failed ({type(error).__name__}: {error}); check input_shape (one sample, without the "
            "batch dimension) and dtype (e.g. dtype=glassnet.int64 for an Embedding)"
        ) from error
    finally:
        for module, mode in modes:
            module.training = mode
    rows = [r for r in rows if _leaf_like(r.module)]
    for row in rows:
        row.flops, row.exact = flops_of(row.module, _first(row.inputs), _first(row.outputs), batch)
    return rows


def _display_shape(shape, batch_size):
    """Keras style: a leading batch dimension shows as ``None`` when no batch size was given.

    Only a first dimension equal to the dummy batch is taken for the batch, so
    that e.g. an LSTM's hidden state ``(num_layers, batch, hidden)`` keeps its
    first dimension (unless num_layers happens to equal the dummy batch).
    """
    if isinstance(shape, list):
        return "[" + ", ".join(_display_shape(s, batch_size) for s in shape) + "]"
    if shape is None:
        return "?"
    shown = [str(d) for d in shape]
    if batch_size in (-1, None) and shape and shape[0] == DUMMY_BATCH:
        shown[0] = "None"
    return "(" + ", ".join(shown) + (",)" if len(shown) == 1 else ")")


def _static_rows(model):
    """Rows without running the model: names, types and parameters only."""
    rows = []
    for name, module in model.named_modules():
        if name and _leaf_like(module):
            rows.append(Row(name, module, name.count(".") + 1))
    return rows


def summary(model, input_shape=None, batch_size=-1, dtype=None, print_fn=print):
    """Print and return a table of ``model``'s layers: output shape, parameters and FLOPs.

    ``input_shape`` is the shape of one sample (no batch dimension), e.g.
    ``(784,)``; without it the shape is taken from a first ``Linear`` layer,
    or else only parameters are listed. ``batch_size`` is only displayed
    (``-1`` shows ``None``, as Keras does). ``dtype`` is the dummy input's
    (default float32). ``print_fn=None`` returns the text without printing.
    """
    from ..nn.module import Module

    if not isinstance(model, Module):
        raise TypeError(f"summary: expected an nn.Module, got {type(model).__name__}")
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or (
            batch_size < 1 and batch_size != -1):
        raise ValueError(f"summary: batch_size must be a positive int or -1, got {batch_size!r}")
    inferred = input_shape is None
    shape = _infer_shape(model) if inferred else _check_shape(input_shape)
    note = None
    if shape is None:
        rows = _static_rows(model)
        note = "Output shapes and FLOPs unknown: pass input_shape=(...) (one sample, no batch dimension)."
    elif inferred:
        try:
            rows = trace(model, shape, batch_size, dtype)
            note = f"Input shape {shape} taken from the first Linear layer."
        except RuntimeError as error:
            rows = _static_rows(model)
            note = f"Output shapes and FLOPs unknown: {error}"
    else:
        rows = trace(model, shape, batch_size, dtype)
    text = format_table(model, rows, batch_size, note)
    if print_fn is not None:
        print_fn(text)
    return text


def format_table(model, rows, batch_size, note=None):
    table = [("Layer (type)", "Output Shape", "Param #", "FLOPs")]
    for row in rows:
        label = "  " * max(row.depth - 1, 0) + f"{row.name} ({type(row.module).__name__})"
        params = "(shared)" if row.shared else f"{row.params:,}"
        if row.flops is None:
            flops = "?"
        else:
            flops = ("" if row.exact else "~") + f"{row.flops:,}"
        table.append((label, _display_shape(row.outputs, batch_size), params, flops))
    widths = [max(len(r[i]) for r in table) + 3 for i in range(4)]
    width = sum(widths)

    def line(r):
        return (r[0].ljust(widths[0]) + r[1].ljust(widths[1]) + r[2].rjust(widths[2] - 3).ljust(widths[2])
                + r[3].rjust(widths[3] - 3)).rstrip()

    params = list(model.parameters())
    total = sum(p.numel() for p in params)
    trainable = sum(p.numel() for p in params if p.requires_grad)
    nbytes = sum(p.array.nbytes for p in params)
    title = model.name if isinstance(getattr(model, "name", None), str) else type(model).__name__
    out = [f'Model: "{title}"', "_" * width, line(table[0]), "=" * width]
    for i, r in enumerate(table[1:]):
        out.append(line(r))
        out.append("_" * width if i < len(table) - 2 else "=" * width)
    out += [f"Total params: {total:,} ({_size(nbytes)})",
            f"Trainable params: {trainable:,}",
            f"Non-trainable params: {total - trainable:,}"]
    buffers = sum(b.numel() for b in model.buffers())
    if buffers:
        out.append(f"Buffers (saved, not parameters): {buffers:,}")
    if rows and all(r.flops is not None for r in rows):
        approx = "" if all(r.exact for r in rows) else "~"
        out.append(f"Total FLOPs: {approx}{sum(r.flops for r in rows):,} per sample")
        out.append(f"({CONVENTION})")
    out.append("_" * width)
    if note:
        out.append(note)
    return "\n".join(out)


def _size(nbytes):
    if nbytes < 1024:
        return f"{nbytes} B"
    power = min(int(math.log(nbytes, 1024)), 3)
    return f"{nbytes / 1024 ** power:.2f} {('KB', 'MB', 'GB')[power - 1]}"
