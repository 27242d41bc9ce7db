"""Op conversions, windows: convolution, transposed convolution, max and average pooling.

Each of these glassnet nodes carries a ``Geometry`` (``kernels/windows.py``):
kernel, stride, dilation and the padding of each side, which is exactly
what ONNX's ``Conv``, ``ConvTranspose``, ``MaxPool`` and ``AveragePool``
take.  ``ceil_mode`` is not an attribute here: glassnet already turned it
into extra padding at the end, so the same pads give the same windows.
"""

import math

import numpy as np

from ..ops import conv as C
from ..ops import pool as P
from .registry import UnsupportedError, converts_op


def _windows(geom):
    """ONNX's attributes for a geometry; its pads list all the starts, then all the ends."""
    (top, bottom), (left, right) = geom.pads
    if geom.spacing != (1, 1) or min(top, bottom, left, right) < 0:
        raise UnsupportedError("a strided-gradient or cropping geometry (only convolutions and pools "
                               "of a forward pass are exported)")
    return {"kernel_shape": list(geom.kernel), "strides": list(geom.stride),
            "pads": [top, left, bottom, right]}


@converts_op(C.Conv2d)
def conv(ctx, node):
    # conv1d is this same node on a height of 1, between an Unsqueeze and a Squeeze
    return ctx.graph.add("Conv", [ctx.value(t) for t in node.inputs], group=int(node.groups),
                         dilations=list(node.geom.dilation), **_windows(node.geom))


@converts_op(C.Conv2dInputGrad)
def conv_transpose(ctx, node):
    """``conv_transpose2d``: the input gradient of the convolution from its output size to its input's.

    Its geometry is that of the convolution it transposes, so ``in_size`` is
    this op's output size; ``output_padding`` says how much of it the
    strided windows leave uncovered.
    """
    geom = node.geom
    attributes = _windows(geom)
    covered = [(n - 1) * s + d * (k - 1) + 1 - lo - hi for n, s, d, k, (lo, hi)
               in zip(geom.out_size, geom.stride, geom.dilation, geom.kernel, geom.pads)]
    extra = [size - c for size, c in zip(geom.in_size, covered)]
    return ctx.graph.add("ConvTranspose", [ctx.value(t) for t in node.inputs], group=int(node.groups),
                         dilations=list(geom.dilation), output_padding=extra, **attributes)


@converts_op(P.MaxPool2d)
def max_pool(ctx, node):
    geom, attributes = node.geom, _windows(node.geom)
    (top, bottom), (left, right) = geom.pads
    if max(bottom, right) >= min(geom.kernel):
        # onnxruntime refuses pads as large as the kernel, which ceil_mode's end padding can be with
        # dilation; ONNX's own ceil_mode adds the same last window.
        attributes.update(pads=[top, left, top, left], ceil_mode=1)
    return ctx.graph.add("MaxPool", [ctx.value(node.inputs[0])], dilations=list(geom.dilation), **attributes)


@converts_op(P.AvgPool2d)
def avg_pool(ctx, node):
    """``AveragePool``: glassnet's ``scale`` (1 / the count of each window) says which count it is.

    A single number is 1 / kernel size (padding counted, ``count_include_pad=1``)
    or a ``divisor_override``; an array counts the positions inside the
    input (``count_include_pad=0``).
    """
    geom, g, x = node.geom, ctx.graph, ctx.value(node.inputs[0])
    if geom.dilation != (1, 1):
        raise UnsupportedError("a dilated average pool")
    scale, window = np.asarray(node.scale), math.prod(geom.kernel)
    if scale.ndim == 0:
        y = g.add("AveragePool", [x], count_include_pad=1, **_windows(geom))
        factor = float(scale) * window  # 1 unless a divisor_override replaced the kernel size
        return y if np.isclose(factor, 1, rtol=1e-6) else g.add("Mul", [y, g.scalar(factor, scale.dtype)])
    if not np.allclose(1 / scale, _inside_counts(geom), rtol=1e-6):
        raise UnsupportedError("count_include_pad=True with ceil_mode: the windows past the padding count "
                               "only the padded positions, which ONNX's AveragePool cannot say")
    return g.add("AveragePool", [x], count_include_pad=0, **_windows(geom))


def _inside_counts(geom):
    """How many positions of each window lie inside the unpadded input: ONNX's count_include_pad=0."""
    counts = []
    for n, k, s, (lo, _), o in zip(geom.in_size, geom.kernel, geom.stride, geom.pads, geom.out_size):
        start = np.arange(o) * s - lo
        counts.append(np.minimum(start + k, n) - np.maximum(start, 0))
    return np.outer(*counts)
