"""Op conversions, shapes: reshape, permute, concatenate, index, pad, broadcast.

A glassnet reshape records the literal target shape, batch size included,
and so does a broadcast.  Written as they are, the exported model would
only run at the traced batch size.  So a target is written relative to
the input where the two agree: ONNX's ``Reshape`` copies a dim given as 0
and infers one given as -1, and ``Expand`` keeps a dim given as 1.  The
leading dims a reshape keeps (the batch, in a flatten) become 0, and the
first dim after them -1; that is exact for the traced shapes and follows
the batch when it changes.
"""

import numpy as np

from ..ops import shape as S
from ..ops.shape_grad import BroadcastTo
from .graph import INT64_MAX, INT64_MIN
from .registry import UnsupportedError, converts_op


def reshape_spec(in_shape, out_shape):
    """ONNX's Reshape shape for ``in_shape -> out_shape``: kept leading dims 0, the next one -1."""
    kept = 0
    while kept < min(len(in_shape), len(out_shape)) and in_shape[kept] == out_shape[kept]:
        kept += 1
    spec = [0] * kept + list(out_shape[kept:])
    if kept < len(spec):
        spec[kept] = -1
    return spec


@converts_op(S.Reshape)
def reshape(ctx, node):
    spec = reshape_spec(node.in_shape, node.shape)
    return ctx.graph.add("Reshape", [ctx.value(node.inputs[0]), ctx.graph.ints(spec)])


@converts_op(S.Permute)
def permute(ctx, node):
    return ctx.graph.add("Transpose", [ctx.value(node.inputs[0])], perm=list(node.dims))


@converts_op(S.Cat)
def cat(ctx, node):
    return ctx.graph.add("Concat", [ctx.value(t) for t in node.inputs], axis=int(node.dim))


@converts_op(BroadcastTo)
def broadcast_to(ctx, node):
    x = node.inputs[0]
    lead = len(node.shape) - x.ndim
    # 1 where x already has the size: Expand keeps that dim as it is, whatever it is at run time.
    spec = [1 if i >= lead and x.shape[i - lead] == n else n for i, n in enumerate(node.shape)]
    return ctx.graph.add("Expand", [ctx.value(x), ctx.graph.ints(spec)])


@converts_op(S.Pad)
def pad(ctx, node):
    x = node.inputs[0]
    befores, afters = zip(*node.widths)
    value = ctx.graph.scalar(node.value, x.dtype)
    return ctx.graph.add("Pad", [ctx.value(x), ctx.graph.ints(befores + afters), value], mode="constant")


# ------------------------------------------------------------------ indexing
@converts_op(S.Slice)
def getitem(ctx, node):
    """NumPy's basic indexing (ints, slices, None, ...) and one index array, as Slice, Gather, Unsqueeze."""
    items = _expand_ellipsis(node.index, len(node.in_shape))
    slices, picks, new_axes = [], [], []
    axis = out_axis = 0
    for item in items:
        if item is None:
            new_axes.append(out_axis)
            out_axis += 1
            continue
        if isinstance(item, slice):
            if item != slice(None):
                slices.append((axis,) + _bounds(item))
            out_axis += 1
        elif isinstance(item, (int, np.integer)):
            picks.append((axis, np.int64(item)))
        else:
            picks.append((axis, _index_array(item)))
            out_axis += np.ndim(item)
        axis += 1
    arrays = [p for p in picks if np.ndim(p[1])]
    if arrays and len(picks) > 1:
        raise UnsupportedError(f"indexing with {node.index!r}: an index array is exported only with "
                               "slices beside it (NumPy moves the dims of several advanced indices)")
    g, y = ctx.graph, ctx.value(node.inputs[0])
    if slices:
        axes, starts, ends, steps = zip(*slices)
        y = g.add("Slice", [y, g.ints(starts), g.ints(ends), g.ints(axes), g.ints(steps)])
    for axis, index in sorted(picks, key=lambda p: -p[0]):  # the last axis first: the others stay put
        y = g.add("Gather", [y, g.constant(index)], axis=axis)
    return g.unsqueeze(y, new_axes) if new_axes else y


def _expand_ellipsis(index, ndim):
    """The index as one item per input dim (and None for each new one), the ``...`` spelled out."""
    items = list(index) if isinstance(index, tuple) else [index]
    fill = [slice(None)] * (ndim - sum(1 for i in items if i is not None and i is not Ellipsis))
    at = next((k for k, i in enumerate(items) if i is Ellipsis), None)
    if at is None:
        return items + fill
    return items[:at] + fill + items[at + 1:]


def _bounds(item):
    """(start, end, step) of a Python slice in ONNX's terms: INT64_MAX/MIN run to the end."""
    step = 1 if item.step is None else int(item.step)
    if step > 0:
        start, end = item.start or 0, INT64_MAX if item.stop is None else item.stop
    else:
        start = -1 if item.start is None else item.start
        end = INT64_MIN if item.stop is None else item.stop
    return int(start), int(end), step


def _index_array(item):
    array = np.asarray(item)
    if array.dtype == bool:
        if array.ndim != 1:
            raise UnsupportedError("a boolean index of more than one dim")
        return np.nonzero(array)[0].astype(np.int64)
    if array.dtype.kind not in "iu":
        raise UnsupportedError(f"an index of dtype {array.dtype}")
    return array.astype(np.int64)
