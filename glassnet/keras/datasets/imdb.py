"""``imdb.load_data(num_words=10000)``: reviews as lists of word indices, labels 0/1, as Keras."""

from ...data.datasets import imdb as _imdb


def load_data(path="imdb.npz", num_words=None, skip_top=0, maxlen=None, seed=113, start_char=1, oov_char=2,
              index_from=3, **kwargs):
    return _imdb.load_data(num_words=num_words, skip_top=skip_top, maxlen=maxlen, seed=seed,
                           start_char=start_char, oov_char=oov_char, index_from=index_from)


def get_word_index(path="imdb_word_index.json"):
    return _imdb.get_word_index()
