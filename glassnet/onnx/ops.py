"""Op conversions, arithmetic and activations: each glassnet ``Function`` as the ONNX operators it is.

Where ONNX has the same operator (``Add``, ``Relu``, ``Softmax``) the node
is one line.  GELU, SiLU and softplus are written out from their
definitions, as opset 17 has no operator for them; the formulas are
glassnet's own (``ops/activation.py``), so the values agree to rounding.
"""

import math

import numpy as np

from ..ops import activation as A
from ..ops import linalg as L
from ..ops import math as M
from ..ops import norm as N
from ..ops import reduce as R
from ..ops.dropout import Dropout
from .graph import onnx_dtype
from .registry import UnsupportedError, converts_op

# Same computation, same operands: one ONNX node.
_ONE_TO_ONE = {
    M.Add: "Add", M.Sub: "Sub", M.Mul: "Mul", M.Div: "Div", M.Pow: "Pow", M.Neg: "Neg",
    M.Exp: "Exp", M.Log: "Log", M.Sqrt: "Sqrt", M.Abs: "Abs", M.Sin: "Sin", M.Cos: "Cos",
    A.Relu: "Relu", A.Sigmoid: "Sigmoid", A.Tanh: "Tanh", L.MatMul: "MatMul",
}


def inputs(ctx, node):
    return [ctx.value(t) for t in node.inputs]


@converts_op(*_ONE_TO_ONE)
def one_to_one(ctx, node):
    return ctx.graph.add(_ONE_TO_ONE[type(node)], inputs(ctx, node))


@converts_op(M.Where)
def where(ctx, node):
    """``Where``; a condition made on arrays from its own operands becomes that comparison again.

    glassnet's ``maximum``/``minimum`` (Keras's ``Maximum``, ``Minimum``) pick
    with ``a > b`` (``a < b``, and ``a == b`` for ties) computed on the
    arrays, which reaches the graph as a constant.  When the constant is
    exactly that comparison of the operands' values, it is written as the
    comparison, so it is made again for every input.
    """
    cond, a, b = node.inputs
    condition = ctx.value(cond) if cond.grad_fn is not None or id(cond) in ctx.names else None
    if condition is None and (a.grad_fn is not None or b.grad_fn is not None):
        shape = np.broadcast_shapes(a.shape, b.shape)
        for op, compare in (("Greater", np.greater), ("Less", np.less), ("Equal", np.equal)):
            if cond.shape == shape and np.array_equal(cond.array, compare(a.array, b.array)):
                condition = ctx.graph.add(op, [ctx.value(a), ctx.value(b)])
                break
    condition = condition or ctx.value(cond)
    return ctx.graph.add("Where", [condition, ctx.value(a), ctx.value(b)])


@converts_op(M.Cast)
def cast(ctx, node):
    return ctx.graph.add("Cast", inputs(ctx, node), to=onnx_dtype(node.dtype))


@converts_op(Dropout)
def dropout(ctx, node):
    # Only a functional dropout called with training=True gets here (layers skip it in eval mode);
    # an exported model is for inference, where dropout is the identity.
    return ctx.value(node.inputs[0])


@converts_op(M.Clamp)
def clamp(ctx, node):
    x, *bounds = node.inputs
    lo = bounds[0] if node.has_min else None
    hi = bounds[-1] if node.has_max else None
    g = ctx.graph
    if all(b is None or b.ndim == 0 for b in (lo, hi)):  # Clip takes scalar bounds only
        return g.add("Clip", [ctx.value(x), "" if lo is None else ctx.value(lo),
                              "" if hi is None else ctx.value(hi)])
    y = ctx.value(x)
    y = y if lo is None else g.add("Max", [y, ctx.value(lo)])
    return y if hi is None else g.add("Min", [y, ctx.value(hi)])


# ------------------------------------------------------------- activations
@converts_op(A.LeakyRelu)
def leaky_relu(ctx, node):
    return ctx.graph.add("LeakyRelu", inputs(ctx, node), alpha=float(node.negative_slope))


@converts_op(A.Elu)
def elu(ctx, node):
    return ctx.graph.add("Elu", inputs(ctx, node), alpha=float(node.alpha))


@converts_op(A.Softmax, A.LogSoftmax)
def softmax(ctx, node):
    return ctx.graph.add(type(node).__name__, inputs(ctx, node), axis=int(node.dim))


@converts_op(A.Gelu)
def gelu(ctx, node):
    # x * Phi(x) = x * (1 + erf(x / sqrt(2))) / 2
    g, x, dtype = ctx.graph, ctx.value(node.inputs[0]), node.inputs[0].dtype
    erf = g.add("Erf", [g.add("Mul", [x, g.scalar(1 / math.sqrt(2), dtype)])])
    half_x = g.add("Mul", [x, g.scalar(0.5, dtype)])
    return g.add("Mul", [half_x, g.add("Add", [erf, g.scalar(1, dtype)])])


@converts_op(A.GeluTanh)
def gelu_tanh(ctx, node):
    # x * sigmoid(2u), u = sqrt(2 / pi) (x + 0.044715 x^3): glassnet's form of the tanh formula
    g, x, dtype = ctx.graph, ctx.value(node.inputs[0]), node.inputs[0].dtype
    cube = g.add("Mul", [g.add("Mul", [x, x]), x])
    inner = g.add("Add", [x, g.add("Mul", [cube, g.scalar(0.044715, dtype)])])
    p = g.add("Sigmoid", [g.add("Mul", [inner, g.scalar(2 * math.sqrt(2 / math.pi), dtype)])])
    return g.add("Mul", [x, p])


@converts_op(A.Silu)
def silu(ctx, node):
    x = ctx.value(node.inputs[0])
    return ctx.graph.add("Mul", [x, ctx.graph.add("Sigmoid", [x])])


@converts_op(A.Softplus)
def softplus(ctx, node):
    # log(1 + e^(beta x)) / beta, and x itself where beta x > threshold, as glassnet (and PyTorch) do
    g, x, dtype = ctx.graph, ctx.value(node.inputs[0]), node.inputs[0].dtype
    bx = x if node.beta == 1 else g.add("Mul", [x, g.scalar(node.beta, dtype)])
    y = g.add("Softplus", [bx])
    y = y if node.beta == 1 else g.add("Div", [y, g.scalar(node.beta, dtype)])
    return g.add("Where", [g.add("Greater", [bx, g.scalar(node.threshold, dtype)]), x, y])


# -------------------------------------------------------------- reductions
@converts_op(R.Sum)
def reduce_sum(ctx, node):
    return ctx.graph.reduce("ReduceSum", ctx.value(node.inputs[0]), node.axes, node.keepdim)


@converts_op(R.MaxMin)
def reduce_max_min(ctx, node):
    # max(x, dim) is this node too; its indices are a separate constant, refused where they are used.
    op = "ReduceMax" if node.largest else "ReduceMin"
    return ctx.graph.reduce(op, ctx.value(node.inputs[0]), node.axes, node.keepdim)


# --------------------------------------------------------- linear algebra
@converts_op(L.Linear)
def linear(ctx, node):
    g, args = ctx.graph, inputs(ctx, node)
    if node.inputs[0].ndim == 2:  # Gemm computes x W^T + b in one operator, for matrices only
        return g.add("Gemm", args, transB=1)
    y = g.add("MatMul", [args[0], g.add("Transpose", [args[1]], perm=[1, 0])])
    return y if len(args) == 2 else g.add("Add", [y, args[2]])


@converts_op(N.Normalize)
def normalize(ctx, node):
    """Layer norm as ``LayerNormalization``; batch norm on the batch's own statistics written out."""
    x, weight, bias = node.inputs
    axes, g = tuple(node.axes), ctx.graph
    trailing = axes == tuple(range(x.ndim - len(axes), x.ndim))
    if node.running is not None:
        raise UnsupportedError("batch norm in training mode; export runs the model in eval mode, so a "
                               "training-mode batch_norm call was forced in the forward")
    if trailing and tuple(weight.shape) == tuple(x.shape[axes[0]:]) and g.opset >= 17:  # new in 17
        return g.add("LayerNormalization", inputs(ctx, node), axis=axes[0], epsilon=float(node.eps))
    xv, dtype = ctx.value(x), x.dtype
    centred = g.add("Sub", [xv, g.reduce("ReduceMean", xv, axes, True)])
    var = g.reduce("ReduceMean", g.add("Mul", [centred, centred]), axes, True)
    std = g.add("Sqrt", [g.add("Add", [var, g.scalar(node.eps, dtype)])])
    shape = g.ints(node.shape)
    scaled = g.add("Mul", [g.add("Div", [centred, std]), g.add("Reshape", [ctx.value(weight), shape])])
    return g.add("Add", [scaled, g.add("Reshape", [ctx.value(bias), shape])])
