"""Keras's ``TextVectorization``: strings to word indices or bag-of-words rows, with Keras's rules.

glassnet's own ``glassnet.data.TextVectorizer`` tokenizes differently (it
splits on any non-letter, keeps '<pad>' and '<unk>', breaks ties
alphabetically, and uses scikit-learn's idf); this layer follows Keras 3
exactly, so a vocabulary and its indices are the ones Keras would give:

* standardize 'lower_and_strip_punctuation': ASCII letters lowercased (as
  ``tf.strings.lower`` does; 'É' stays), then the ASCII punctuation of
  Keras's regex deleted; 'lower' or 'strip_punctuation' do one of them;
* split 'whitespace': on runs of ASCII whitespace; 'character': per code
  point; ``ngrams=n`` (or a tuple of widths) adds the n-grams joined by a
  space, all 1-grams first, then the 2-grams...;
* the vocabulary: '' (padding, index 0) and '[UNK]' (1) in 'int' mode,
  only '[UNK]' (0) in the others; then the tokens by decreasing count,
  equal counts in *decreasing* string order (Keras's ``lexsort`` reversed);
  ``max_tokens`` counts the special tokens;
* 'tf_idf' multiplies counts by ``log(1 + documents / (1 + documents with
  the token))``; '[UNK]' gets the mean of the tokens' weights.

``standardize`` and ``split`` may also be Python callables, applied to one
string (Keras applies them to a batch tensor).
"""

import re
import string
from collections import Counter

import numpy as np

from ...data.text import pad_sequences
from ..functional import is_symbolic
from .base import Layer

# Keras's DEFAULT_STRIP_REGEX, character for character (",-." is the range ',' to '.').
_PUNCTUATION = re.compile(r'[!"#$%&()\*\+,-\./:;<=>?@\[\\\]^_`{|}~\']')
_ASCII_WHITESPACE = re.compile(r"[ \t\n\v\f\r]+")
_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
_MODES = ("int", "multi_hot", "count", "tf_idf")
MASK, OOV = "", "[UNK]"


class TextVectorization(Layer):
    flops_per_output_element = 0

    def __init__(self, max_tokens=None, standardize="lower_and_strip_punctuation", split="whitespace",
                 ngrams=None, output_mode="int", output_sequence_length=None, pad_to_max_tokens=False,
                 vocabulary=None, idf_weights=None, sparse=False, ragged=False, encoding="utf-8",
                 vocabulary_size=None, **kwargs):
        super().__init__(**kwargs)
        output_mode = {"binary": "multi_hot", "tf-idf": "tf_idf"}.get(output_mode, output_mode)
        if output_mode not in _MODES:
            raise ValueError(f"{self.name}: output_mode must be one of {_MODES}, got {output_mode!r}")
        if standardize not in (None, "lower_and_strip_punctuation", "lower", "strip_punctuation") and \
                not callable(standardize):
            raise ValueError(f"{self.name}: unknown standardize={standardize!r}")
        if split not in (None, "whitespace", "character") and not callable(split):
            raise ValueError(f"{self.name}: unknown split={split!r}")
        if output_sequence_length is not None and output_mode != "int":
            raise ValueError(f"{self.name}: output_sequence_length only applies to output_mode='int'")
        if sparse or ragged:
            raise NotImplementedError(f"{self.name}: sparse and ragged outputs need TensorFlow; glassnet "
                                      "returns dense arrays")
        self.max_tokens, self.standardize, self.split = max_tokens, standardize, split
        self.ngrams = tuple(range(1, ngrams + 1)) if isinstance(ngrams, int) else ngrams
        self.output_mode, self.output_sequence_length = output_mode, output_sequence_length
        self.pad_to_max_tokens, self.encoding = pad_to_max_tokens, encoding
        self.specials = [MASK, OOV] if output_mode == "int" else [OOV]
        self.tokens, self.idf, self.adapted, self.fixed = [], None, False, vocabulary is not None
        self._index = None  # token -> index, made on first use
        if vocabulary is not None:
            self.set_vocabulary(vocabulary, idf_weights)

    # ------------------------------------------------------------ strings to tokens
    def _words(self, text):
        if isinstance(text, bytes):
            text = text.decode(self.encoding)
        if callable(self.standardize):
            text = self.standardize(text)
        elif self.standardize is not None:
            if "lower" in self.standardize:
                text = text.translate(_ASCII_LOWER)
            if "punctuation" in self.standardize:
                text = _PUNCTUATION.sub("", text)
        if self.split is None:
            words = [text]
        elif self.split == "whitespace":
            words = [w for w in _ASCII_WHITESPACE.split(text) if w]
        elif self.split == "character":
            words = list(text)
        else:
            words = list(self.split(text))
        if not self.ngrams:
            return words
        return [" ".join(words[i:i + n]) for n in self.ngrams for i in range(len(words) - n + 1)]

    @staticmethod
    def _texts(batch):
        """A batch of strings as a flat list: a list, or an array of shape (N,) or (N, 1)."""
        array = np.asarray(batch, dtype=object)
        if array.ndim == 2 and array.shape[1] == 1:
            array = array[:, 0]
        if array.ndim != 1:
            raise ValueError(f"TextVectorization expects a batch of strings, shape (N,) or (N, 1); got an "
                             f"array of shape {array.shape}")
        return list(array)

    # ------------------------------------------------------------ the vocabulary
    def adapt(self, data, batch_size=None, steps=None):
        """Learn the vocabulary (and idf) from ``data``: strings, or an iterable of batches of them."""
        if self.fixed:
            raise ValueError(f"{self.name}: cannot adapt a layer given a vocabulary")
        batches = [data] if isinstance(data, (list, tuple, np.ndarray, str)) else data
        counts, documents, n_documents = Counter(), Counter(), 0
        for i, batch in enumerate(batches):
            if steps is not None and i >= steps:
                break
            for text in self._texts([batch] if isinstance(batch, str) else batch):
                words = self._words(text)
                counts.update(words)
                documents.update(set(words))
                n_documents += 1
        for special in (MASK, OOV):
            counts.pop(special, None)
        ranked = sorted(counts, key=lambda w: (counts[w], w), reverse=True)
        if self.max_tokens:
            ranked = ranked[:self.max_tokens - len(self.specials)]
        self.tokens, self.adapted = ranked, True
        if self.output_mode == "tf_idf":
            df = np.array([documents[w] for w in ranked], np.float64)
            idf = np.log(1 + n_documents / (1 + df)).astype(np.float32)
            self.idf = np.concatenate([[idf.mean() if len(idf) else 0.0], idf]).astype(np.float32)
        self._index = None

    def set_vocabulary(self, vocabulary, idf_weights=None):
        vocabulary = [w.decode(self.encoding) if isinstance(w, bytes) else str(w) for w in vocabulary]
        found_specials = vocabulary[:len(self.specials)] == self.specials
        tokens = vocabulary[len(self.specials):] if found_specials else vocabulary
        if len(set(tokens)) != len(tokens) or MASK in tokens:
            raise ValueError(f"{self.name}: the vocabulary repeats a token, or has '' after its start")
        if self.max_tokens is not None and len(tokens) + len(self.specials) > self.max_tokens:
            raise ValueError(f"{self.name}: {len(tokens) + len(self.specials)} tokens are more than "
                             f"max_tokens={self.max_tokens}")
        if (self.output_mode == "tf_idf") != (idf_weights is not None):
            raise ValueError(f"{self.name}: idf_weights go with output_mode='tf_idf', and only with it")
        self.tokens, self._index = tokens, None
        if idf_weights is not None:
            idf = np.asarray(idf_weights, np.float64)
            if len(idf) != len(vocabulary):
                raise ValueError(f"{self.name}: {len(idf)} idf_weights for {len(vocabulary)} tokens")
            front = [] if found_specials else [np.average(idf)] * len(self.specials)
            self.idf = np.concatenate([front, idf]).astype(np.float32)

    def get_vocabulary(self, include_special_tokens=True):
        return (self.specials if include_special_tokens else []) + list(self.tokens)

    def vocabulary_size(self):
        return len(self.specials) + len(self.tokens)

    def _lookup(self):
        if self._index is None:
            self._index = {w: i for i, w in enumerate(self.get_vocabulary())}
        return self._index

    def get_config(self):
        config = super().get_config()
        if self.adapted:  # a learned vocabulary is saved with the layer, as a given one is
            config["vocabulary"] = list(self.tokens)
            if self.idf is not None:
                config["idf_weights"] = self.idf[len(self.specials):].tolist()
        config["vocabulary_size"] = self.vocabulary_size()
        return config

    # ------------------------------------------------------------ vectorizing
    def forward(self, inputs):
        if is_symbolic(inputs):
            raise NotImplementedError(f"{self.name}: glassnet.keras runs TextVectorization on strings "
                                      "before the model (e.g. x = vectorize(texts)), not inside it")
        if isinstance(inputs, (str, bytes)):  # one string: one row, without the batch axis
            return self.call([inputs])[0]
        return self.call(inputs)

    def call(self, texts):
        index, unknown = self._lookup(), self.specials.index(OOV)
        ids = [[index.get(w, unknown) for w in self._words(t)] for t in self._texts(texts)]
        if self.output_mode == "int":
            return pad_sequences(ids, maxlen=self.output_sequence_length, dtype=np.int64, padding="post",
                                 truncating="post")
        width = self.max_tokens if self.pad_to_max_tokens and self.max_tokens else self.vocabulary_size()
        out = np.zeros((len(ids), width), np.float32)
        rows = np.repeat(np.arange(len(ids)), [len(row) for row in ids])
        columns = np.fromiter((i for row in ids for i in row), np.int64, count=len(rows))
        if self.output_mode == "multi_hot":
            out[rows, columns] = 1
            return out
        np.add.at(out, (rows, columns), 1)
        if self.output_mode == "tf_idf":
            out[:, :len(self.idf)] *= self.idf
        return out

    def extra_repr(self):
        return (f"name={self.name!r}, output_mode={self.output_mode!r}, "
                f"vocabulary_size={self.vocabulary_size()}")
