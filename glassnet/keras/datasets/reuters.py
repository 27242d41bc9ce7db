"""``reuters.load_data(num_words=10000)``: newswires as word indices, 46 topic labels, as Keras."""

from ...data.datasets import reuters as _reuters


def load_data(path="reuters.npz", num_words=None, skip_top=0, maxlen=None, test_split=0.2, seed=113,
              start_char=1, oov_char=2, index_from=3, **kwargs):
    return _reuters.load_data(num_words=num_words, skip_top=skip_top, maxlen=maxlen, test_split=test_split,
                              seed=seed, start_char=start_char, oov_char=oov_char, index_from=index_from)


def get_word_index(path="reuters_word_index.json"):
    return _reuters.get_word_index()
