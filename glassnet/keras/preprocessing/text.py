"""``keras.preprocessing.text.Tokenizer``: words to indices by frequency, and texts to matrices.

Index 1 is the most frequent word (0 is never a word, so it can pad);
``num_words`` keeps the ``num_words - 1`` most frequent ones when
sequences or matrices are made, as Keras does.
"""

import re
from collections import Counter

import numpy as np

_FILTERS = '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n'


class Tokenizer:
    def __init__(self, num_words=None, filters=_FILTERS, lower=True, split=" ", char_level=False,
                 oov_token=None):
        self.num_words, self.filters, self.lower, self.split = num_words, filters, lower, split
        self.char_level, self.oov_token = char_level, oov_token
        self.word_counts, self.word_docs = Counter(), Counter()
        self.word_index, self.index_word, self.document_count = {}, {}, 0
        self._table = str.maketrans({c: split for c in filters})

    def _words(self, text):
        text = text.lower() if self.lower else text
        if self.char_level:
            return list(text)
        return [w for w in text.translate(self._table).split(self.split) if w]

    def fit_on_texts(self, texts):
        for text in texts:
            self.document_count += 1
            words = self._words(text) if isinstance(text, str) else list(text)
            self.word_counts.update(words)
            self.word_docs.update(set(words))
        # Most frequent first; ties keep the order words were first seen, as Keras's sort does.
        ranked = [w for w, _ in sorted(self.word_counts.items(), key=lambda kv: -kv[1])]
        if self.oov_token is not None:
            ranked = [self.oov_token] + [w for w in ranked if w != self.oov_token]
        self.word_index = {w: i for i, w in enumerate(ranked, start=1)}
        self.index_word = {i: w for w, i in self.word_index.items()}

    def _kept(self, index):
        return self.num_words is None or index < self.num_words

    def texts_to_sequences(self, texts):
        oov = self.word_index.get(self.oov_token) if self.oov_token is not None else None
        out = []
        for text in texts:
            seq = []
            for w in (self._words(text) if isinstance(text, str) else text):
                i = self.word_index.get(w)
                if i is not None and self._kept(i):
                    seq.append(i)
                elif oov is not None:
                    seq.append(oov)
            out.append(seq)
        return out

    def sequences_to_matrix(self, sequences, mode="binary"):
        if mode not in ("binary", "count", "tfidf", "freq"):
            raise ValueError(f"Tokenizer: mode must be 'binary', 'count', 'tfidf' or 'freq', got {mode!r}")
        width = self.num_words or len(self.word_index) + 1
        x = np.zeros((len(sequences), width))
        for row, seq in enumerate(sequences):
            counts = Counter(i for i in seq if i < width)
            for i, c in counts.items():
                if mode == "count":
                    x[row, i] = c
                elif mode == "freq":
                    x[row, i] = c / len(seq)
                elif mode == "binary":
                    x[row, i] = 1
                else:  # Keras's tf-idf: (1 + log tf) * log(1 + N / (1 + df))
                    df = self.word_docs.get(self.index_word.get(i), 0)
                    x[row, i] = (1 + np.log(c)) * np.log(1 + self.document_count / (1 + df))
        return x

    def texts_to_matrix(self, texts, mode="binary"):
        return self.sequences_to_matrix(self.texts_to_sequences(texts), mode)


def text_to_word_sequence(text, filters=_FILTERS, lower=True, split=" "):
    text = text.lower() if lower else text
    return [w for w in re.split(re.escape(split), text.translate(str.maketrans({c: split for c in filters})))
            if w]
