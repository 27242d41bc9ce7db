"""Variable-length sequences for the recurrent layers, as in ``torch.nn.utils.rnn``.

A batch of sequences of different lengths is padded to a rectangle for
storage, but padding must not change what an RNN computes.  *Packing*
removes it: the rows of all time steps are stacked, longest sequences first,
and ``batch_sizes[t]`` says how many sequences are still running at step t.
``RNN``, ``LSTM`` and ``GRU`` accept a ``PackedSequence`` and return one; a
sequence's final state is then the state at its own last step, and the
reverse direction of a bidirectional layer starts at that step too.

Typical use::

    packed = pack_padded_sequence(embedded, lengths, batch_first=True, enforce_sorted=False)
    output, (h_n, c_n) = lstm(packed)
    output, lengths = pad_packed_sequence(output, batch_first=True)

Packing and unpacking are a row gather and a row scatter, so gradients flow
through them to the padded input.
"""

from typing import NamedTuple

import numpy as np

from ...ops import embedding as E
from ...ops.shape import cat, reshape
from ...tensor import Tensor


class PackedSequence(NamedTuple):
    """``data``: (total steps, *features) rows, time-major; ``batch_sizes``: rows per step.

    ``sorted_indices[j]`` is the batch position of the j-th longest sequence
    (None when the batch was already sorted); ``unsorted_indices`` undoes it.
    """

    data: Tensor
    batch_sizes: Tensor
    sorted_indices: Tensor = None
    unsorted_indices: Tensor = None


def _int_array(values, what):
    array = np.asarray(values.array if isinstance(values, Tensor) else values)
    if array.dtype.kind not in "iu":
        raise TypeError(f"{what} must be integers, got dtype {array.dtype}")
    return array.astype(np.int64).reshape(-1)


def _long(array):
    return Tensor._make(np.asarray(array, np.int64), None, 0)


def _rows(batch_sizes, order, n_steps, batch, batch_first):
    """Row of the padded (steps x batch, flattened) tensor for each packed row."""
    offsets = np.concatenate([[0], np.cumsum(batch_sizes)[:-1]])
    step = np.repeat(np.arange(len(batch_sizes)), batch_sizes)
    rank = np.arange(step.size) - offsets[step]
    member = rank if order is None else order[rank]
    return member * n_steps + step if batch_first else step * batch + member


def pack_padded_sequence(input, lengths, batch_first=False, enforce_sorted=True):  # noqa: A002
    """Pack a padded batch (T x B x * or B x T x *) whose sequence b has ``lengths[b]`` steps."""
    lengths = _int_array(lengths, "pack_padded_sequence: lengths")
    batch = input.shape[0 if batch_first else 1]
    n_steps = input.shape[1 if batch_first else 0]
    if lengths.size != batch:
        raise ValueError(
            f"pack_padded_sequence: got {lengths.size} lengths for a batch of {batch} sequences"
        )
    if lengths.min() <= 0:
        raise RuntimeError(
            "pack_padded_sequence: every length must be greater than 0, got "
            f"{lengths.tolist()}; drop empty sequences first"
        )
    if lengths.max() > n_steps:
        raise ValueError(
            f"pack_padded_sequence: a length of {lengths.max()} exceeds the {n_steps} time steps of the input"
        )
    if enforce_sorted:
        if np.any(np.diff(lengths) > 0):
            raise RuntimeError(
                "pack_padded_sequence: `lengths` must be sorted in decreasing order when "
                f"enforce_sorted=True, got {lengths.tolist()}; pass enforce_sorted=False to let "
                "glassnet sort the batch"
            )
        order = None
    else:
        order = np.argsort(-lengths, kind="stable")
    sorted_lengths = lengths if order is None else lengths[order]
    batch_sizes = (sorted_lengths[None, :] > np.arange(sorted_lengths[0])[:, None]).sum(axis=1)
    rows = _rows(batch_sizes, order, n_steps, batch, batch_first)
    flat = reshape(input, (batch * n_steps,) + tuple(input.shape[2:]))
    data = E.gather_rows(flat, rows)
    if order is None:
        return PackedSequence(data, _long(batch_sizes))
    return PackedSequence(data, _long(batch_sizes), _long(order), _long(np.argsort(order)))


def pad_packed_sequence(sequence, batch_first=False, padding_value=0.0, total_length=None):
    """Undo packing: (padded tensor, lengths), in the batch's original order."""
    data = sequence.data
    batch_sizes = _int_array(sequence.batch_sizes, "pad_packed_sequence: batch_sizes")
    order = None if sequence.sorted_indices is None else _int_array(sequence.sorted_indices, "sorted_indices")
    n_steps, batch = len(batch_sizes), int(batch_sizes[0])
    if total_length is not None:
        if total_length < n_steps:
            raise ValueError(
                f"pad_packed_sequence: total_length={total_length} is shorter than the longest "
                f"sequence ({n_steps} steps)"
            )
        n_steps = total_length
    rows = _rows(batch_sizes, order, n_steps, batch, batch_first)
    padded = E.scatter_rows(data, rows, batch * n_steps)
    if padding_value != 0:
        fill = np.full((batch * n_steps,) + tuple(data.shape[1:]), padding_value, data.dtype)
        fill[rows] = 0
        padded = padded + Tensor._make(fill, None, 0)
    shape = (batch, n_steps) if batch_first else (n_steps, batch)
    padded = reshape(padded, shape + tuple(data.shape[1:]))
    sorted_lengths = (batch_sizes[None, :] > np.arange(batch)[:, None]).sum(axis=1)
    lengths = sorted_lengths if order is None else sorted_lengths[np.argsort(order)]
    return padded, _long(lengths)


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    """Stack tensors of shape (L_i, *) into (max L, B, *) (or B first), filling with ``padding_value``."""
    sequences = list(sequences)
    if not sequences:
        raise ValueError("pad_sequence: expected a non-empty list of tensors")
    if padding_side not in ("right", "left"):
        raise ValueError(f"pad_sequence: padding_side must be 'right' or 'left', got {padding_side!r}")
    lengths = np.array([s.shape[0] for s in sequences])
    n_steps, batch = int(lengths.max()), len(sequences)
    tail = tuple(sequences[0].shape[1:])
    member = np.repeat(np.arange(batch), lengths)
    step = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    if padding_side == "left":
        step = step + (n_steps - lengths)[member]
    rows = member * n_steps + step if batch_first else step * batch + member
    padded = E.scatter_rows(cat(sequences, 0), rows, batch * n_steps)
    if padding_value != 0:
        fill = np.full((batch * n_steps,) + tail, padding_value, padded.dtype)
        fill[rows] = 0
        padded = padded + Tensor._make(fill, None, 0)
    return reshape(padded, ((batch, n_steps) if batch_first else (n_steps, batch)) + tail)


def pack_sequence(sequences, enforce_sorted=True):
    """Pack a list of (L_i, *) tensors directly."""
    lengths = [s.shape[0] for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


__all__ = ["PackedSequence", "pack_padded_sequence", "pad_packed_sequence", "pad_sequence", "pack_sequence"]
