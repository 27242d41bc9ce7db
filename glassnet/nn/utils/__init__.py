"""Helpers around training: gradient clipping, and ``rnn`` for variable-length sequences."""

from . import rnn
from .clip_grad import clip_grad_norm_, clip_grad_value_, clip_grads_with_norm_, get_total_norm
