"""Keras's merge layers for the functional API: each takes a list of tensors of one shape.

Masks merge as in Keras: a step is kept where any input keeps it, and
only when every input has a mask (Concatenate counts an input without one
as all kept).
"""

import numpy as np

from ...ops.shape import cat
from .base import Layer
from .masking import SupportsMasking, mask_of


class _Merge(SupportsMasking, Layer):
    takes_list = True
    flops_per_output_element = 1

    def call(self, inputs):
        if not isinstance(inputs, (list, tuple)) or len(inputs) < 2:
            raise ValueError(f"{self.name} expects a list of at least 2 tensors")
        return self.merge(list(inputs))

    def compute_mask(self, inputs, mask):
        masks = [mask_of(x) for x in inputs]
        if any(m is None for m in masks):
            return None
        return np.logical_or.reduce(masks)


class Add(_Merge):
    def merge(self, xs):
        out = xs[0]
        for x in xs[1:]:
            out = out + x
        return out


class Subtract(_Merge):
    def merge(self, xs):
        if len(xs) != 2:
            raise ValueError(f"{self.name} expects exactly 2 tensors, got {len(xs)}")
        return xs[0] - xs[1]


class Multiply(_Merge):
    def merge(self, xs):
        out = xs[0]
        for x in xs[1:]:
            out = out * x
        return out


class Average(Add):
    def merge(self, xs):
        return super().merge(xs) * (1.0 / len(xs))


class Maximum(_Merge):
    def merge(self, xs):
        out = xs[0]
        for x in xs[1:]:
            out = out.maximum(x)
        return out


class Minimum(_Merge):
    def merge(self, xs):
        out = xs[0]
        for x in xs[1:]:
            out = out.minimum(x)
        return out


class Concatenate(_Merge):
    flops_per_output_element = 0

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis

    def merge(self, xs):
        return cat(xs, self.axis)

    def compute_mask(self, inputs, mask):
        masks = [mask_of(x) for x in inputs]
        if all(m is None for m in masks):
            return None
        # Keras's way, which works for any axis: each mask spread over its input's shape, those joined
        # like the inputs, and a step kept where any of its features is.
        full = [np.ones(x.shape, bool) if m is None
                else np.broadcast_to(m.reshape(m.shape + (1,) * (x.ndim - m.ndim)), x.shape)
                for x, m in zip(inputs, masks)]
        return np.concatenate(full, axis=self.axis).any(axis=-1)


def add(inputs, **kwargs):
    return Add(**kwargs)(inputs)


def subtract(inputs, **kwargs):
    return Subtract(**kwargs)(inputs)


def multiply(inputs, **kwargs):
    return Multiply(**kwargs)(inputs)


def average(inputs, **kwargs):
    return Average(**kwargs)(inputs)


def concatenate(inputs, axis=-1, **kwargs):
    return Concatenate(axis=axis, **kwargs)(inputs)
