"""``keras.preprocessing``: ``sequence.pad_sequences`` and ``text.Tokenizer``."""

from . import sequence, text
