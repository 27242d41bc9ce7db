"""Layer conversions: the layers whose ops alone would export badly, converted whole.

* An embedding's indices are not an input of its glassnet op (they are
  attribute arrays), so the op has no link to the graph input: the layer
  is one ``Gather`` of its table instead.
* Batch norm in eval mode is an affine map per channel, which glassnet
  computes as a multiply and an add; ``BatchNormalization`` says what it is.
  Keras's channels-last one reshapes its input to rows of channels and
  back, the batch size written into the shape; as the folded scale and
  shift broadcast over the last axis it needs neither reshape.
* ``AdaptiveAvgPool2d`` is two products with averaging matrices in glassnet;
  where its windows are equal it is ``GlobalAveragePool`` or ``AveragePool``.
"""

import numpy as np

from .. import nn
from ..keras import layers as keras_layers
from .graph import onnx_dtype
from .registry import converts_layer


def _indices(ctx, x):
    """The graph value of ``x`` as integer indices: Keras feeds word indices as floats."""
    name = ctx.value(x)
    return name if x.dtype.kind in "iu" else ctx.graph.add("Cast", [name], to=onnx_dtype(np.int64))


@converts_layer(nn.Embedding)
def embedding(ctx, module, args, kwargs, output):
    x = args[0] if args else kwargs["input"]
    ctx.bind(output, ctx.graph.add("Gather", [ctx.value(module.weight), _indices(ctx, x)], axis=0))


@converts_layer(keras_layers.Embedding)
def keras_embedding(ctx, module, args, kwargs, output):
    x = args[0] if args else kwargs["inputs"]
    ctx.bind(output, ctx.graph.add("Gather", [ctx.value(module.embeddings), _indices(ctx, x)], axis=0))


@converts_layer(nn.BatchNorm1d, nn.BatchNorm2d)
def batch_norm(ctx, module, args, kwargs, output):
    x = args[0] if args else kwargs["input"]
    if module.running_mean is None:
        return NotImplemented  # normalised by the batch's own statistics: converted op by op
    c, dtype = module.num_features, x.dtype
    # affine=False: the scale and shift ONNX requires are ones and zeros
    scale = ctx.constant(np.ones(c, dtype), module, "weight") if module.weight is None else module.weight
    shift = ctx.constant(np.zeros(c, dtype), module, "bias") if module.bias is None else module.bias
    operands = [x, scale, shift, module.running_mean, module.running_var]
    operands = [t if isinstance(t, str) else ctx.value(t) for t in operands]
    ctx.bind(output, ctx.graph.add("BatchNormalization", operands, epsilon=float(module.eps)))


@converts_layer(keras_layers.BatchNormalization)
def keras_batch_norm(ctx, module, args, kwargs, output):
    dtype = module.moving_mean.dtype
    scale = 1 / np.sqrt(module.moving_variance.array.astype(np.float64) + module.epsilon)
    if module.scale:
        scale = scale * module.gamma.array
    shift = -module.moving_mean.array * scale
    if module.center:
        shift = shift + module.beta.array
    g = ctx.graph
    x = ctx.value(args[0] if args else kwargs["inputs"])
    scaled = g.add("Mul", [x, ctx.constant(scale.astype(dtype), module, "scale")])
    ctx.bind(output, g.add("Add", [scaled, ctx.constant(shift.astype(dtype), module, "shift")]))


@converts_layer(nn.AdaptiveAvgPool2d)
def adaptive_avg_pool(ctx, module, args, kwargs, output):
    x = args[0] if args else kwargs["input"]
    if x.ndim != 4:
        return NotImplemented
    (h, w), (oh, ow) = x.shape[2:], output.shape[2:]
    if (oh, ow) == (1, 1):
        return ctx.bind(output, ctx.graph.add("GlobalAveragePool", [ctx.value(x)]))
    if h % oh or w % ow:
        return NotImplemented  # windows of different sizes: glassnet's averaging matrices export as they are
    kernel = [h // oh, w // ow]
    ctx.bind(output, ctx.graph.add("AveragePool", [ctx.value(x)], kernel_shape=kernel, strides=kernel))
