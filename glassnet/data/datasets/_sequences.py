"""Keras' rules for its word-index datasets (IMDB, Reuters), shared by both loaders.

In Keras' files a review is a list of word ranks (1 = most frequent word).
``load_data`` then, in this order: shuffles with ``np.random.RandomState(seed)``,
adds ``index_from`` to every rank and puts ``start_char`` in front, drops
sequences that are not *shorter* than ``maxlen``, and replaces every index
outside ``[skip_top, num_words)`` with ``oov_char`` (or drops it when
``oov_char`` is None). Indices 0, 1 and 2 are thus padding, start and
out-of-vocabulary, and word rank r becomes index r + 3.

The work is done on one flat array of all indices rather than list by list,
because IMDB has 11 million of them.
"""

import numpy as np


def shuffle(rng, sequences, labels):
    """Keras' order: one ``rng.shuffle`` of ``arange(n)``, applied to both."""
    order = np.arange(len(sequences))
    rng.shuffle(order)
    return [sequences[i] for i in order], np.asarray(labels)[order]


def _object_array(lists):
    """A 1-D object array of lists, even when every list has the same length."""
    out = np.empty(len(lists), dtype=object)
    out[:] = lists
    return out


def keras_sequences(sequences, labels, num_words=None, skip_top=0, maxlen=None,
                    start_char=1, oov_char=2, index_from=3):
    """Apply Keras' index rules to ``sequences`` of word ranks; return ``(x, labels, kept)``.

    A rank of -1 means "a word the index does not know" and always becomes
    ``oov_char``. ``kept`` marks the sequences that survived ``maxlen``, so a
    caller that concatenated train and test can split them again.
    """
    lengths = np.fromiter(map(len, sequences), dtype=np.int64, count=len(sequences))
    flat = np.concatenate([np.asarray(s, dtype=np.int64) for s in sequences] or [np.zeros(0, np.int64)])
    unknown = flat < 0
    flat = flat + index_from
    if start_char is not None:
        starts = np.cumsum(lengths) - lengths
        flat = np.insert(flat, starts, start_char)
        unknown = np.insert(unknown, starts, False)
        lengths = lengths + 1
    kept = np.ones(len(lengths), dtype=bool) if not maxlen else lengths < maxlen
    rows = np.repeat(np.arange(len(lengths)), lengths)
    flat, unknown, rows = flat[kept[rows]], unknown[kept[rows]], rows[kept[rows]]
    if not num_words:
        # Keras' own default, quirk included: the largest index itself is then
        # outside [skip_top, num_words) and becomes oov_char.
        known = flat[~unknown]
        num_words = int(known.max()) if len(known) else 0
    inside = (flat >= skip_top) & (flat < num_words) & ~unknown
    if oov_char is not None:
        flat = np.where(inside, flat, oov_char)
    else:
        flat, rows = flat[inside], rows[inside]
    lengths = np.bincount(rows, minlength=len(lengths))[kept]
    pieces = np.split(flat, np.cumsum(lengths)[:-1]) if len(lengths) else []
    return _object_array([piece.tolist() for piece in pieces]), np.asarray(labels)[kept], kept
