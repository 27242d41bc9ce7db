"""Transposed convolution: ``conv_transpose2d``, the input gradient of a convolution used forward.

A stride-s convolution maps an (H_out, W_out) image to (H, W); its
transpose maps (H, W) back up to (H_out, W_out), spreading each input pixel
over a kernel-sized patch.  That is exactly ``conv.Conv2dInputGrad`` with
the input in the place of the output gradient, so the forward, the
backward (a convolution and a weight gradient) and every higher derivative
come from the convolution's own three nodes.
"""

from ..kernels.windows import make_geometry, pair
from .conv import Conv2dInputGrad
from .shape import reshape, squeeze, unsqueeze


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,  # noqa: A002
                     dilation=1):
    """The transpose of ``conv2d`` of (N, C, H, W) or (C, H, W) input, as PyTorch defines it.

    ``weight`` is (in_channels, out_channels / groups, kh, kw).  The output
    is ``(H - 1) * stride - 2 * padding + dilation * (kh - 1) + output_padding + 1``
    high (and likewise wide); ``output_padding`` (smaller than the stride)
    picks among the sizes a strided convolution maps to the same H.
    """
    name = "conv_transpose2d"
    if input.ndim == 3:
        out = conv_transpose2d(unsqueeze(input, 0), weight, bias, stride, padding, output_padding, groups,
                               dilation)
        return squeeze(out, 0)
    _check(input, weight, groups)
    stride, padding = pair(stride, name, "stride"), pair(padding, name, "padding")
    dilation, extra = pair(dilation, name, "dilation"), pair(output_padding, name, "output_padding")
    if any(e < 0 or e >= s for e, s in zip(extra, stride)):
        raise ValueError(f"{name}: output_padding {extra} must be at least 0 and smaller than the "
                         f"stride {stride}")
    if min(padding) < 0:
        raise ValueError(f"{name}: negative padding {padding} is not supported")
    kernel = weight.shape[2:]
    size = tuple((n - 1) * s - 2 * p + d * (k - 1) + e + 1
                 for n, s, p, d, k, e in zip(input.shape[2:], stride, padding, dilation, kernel, extra))
    if min(size) < 1:
        raise RuntimeError(f"{name}: input of shape {tuple(input.shape)} with padding {padding} gives an "
                           f"empty output ({size[0]} x {size[1]}); use less padding")
    out_channels = weight.shape[1] * groups
    if bias is not None and tuple(bias.shape) != (out_channels,):
        raise RuntimeError(f"{name}: bias of shape {tuple(bias.shape)} should be ({out_channels},)")
    # The geometry of the convolution this one transposes: from the output size back to the input's.
    geom = make_geometry(name, size, kernel, stride, dilation, tuple((p, p) for p in padding))
    y = Conv2dInputGrad.apply(input, weight, geom=geom, groups=groups)
    return y if bias is None else y + reshape(bias, (1, out_channels, 1, 1))


def _check(x, weight, groups):
    name = "conv_transpose2d"
    if x.ndim != 4 or weight.ndim != 4:
        raise RuntimeError(f"{name}: expected a 4-D input (N, C, H, W) or 3-D (C, H, W) and a 4-D weight "
                           f"(in_channels, out_channels / groups, kh, kw), got input {tuple(x.shape)} and "
                           f"weight {tuple(weight.shape)}")
    if not isinstance(groups, int) or groups < 1 or weight.shape[0] % groups:
        raise ValueError(f"{name}: groups={groups!r} must be a positive int dividing in_channels "
                         f"{weight.shape[0]}")
    if x.shape[1] != weight.shape[0]:
        raise RuntimeError(f"{name}: the input of shape {tuple(x.shape)} has {x.shape[1]} channels, but "
                           f"the weight of shape {tuple(weight.shape)} expects {weight.shape[0]} "
                           "(weight.shape[0])")
    if x.array.dtype.kind != "f" or x.array.dtype != weight.array.dtype:
        raise TypeError(f"{name}: input ({x.dtype}) and weight ({weight.dtype}) must be floating point "
                        "and of one dtype")
