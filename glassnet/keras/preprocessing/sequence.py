"""``keras.preprocessing.sequence``: pad or cut integer sequences to one length."""

from ...data.text import pad_sequences

__all__ = ["pad_sequences"]
