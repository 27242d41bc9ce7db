"""Turning text into numbers a network can read, and back.

Three steps, as in *Deep Learning with Python*:

1. ``tokenize``: a review becomes a list of lowercase words;
2. ``Vocabulary``: each word gets an integer, the most frequent words first,
   with 0 kept for padding and 1 for words outside the vocabulary;
3. ``TextVectorizer``: a batch of texts becomes one array, either padded
   integer sequences (for Embedding and RNN layers) or a bag-of-words matrix
   (multi-hot, counts or tf-idf, for Dense layers).

``pad_sequences`` gives lists of integer sequences one common length, with
Keras' rules. ``decode`` goes back from integers to words, so a learner can
read exactly what the network sees.
"""

import re
from collections import Counter
from itertools import chain, repeat

import numpy as np

PAD, OOV = "<pad>", "<unk>"
PAD_INDEX, OOV_INDEX = 0, 1

# IMDB reviews keep the HTML line breaks of the web page they came from.
_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
# Apostrophes are deleted rather than split on, so "don't" stays one word ("dont").
_APOSTROPHES = str.maketrans("", "", "'\u2019")
# A token is a run of letters and digits (any script); everything else separates tokens.
_TOKEN = re.compile(r"[^\W_]+")
# The same rule for pure-ASCII text, about twice as fast: every ASCII character
# that is not a letter or digit becomes a space (apostrophes vanish), then split.
_ASCII_SEPARATORS = {code: " " for code in range(128) if not chr(code).isalnum()}
_ASCII_SEPARATORS[ord("'")] = None


def tokenize(text):
    """Split ``text`` into lowercase words.

    The rule, in order: ``<br />`` tags become spaces, the text is
    lowercased, apostrophes are deleted, and the tokens are the runs
    matched by the regex ``[^\\W_]+`` (letters and digits; punctuation,
    underscores and whitespace all separate words). ``"It's <br />GREAT!"``
    gives ``['its', 'great']``.
    """
    if "<" in text:
        text = _BREAK.sub(" ", text)
    if text.isascii():
        return text.lower().translate(_ASCII_SEPARATORS).split()
    return _TOKEN.findall(text.lower().translate(_APOSTROPHES))


def _most_frequent(counts, max_words=None):
    """Words by decreasing count; equal counts in alphabetical order, so the result never varies."""
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    words = [word for word, _ in ranked]
    return words if max_words is None else words[:max_words]


class _WordToIndex(dict):
    """A dict in which every missing word means ``<unk>``, so lookups need no default argument."""

    def __missing__(self, word):
        return OOV_INDEX


class Vocabulary:
    """A two-way map between words and integers.

    Index 0 is ``<pad>`` (what ``pad_sequences`` fills with) and index 1 is
    ``<unk>``, which every word outside the vocabulary maps to. Real words
    start at 2, the most frequent first.
    """

    def __init__(self, words=()):
        self.itos = [PAD, OOV]
        self.stoi = _WordToIndex({PAD: PAD_INDEX, OOV: OOV_INDEX})
        for word in words:
            if word not in self.stoi:
                self.stoi[word] = len(self.itos)
                self.itos.append(word)

    @classmethod
    def from_counts(cls, counts, max_tokens=None):
        """The ``max_tokens`` most frequent words (``max_tokens`` counts ``<pad>`` and ``<unk>`` too)."""
        if max_tokens is not None and max_tokens < 2:
            raise ValueError(f"max_tokens={max_tokens} leaves no room: <pad> and <unk> already take 2")
        return cls(_most_frequent(counts, None if max_tokens is None else max_tokens - 2))

    @classmethod
    def build(cls, token_lists, max_tokens=None):
        """Count the words of tokenized documents and keep the most frequent."""
        return cls.from_counts(Counter(chain.from_iterable(token_lists)), max_tokens)

    def __len__(self):
        return len(self.itos)

    def __contains__(self, word):
        return word in self.stoi

    def __getitem__(self, word):
        return self.stoi[word]

    def lookup(self, tokens):
        """The index of every token, ``<unk>`` (1) for unknown ones."""
        return list(map(self.stoi.__getitem__, tokens))

    def decode(self, indices, skip_padding=True):
        """The words behind ``indices``, joined by spaces (padding left out unless asked)."""
        itos = self.itos
        words = []
        for index in np.asarray(indices, dtype=np.int64).ravel().tolist():
            if index == PAD_INDEX and skip_padding:
                continue
            words.append(itos[index] if 0 <= index < len(itos) else OOV)
        return " ".join(words)

    def __repr__(self):
        return f"Vocabulary({len(self)} entries: {self.itos[:6]}...)"


def pad_sequences(sequences, maxlen=None, dtype="int32", padding="pre", truncating="pre", value=0):
    """Stack integer sequences of different lengths into one ``(N, maxlen)`` array, like Keras.

    ``maxlen`` defaults to the longest sequence. Sequences that are too long
    lose their beginning (``truncating='pre'``) or their end (``'post'``);
    shorter ones are filled with ``value`` before (``padding='pre'``) or
    after (``'post'``) their tokens. The defaults are Keras': ``'pre'`` both,
    so the last words of a long review are the ones kept, next to the end of
    the sequence where an RNN reads them last.
    """
    for name, mode in (("padding", padding), ("truncating", truncating)):
        if mode not in ("pre", "post"):
            raise ValueError(f"{name} must be 'pre' or 'post', got {mode!r}")
    flat, lengths = _flatten(sequences)
    return _pad_flat(flat, lengths, maxlen, dtype, padding, truncating, value)


def _flatten(sequences, to_index=None):
    """All sequences as one int64 array plus their lengths (``to_index``, a dict, maps each item
    first; missing items become ``<unk>``)."""
    sequences = list(sequences)
    lengths = np.fromiter(map(len, sequences), dtype=np.int64, count=len(sequences))
    items = chain.from_iterable(sequences)
    if to_index is not None:
        # dict.get with a default stays in C; a __missing__ hook would call Python for every unknown word.
        items = map(to_index.get, items, repeat(OOV_INDEX))
    return np.fromiter(items, dtype=np.int64, count=int(lengths.sum())), lengths


def _pad_flat(flat, lengths, maxlen, dtype, padding, truncating, value):
    """``pad_sequences`` on sequences laid end to end in ``flat``."""
    if maxlen is None:
        maxlen = int(lengths.max()) if len(lengths) else 0
    out = np.full((len(lengths), maxlen), value, dtype=dtype)
    if maxlen == 0 or len(flat) == 0:
        return out
    # Every token at once: its row, its position j inside its sequence, and
    # where it lands in the output row; tokens past maxlen are dropped.
    rows = np.repeat(np.arange(len(lengths)), lengths)
    j = np.arange(len(flat)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    length, kept = lengths[rows], np.minimum(lengths, maxlen)[rows]
    first = length - kept if truncating == "pre" else 0
    keep = (j >= first) & (j < first + kept)
    column = j - first + (maxlen - kept if padding == "pre" else 0)
    out[rows[keep], column[keep]] = flat[keep]
    return out


_MODES = ("int", "multi_hot", "count", "tf_idf")


class TextVectorizer:
    """Keras' ``TextVectorization``: ``adapt`` on training texts, then call it on any batch.

    ``output_mode``:

    * ``'int'``: int64 word indices, padded with 0 at the end (or cut) to
      ``output_sequence_length``, else to the longest text in the batch;
    * ``'multi_hot'``: float32 ``(N, vocabulary size)``, 1 where a word occurs;
    * ``'count'``: the same with the number of occurrences;
    * ``'tf_idf'``: count times ``idf = ln((1 + N) / (1 + df)) + 1``, where N
      is the number of adapted documents and df how many of them contain
      the word. This is scikit-learn's smoothed idf (``TfidfVectorizer``
      with ``norm=None``); Keras uses ``ln(1 + N / (1 + df))`` instead.

    Matrix column ``i`` is vocabulary index ``i`` in every mode: column 0
    (``<pad>``) is always 0 and column 1 counts out-of-vocabulary words.
    (Keras drops the padding column in the matrix modes; keeping it makes
    ``decode`` and the columns agree.) ``max_tokens`` bounds the vocabulary
    size including ``<pad>`` and ``<unk>``, as in Keras.
    """

    def __init__(self, max_tokens=None, output_mode="int", output_sequence_length=None, tokenizer=tokenize):
        if output_mode not in _MODES:
            raise ValueError(f"output_mode must be one of {_MODES}, got {output_mode!r}")
        if output_sequence_length is not None and output_mode != "int":
            raise ValueError("output_sequence_length only applies to output_mode='int'")
        self.max_tokens = max_tokens
        self.output_mode = output_mode
        self.output_sequence_length = output_sequence_length
        self.tokenizer = tokenizer
        self.vocabulary = None
        self.idf = None

    def adapt(self, texts):
        """Build the vocabulary (and the idf weights) from the training texts only."""
        token_lists = [self.tokenizer(text) for text in _as_texts(texts)]
        self.vocabulary = Vocabulary.from_counts(Counter(chain.from_iterable(token_lists)), self.max_tokens)
        if self.output_mode == "tf_idf":
            self.idf = self._idf(token_lists)
        return self

    def _idf(self, token_lists):
        """Smoothed idf per vocabulary index; all unknown words share the ``<unk>`` entry."""
        width = len(self.vocabulary)
        # Each (document, word) pair once, then the documents per word: twice as fast as a set per
        # document.  (NumPy 2.4's plain np.unique takes a hashing path, 30x slower here than sorting.)
        pairs = np.sort(_cells(*_flatten(token_lists, self.vocabulary.stoi), width))
        first = np.concatenate([[True], pairs[1:] != pairs[:-1]])
        df = np.bincount(pairs[first] % width, minlength=width)
        idf = np.log((1.0 + len(token_lists)) / (1.0 + df)) + 1.0
        idf[PAD_INDEX] = 0.0
        return idf.astype(np.float32)

    def get_vocabulary(self):
        """Every entry, by index: ``['<pad>', '<unk>', most frequent word, ...]``."""
        self._check_adapted()
        return list(self.vocabulary.itos)

    def vocabulary_size(self):
        self._check_adapted()
        return len(self.vocabulary)

    def _check_adapted(self):
        if self.vocabulary is None:
            raise RuntimeError("TextVectorizer has no vocabulary yet: call adapt(train_texts) first")

    def __call__(self, texts):
        """Vectorize a list of texts (a single string counts as a batch of one)."""
        self._check_adapted()
        # Word indices of all texts end to end, never one small list per text: that is what
        # keeps 25,000 IMDB reviews (6 million words) within a few seconds.
        token_lists = [self.tokenizer(text) for text in _as_texts(texts)]
        ids, lengths = _flatten(token_lists, self.vocabulary.stoi)
        if self.output_mode == "int":
            return _pad_flat(ids, lengths, self.output_sequence_length, np.int64, "post", "post", PAD_INDEX)
        return self._matrix(ids, lengths)

    def _matrix(self, ids, lengths):
        width = len(self.vocabulary)
        out = np.zeros((len(lengths), width), dtype=np.float32)
        cells = _cells(ids, lengths, width)
        if self.output_mode == "multi_hot":
            out.reshape(-1)[cells] = 1.0
            return out
        cells, counts = np.unique(cells, return_counts=True)
        if self.output_mode == "tf_idf":  # only the nonzero cells, not the whole matrix
            counts = counts * self.idf[cells % width]
        out.reshape(-1)[cells] = counts
        return out

    def decode(self, sequence, skip_padding=True):
        """The words of one integer sequence, e.g. a row of ``vectorizer(texts)``."""
        self._check_adapted()
        return self.vocabulary.decode(sequence, skip_padding)

    def __repr__(self):
        size = "not adapted" if self.vocabulary is None else f"vocabulary={len(self.vocabulary)}"
        return f"TextVectorizer(output_mode={self.output_mode!r}, {size})"


def _cells(ids, lengths, width):
    """One flat position per (document, word) of a documents x ``width`` matrix: row * width + id."""
    return np.repeat(np.arange(len(lengths)) * width, lengths) + ids


def _as_texts(texts):
    return [texts] if isinstance(texts, str) else texts


def vectorize_sequences(sequences, dimension=10000):
    """Multi-hot ``(N, dimension)`` float32 matrix of integer sequences, the book's helper.

    Indices at or beyond ``dimension`` are ignored, as ``num_words`` would have removed them.
    """
    out = np.zeros((len(sequences), dimension), dtype=np.float32)
    for row, sequence in enumerate(sequences):
        indices = np.asarray(sequence, dtype=np.int64)
        out[row, indices[indices < dimension]] = 1.0
    return out


__all__ = ["OOV", "OOV_INDEX", "PAD", "PAD_INDEX", "TextVectorizer", "Vocabulary", "pad_sequences",
           "tokenize", "vectorize_sequences"]
