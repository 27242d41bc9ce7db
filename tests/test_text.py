"""Text preprocessing: tokenizer, Vocabulary, pad_sequences, TextVectorizer (sklearn as the oracle)."""

import numpy as np
import pytest
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer

from glassnet.data import TextVectorizer, Vocabulary, pad_sequences, tokenize, vectorize_sequences
from glassnet.data import text as text_module

# Plain ASCII without apostrophes: sklearn with the same token regex splits it exactly as glassnet does.
CORPUS = [
    "The movie was great, great fun!",
    "A terrible movie. The plot was thin; the acting, worse.",
    "Great acting - and a great plot.",
    "Nothing happens in 2 hours; nothing at all.",
]
SKLEARN = dict(token_pattern=r"(?u)[^\W_]+", lowercase=True)


def test_tokenize_rules():
    assert tokenize("It's <br />GREAT!<br/>Really...") == ["its", "great", "really"]
    assert tokenize("well-made, 10/10; snake_case") == ["well", "made", "10", "10", "snake", "case"]
    assert tokenize("") == [] and tokenize(" .!? ") == []


def test_tokenize_unicode_matches_ascii_rule():
    # Non-ASCII text takes the regex route; it must follow the same rule as the ASCII route.
    assert tokenize("Café’s déjà-vu<br />ÉTÉ") == ["cafés", "déjà", "vu", "été"]
    for sample in ["Don't stop, it's 9am_ok!", "A\tb\nc--d", "x'y 'quoted' (paren) [x]{y}"]:
        regex_route = text_module._TOKEN.findall(sample.lower().translate(text_module._APOSTROPHES))
        assert tokenize(sample) == regex_route


def test_vocabulary_order_ties_and_oov():
    vocab = Vocabulary.build([["b", "a", "c", "a"], ["c", "d"]])
    # a and c twice (alphabetical tie-break), then b and d once.
    assert vocab.itos == ["<pad>", "<unk>", "a", "c", "b", "d"]
    assert vocab["c"] == 3 and vocab["zebra"] == 1 and "zebra" not in vocab
    assert vocab.lookup(["d", "zebra", "a"]) == [5, 1, 2]
    assert vocab.decode([0, 0, 2, 1, 5]) == "a <unk> d"
    assert vocab.decode([0, 2], skip_padding=False) == "<pad> a"
    small = Vocabulary.build([["b", "a", "c", "a"], ["c", "d"]], max_tokens=4)
    assert small.itos == ["<pad>", "<unk>", "a", "c"]
    with pytest.raises(ValueError, match="max_tokens"):
        Vocabulary.build([["a"]], max_tokens=1)


SEQS = [[1, 2, 3, 4, 5], [6, 7], [], [8, 9, 10]]


@pytest.mark.parametrize("padding, truncating, expected", [
    ("pre", "pre", [[2, 3, 4, 5], [0, 0, 6, 7], [0, 0, 0, 0], [0, 8, 9, 10]]),
    ("pre", "post", [[1, 2, 3, 4], [0, 0, 6, 7], [0, 0, 0, 0], [0, 8, 9, 10]]),
    ("post", "pre", [[2, 3, 4, 5], [6, 7, 0, 0], [0, 0, 0, 0], [8, 9, 10, 0]]),
    ("post", "post", [[1, 2, 3, 4], [6, 7, 0, 0], [0, 0, 0, 0], [8, 9, 10, 0]]),
])
def test_pad_sequences_keras_semantics(padding, truncating, expected):
    out = pad_sequences(SEQS, maxlen=4, padding=padding, truncating=truncating)
    np.testing.assert_array_equal(out, expected)
    assert out.dtype == np.int32  # Keras' default dtype


def test_pad_sequences_defaults_value_and_errors():
    out = pad_sequences([[1, 2, 3], [4]], value=-1)
    np.testing.assert_array_equal(out, [[1, 2, 3], [-1, -1, 4]])
    out = pad_sequences([np.array([5, 6]), (7,)], maxlen=3, dtype="int64", padding="post")
    np.testing.assert_array_equal(out, [[5, 6, 0], [7, 0, 0]])
    assert out.dtype == np.int64
    assert pad_sequences([[1, 2]], maxlen=0).shape == (1, 0)
    assert pad_sequences([]).shape == (0, 0)
    with pytest.raises(ValueError, match="padding"):
        pad_sequences(SEQS, padding="middle")


def test_int_mode_padding_truncation_and_decode_round_trip():
    vec = TextVectorizer(output_mode="int", output_sequence_length=6).adapt(CORPUS)
    out = vec(["great movie", "the plot was thin the acting was bad"])
    assert out.dtype == np.int64 and out.shape == (2, 6)
    great, movie = vec.vocabulary["great"], vec.vocabulary["movie"]
    np.testing.assert_array_equal(out[0], [great, movie, 0, 0, 0, 0])
    assert vec.decode(out[1]) == "the plot was thin the acting"  # truncated at the end, like Keras
    # Every training text comes back word for word (within the sequence length).
    full = TextVectorizer().adapt(CORPUS)
    for text, row in zip(CORPUS, full(CORPUS), strict=True):
        assert full.decode(row) == " ".join(tokenize(text))
    assert full(CORPUS).shape[1] == max(len(tokenize(t)) for t in CORPUS)


def test_oov_uses_training_vocabulary_only():
    vec = TextVectorizer(max_tokens=5, output_mode="int").adapt(CORPUS)
    assert vec.get_vocabulary() == ["<pad>", "<unk>", "great", "the", "a"]
    np.testing.assert_array_equal(vec(["the zebra was great"])[0], [3, 1, 1, 2])
    counts = TextVectorizer(max_tokens=5, output_mode="count").adapt(CORPUS)(["the zebra was great"])
    np.testing.assert_array_equal(counts[0], [0, 2, 1, 1, 0])


def _sklearn_columns(vec, sk):
    """glassnet column of every sklearn feature, so the matrices can be compared cell by cell."""
    return [vec.vocabulary[word] for word in sk.get_feature_names_out()]


@pytest.mark.parametrize("mode", ["multi_hot", "count"])
def test_bag_of_words_matches_sklearn(mode):
    vec = TextVectorizer(output_mode=mode).adapt(CORPUS)
    sk = CountVectorizer(binary=mode == "multi_hot", **SKLEARN).fit(CORPUS)
    queries = CORPUS + ["great great great plot twist"]
    ours = vec(queries)
    assert ours.dtype == np.float32 and ours.shape == (len(queries), vec.vocabulary_size())
    np.testing.assert_array_equal(ours[:, _sklearn_columns(vec, sk)], sk.transform(queries).toarray())
    np.testing.assert_array_equal(ours[:, 0], 0)                          # padding column
    np.testing.assert_array_equal(ours[:, 1], [0, 0, 0, 0, 1])            # "twist" is unknown


def test_tf_idf_matches_sklearn_smooth_idf():
    vec = TextVectorizer(output_mode="tf_idf").adapt(CORPUS)
    sk = TfidfVectorizer(norm=None, smooth_idf=True, sublinear_tf=False, **SKLEARN).fit(CORPUS)
    queries = ["the plot the acting", "great fun in 2 hours"]
    np.testing.assert_allclose(vec(queries)[:, _sklearn_columns(vec, sk)], sk.transform(queries).toarray(),
                               rtol=1e-6)
    # The formula, by hand: "great" is in 2 of 4 documents.
    assert vec.idf[vec.vocabulary["great"]] == pytest.approx(np.log(5 / 3) + 1)


def test_tf_idf_oov_column_uses_training_df():
    # Only "great" is kept, and every document also holds some other word: df(<unk>) = 4 of 4.
    vec = TextVectorizer(max_tokens=3, output_mode="tf_idf").adapt(CORPUS)
    assert vec.get_vocabulary() == ["<pad>", "<unk>", "great"]
    out = vec(["zebra zebra great"])
    np.testing.assert_allclose(out[0], [0, 2 * (np.log(5 / 5) + 1), np.log(5 / 3) + 1], rtol=1e-6)
    # Adapted on the last document alone, "<unk>" never occurs in training: df = 0.
    vec = TextVectorizer(output_mode="tf_idf").adapt(CORPUS[3:])
    np.testing.assert_allclose(vec(["zebra"])[0, 1], np.log(2 / 1) + 1, rtol=1e-6)


def test_vectorizer_errors_and_single_string():
    with pytest.raises(RuntimeError, match="adapt"):
        TextVectorizer()(["text"])
    with pytest.raises(ValueError, match="output_mode"):
        TextVectorizer(output_mode="binary")
    with pytest.raises(ValueError, match="output_sequence_length"):
        TextVectorizer(output_mode="count", output_sequence_length=5)
    vec = TextVectorizer(output_mode="multi_hot").adapt(CORPUS)
    assert vec("great movie").shape == (1, vec.vocabulary_size())


def test_vectorize_sequences_like_the_book():
    out = vectorize_sequences([[1, 3, 3], [0, 12]], dimension=5)
    np.testing.assert_array_equal(out, [[0, 1, 0, 1, 0], [1, 0, 0, 0, 0]])
    assert out.dtype == np.float32
