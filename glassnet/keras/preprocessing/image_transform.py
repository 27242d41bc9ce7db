"""The geometry under Keras's image augmentation, in NumPy: affine warps, resizing, flips, brightness.

One warp serves ``ImageDataGenerator`` and the ``Random*`` layers. A warp
is given, per image, the 2x3 matrix that maps an *output* pixel's
``(x, y)`` = (column, row) to the point of the input it is read from
(Keras's ``ops.image.affine_transform`` convention). That point is read by
bilinear (or nearest) interpolation between its neighbours; neighbours
outside the image are found by the fill mode, as Keras documents them for
an input ``a b c d``:

=========  =================================
reflect    ``d c b a | a b c d | d c b a``
wrap       ``a b c d | a b c d | a b c d``
nearest    ``a a a a | a b c d | d d d d``
constant   ``k k k k | a b c d | k k k k`` (k = ``cval``/``fill_value``)
=========  =================================

Interpolating per neighbour (not per point) means a point half a pixel
outside the image in 'constant' mode blends the edge with ``k``, as Keras 3
does; the scipy warp of Keras 2's generator gives ``k`` there instead.

A warp is planned as flat indices and weights (``sampling_plan``) and then
applied to the arrays (``apply_plan``): the layers apply the same plan with
glassnet's ops when a gradient must flow through them.
"""

import functools

import numpy as np

FILL_MODES = ("reflect", "wrap", "nearest", "constant")
INTERPOLATIONS = ("bilinear", "nearest")


def check_choice(value, allowed, what, who):
    if value not in allowed:
        raise ValueError(f"{who}: {what} must be one of {list(allowed)}, got {value!r}")
    return value


# ------------------------------------------------------------------ matrices
def keras_generator_matrix(theta=0.0, tx=0.0, ty=0.0, shear=0.0, zx=1.0, zy=1.0, height=1, width=1):
    """The 3x3 output -> input matrix of ``ImageDataGenerator.apply_transform``, in (x, y) coordinates.

    ``theta`` and ``shear`` are in degrees, ``tx`` shifts rows (vertically)
    and ``ty`` columns, ``zx`` scales columns and ``zy`` rows (a zoom below 1
    magnifies). The parts are composed as Keras composes them, rotation @
    shift @ shear @ zoom, about the image's centre ((width - 1) / 2,
    (height - 1) / 2).
    """
    t, s = np.deg2rad(theta), np.deg2rad(shear)
    rotation = np.array([[np.cos(t), -np.sin(t), 0], [np.sin(t), np.cos(t), 0], [0, 0, 1]])
    shift = np.array([[1, 0, ty], [0, 1, tx], [0, 0, 1]], dtype=float)
    shearing = np.array([[1, -np.sin(s), 0], [0, np.cos(s), 0], [0, 0, 1]])
    zoom = np.array([[zx, 0, 0], [0, zy, 0], [0, 0, 1]], dtype=float)
    return about_centre(rotation @ shift @ shearing @ zoom, height, width)


def about_centre(matrix, height, width):
    """``matrix`` applied about the image centre instead of about pixel (0, 0)."""
    cx, cy = (width - 1) / 2, (height - 1) / 2
    to_centre = np.array([[1, 0, cx], [0, 1, cy], [0, 0, 1]], dtype=float)
    from_centre = np.array([[1, 0, -cx], [0, 1, -cy], [0, 0, 1]], dtype=float)
    return to_centre @ matrix @ from_centre


def rotation_matrices(degrees, height, width):
    """(N, 3, 3): counter-clockwise rotations by ``degrees`` about the centre (Keras 3's RandomRotation)."""
    out = []
    for angle in np.deg2rad(np.asarray(degrees, dtype=float).reshape(-1)):
        c, s = np.cos(angle), np.sin(angle)
        out.append(about_centre(np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]]), height, width))
    return np.stack(out)


def zoom_matrices(height_zoom, width_zoom, height, width):
    """(N, 3, 3): sampling coordinates scaled about the centre; a zoom above 1 shows more (zooms out)."""
    out = [about_centre(np.diag([zw, zh, 1.0]), height, width)
           for zh, zw in zip(np.reshape(height_zoom, -1), np.reshape(width_zoom, -1))]
    return np.stack(out)


def translation_matrices(dy, dx):
    """(N, 3, 3): content moved ``dx`` pixels right and ``dy`` down (read from ``x - dx``, ``y - dy``)."""
    out = [np.array([[1, 0, -x], [0, 1, -y], [0, 0, 1]], dtype=float)
           for y, x in zip(np.reshape(dy, -1), np.reshape(dx, -1))]
    return np.stack(out)


# ------------------------------------------------------------------ warping
def _fix_indices(index, size, fill_mode):
    """Neighbour indices moved into [0, size) by the fill mode, and which of them were inside."""
    inside = (index >= 0) & (index < size)
    if fill_mode == "wrap":
        return np.mod(index, size), inside
    if fill_mode == "reflect":  # period 2 * size: 0 1 .. size-1 size-1 .. 1 0
        folded = np.mod(index, 2 * size)
        return np.where(folded >= size, 2 * size - 1 - folded, folded), inside
    return np.clip(index, 0, size - 1), inside  # nearest, and constant (whose outside weights are dropped)


def _nodes(coordinate, interpolation):
    """``[(integer index, weight)]`` of the neighbours that interpolate at ``coordinate`` along one axis."""
    if interpolation == "nearest":
        return [(np.round(coordinate).astype(np.int64), np.ones_like(coordinate))]
    lower = np.floor(coordinate)
    upper_weight = coordinate - lower
    lower = lower.astype(np.int64)
    return [(lower, 1.0 - upper_weight), (lower + 1, upper_weight)]


@functools.lru_cache(maxsize=16)
def _grid(height, width):
    """Homogeneous (x, y, 1) coordinates of every pixel, row by row: (3, H * W), read-only."""
    rows, cols = np.mgrid[0:height, 0:width]
    points = np.stack([cols.ravel(), rows.ravel(), np.ones(height * width)]).astype(float)
    points.flags.writeable = False
    return points


def sampling_plan(matrices, in_size, out_size=None, interpolation="bilinear", fill_mode="reflect"):
    """Where each output pixel of each image reads from.

    ``matrices``: (N, 3, 3) or (N, 2, 3) output -> input maps in (x, y).
    Returns ``(indices, weights, outside)``: (N, P, K) flat indices into one
    image's H * W pixels and their float64 weights (K = 4 neighbours, or 1
    for nearest), and (N, P) the weight that falls outside the image (to be
    filled with ``cval`` in 'constant' mode; zero in the other modes).
    """
    height, width = in_size
    mapped = np.asarray(matrices, dtype=float)[:, :2] @ _grid(*(out_size or in_size))  # (N, 2, P): x, y
    xs = [(*_fix_indices(i, width, fill_mode), w) for i, w in _nodes(mapped[:, 0], interpolation)]
    ys = [(*_fix_indices(i, height, fill_mode), w) for i, w in _nodes(mapped[:, 1], interpolation)]
    indices, weights = [], []
    outside = np.zeros((mapped.shape[0], mapped.shape[2]))
    for yi, y_in, yw in ys:
        for xi, x_in, xw in xs:
            w = yw * xw
            if fill_mode == "constant":
                inside = x_in & y_in
                outside += np.where(inside, 0.0, w)
                w = np.where(inside, w, 0.0)
            indices.append(yi * width + xi)
            weights.append(w)
    return np.stack(indices, -1), np.stack(weights, -1), outside


def apply_plan(images, plan, out_size=None, fill_value=0.0):
    """``images`` (N, H, W, C) read through a ``sampling_plan``: (N, H', W', C) in the images' float dtype."""
    indices, weights, outside = plan
    n, height, width, channels = images.shape
    out_h, out_w = out_size or (height, width)
    dtype = images.dtype if images.dtype.kind == "f" else np.float32
    # One flat take over all images' pixels: several times faster than a broadcast fancy index.
    rows = (indices + (np.arange(n) * (height * width))[:, None, None]).reshape(-1)
    pixels = images.reshape(n * height * width, channels)
    gathered = np.take(pixels, rows, axis=0).reshape(indices.shape + (channels,))
    out = np.einsum("npkc,npk->npc", gathered.astype(dtype, copy=False), weights.astype(dtype, copy=False))
    if fill_value and outside.any():
        out += (fill_value * outside).astype(dtype)[..., None]
    return out.reshape(n, out_h, out_w, channels)


def warp(images, matrices, interpolation="bilinear", fill_mode="reflect", fill_value=0.0):
    """Each image of ``images`` (N, H, W, C) warped by its own output -> input matrix (N, 3, 3)."""
    size = images.shape[1:3]
    plan = sampling_plan(matrices, size, size, interpolation, fill_mode)
    return apply_plan(images, plan, size, fill_value)


# ------------------------------------------------------------------ resizing
def resize_taps(in_size, out_size, interpolation="bilinear"):
    """``(lower, upper, upper_weight)``: the two input pixels each output pixel of one axis reads.

    Half-pixel centres and no antialiasing: bilinear reads position
    ``(i + 0.5) * in / out - 0.5`` between its two neighbours (clamped at the
    edges); nearest takes pixel ``floor((i + 0.5) * in / out)`` (weight 0 on
    ``upper``). This is Keras 3's ``Resizing`` on its torch backend
    (``interpolate(align_corners=False)``, 'nearest-exact').
    """
    centres = (np.arange(out_size) + 0.5) * (in_size / out_size)
    if interpolation == "nearest":
        lower = np.minimum(np.floor(centres).astype(np.int64), in_size - 1)
        return lower, lower, np.zeros(out_size)
    position = np.maximum(centres - 0.5, 0.0)
    lower = np.minimum(np.floor(position).astype(np.int64), in_size - 1)
    return lower, np.minimum(lower + 1, in_size - 1), position - lower


def resize_weights(in_size, out_size, interpolation="bilinear"):
    """The same resize of one axis as an (out_size, in_size) matrix (for the differentiable layer)."""
    lower, upper, weight = resize_taps(in_size, out_size, interpolation)
    matrix = np.zeros((out_size, in_size))
    np.add.at(matrix, (np.arange(out_size), lower), 1.0 - weight)
    np.add.at(matrix, (np.arange(out_size), upper), weight)
    return matrix


def resize(images, size, interpolation="bilinear"):
    """``images`` (N, H, W, C) or (H, W, C) resized to ``size`` = (height, width), as float32 (or float64)."""
    x = np.asarray(images)
    x = x if x.dtype.kind == "f" else x.astype(np.float32)
    for axis, out_size in ((x.ndim - 3, size[0]), (x.ndim - 2, size[1])):
        lower, upper, weight = resize_taps(x.shape[axis], out_size, interpolation)
        low = np.take(x, lower, axis=axis)
        if interpolation == "nearest":
            x = low
            continue
        shape = [1] * x.ndim
        shape[axis] = out_size
        x = low + (np.take(x, upper, axis=axis) - low) * weight.reshape(shape).astype(x.dtype)
    return x


def aspect_box(height, width, target_height, target_width, pad=False):
    """``(top, left, box_height, box_width)``: the centred crop (or, with ``pad``, the padded canvas)
    that gives an image of height x width the target's aspect ratio, as Keras computes it."""
    box_h = int(width * target_height / target_width)
    box_w = int(height * target_width / target_height)
    if pad:  # Keras pads the same amount on both sides (an odd difference loses a row)
        top, left = int((max(height, box_h) - height) / 2), int((max(width, box_w) - width) / 2)
        return top, left, height + 2 * top, width + 2 * left
    box_h, box_w = max(min(height, box_h), 1), max(min(width, box_w), 1)
    return int((height - box_h) / 2), int((width - box_w) / 2), box_h, box_w


def fit_aspect(images, target_size, crop=False, pad=False, fill_value=0.0):
    """(…, H, W, C) images centre-cropped or padded to the aspect ratio of ``target_size``."""
    if not (crop or pad):
        return images
    height, width = images.shape[-3:-1]
    top, left, box_h, box_w = aspect_box(height, width, *target_size, pad=pad)
    if crop:
        return images[..., top:top + box_h, left:left + box_w, :]
    canvas = np.full(images.shape[:-3] + (box_h, box_w, images.shape[-1]), fill_value, dtype=images.dtype)
    canvas[..., top:top + height, left:left + width, :] = images
    return canvas


def smart_resize(x, size, interpolation="bilinear"):
    """Keras's ``smart_resize``: crop the centre to ``size``'s aspect ratio, then resize (no distortion)."""
    x = np.asarray(x)
    if x.ndim not in (3, 4):
        raise ValueError(f"smart_resize: expected an image (height, width, channels) or a batch of them, "
                         f"got shape {x.shape}")
    return resize(fit_aspect(x, size, crop=True), size, interpolation)


# ------------------------------------------------------------------ colours
def adjust_brightness(x, factor):
    """``x`` scaled by ``factor`` as Pillow's ``ImageEnhance.Brightness`` would (clipped to [0, 255]).

    Values outside [0, 255] are first mapped onto it and back afterwards, as
    Keras does; unlike Keras's round trip through a uint8 image, nothing is
    rounded.
    """
    low, high = float(np.min(x)), float(np.max(x))
    if low >= 0 and high <= 255:
        return np.clip(x * factor, 0, 255).astype(x.dtype, copy=False)
    span = (high - low) or 1.0
    scaled = np.clip((x - low) * (255.0 / span) * factor, 0, 255)
    return (scaled * (span / 255.0) + low).astype(x.dtype, copy=False)


def shift_channels(x, intensity):
    """Add ``intensity`` to every channel of one image, clipped to the image's own [min, max]."""
    return np.clip(x + intensity, np.min(x), np.max(x)).astype(x.dtype, copy=False)
