"""glassnet.keras's TextVectorization against Keras 3's.

Keras's TextVectorization needs TensorFlow, which glassnet's test environment does not have; the
expected vocabularies and outputs below were written down from Keras 3.15.1 with TensorFlow 2.19 on
this corpus (the same comparison runs live in the last test when TensorFlow is installed). The corpus
has the cases Keras decides in its own way: ties in counts (broken in decreasing string order),
non-ASCII capitals (tf.strings.lower leaves them), apostrophes and hyphens (deleted, not split on),
tabs and newlines, an empty document.
"""

import numpy as np
import pytest

from glassnet import keras
from glassnet.keras import layers
from glassnet.keras.saving.config import layer_entry, layer_from_entry

CORPUS = [
    "The cat sat on the mat.",
    "The DOG ate my homework!!  It's true",
    "Cats, dogs; and\tbirds\nthe END",
    "Émile's café: naïve CAFÉ-au-lait (1990s)",
    "dog dog cat zebra apple apple",
    "",
]
QUERIES = ["the cat and the dog", "unknown words here, Zebra!", "", "apple dog dog dog " + "the " * 8]

VOCABULARY = ["", "[UNK]", "the", "dog", "cat", "apple", "Émiles", "zebra", "true", "sat", "on", "naïve",
              "my", "mat", "its", "homework", "end", "dogs", "cats", "café", "cafÉaulait", "birds", "ate",
              "and", "1990s"]


pytestmark = pytest.mark.usefixtures("fresh_keras_names")


def _adapted(**kwargs):
    layer = layers.TextVectorization(**kwargs)
    layer.adapt(CORPUS)
    return layer


def _rows(rows, width):
    return np.array([row + [0] * (width - len(row)) for row in rows])


def test_int_mode_vocabulary_and_indices_are_keras():
    layer = _adapted()
    assert layer.get_vocabulary() == VOCABULARY
    assert layer.get_vocabulary(include_special_tokens=False) == VOCABULARY[2:]
    assert layer.vocabulary_size() == 25
    out = layer(QUERIES)
    assert out.dtype == np.int64
    want = _rows([[2, 4, 23, 2, 3], [1, 1, 1, 7], [], [5, 3, 3, 3] + [2] * 8], 12)
    np.testing.assert_array_equal(out, want)
    np.testing.assert_array_equal(_adapted(output_sequence_length=5)(QUERIES),
                                  [[2, 4, 23, 2, 3], [1, 1, 1, 7, 0], [0] * 5, [5, 3, 3, 3, 2]])
    short = _adapted(max_tokens=6)
    assert short.get_vocabulary() == VOCABULARY[:6]
    want = _rows([[2, 4, 1, 2, 3], [1, 1, 1, 1], [], [5, 3, 3, 3] + [2] * 8], 12)
    np.testing.assert_array_equal(short(QUERIES), want)


def test_bag_of_words_modes_are_keras():
    multi_hot = _adapted(output_mode="multi_hot")
    assert multi_hot.get_vocabulary() == VOCABULARY[1:]  # no padding entry outside 'int' mode
    out = multi_hot(QUERIES)
    assert out.dtype == np.float32 and out.shape == (4, 24)
    assert [list(np.flatnonzero(row)) for row in out] == [[1, 2, 3, 22], [0, 6], [], [1, 2, 4]]
    count = _adapted(output_mode="count", max_tokens=8)
    assert count.get_vocabulary() == ["[UNK]", "the", "dog", "cat", "apple", "Émiles", "zebra", "true"]
    np.testing.assert_array_equal(count(QUERIES), [[1, 2, 1, 1, 0, 0, 0, 0], [3, 0, 0, 0, 0, 0, 1, 0],
                                                   [0] * 8, [0, 8, 3, 0, 1, 0, 0, 0]])


def test_tf_idf_is_keras():
    layer = _adapted(output_mode="tf_idf", max_tokens=7, pad_to_max_tokens=True)
    want = [[1.212066411972046, 1.8325815200805664, 1.0986123085021973, 1.0986123085021973, 0, 0, 0],
            [3.6361992359161377, 0, 0, 0, 0, 0, 1.3862943649291992],
            [0] * 7,
            [0, 7.330326080322266, 3.295836925506592, 0, 1.3862943649291992, 0, 0]]
    np.testing.assert_allclose(layer(QUERIES), want, rtol=1e-6)
    # idf = log(1 + documents / (1 + documents with the word)); '[UNK]' the mean of the words' idf
    np.testing.assert_allclose(_adapted(output_mode="tf_idf")(["the"])[0, 1], np.log(1 + 6 / 4), rtol=1e-6)


def test_ngrams_and_characters_are_keras():
    bigrams = _adapted(ngrams=2, max_tokens=12)
    assert bigrams.get_vocabulary() == ["", "[UNK]", "the", "dog", "cat", "apple", "Émiles café", "Émiles",
                                        "zebra apple", "zebra", "true", "the mat"]
    np.testing.assert_array_equal(bigrams(QUERIES[:2]), _rows([[2, 4, 1, 2, 3, 1, 1, 1, 1],
                                                                [1, 1, 1, 9, 1, 1, 1]], 9))
    characters = _adapted(split="character", standardize="lower", max_tokens=10)
    assert characters.get_vocabulary() == ["", "[UNK]", " ", "a", "t", "e", "s", "o", "d", "h"]
    np.testing.assert_array_equal(characters(["the cat"]), [[4, 9, 5, 2, 1, 3, 4]])


def test_a_given_vocabulary_and_idf_weights_as_keras():
    layer = layers.TextVectorization(vocabulary=["earth", "wind", "and", "fire"], output_sequence_length=4)
    assert layer.get_vocabulary() == ["", "[UNK]", "earth", "wind", "and", "fire"]
    np.testing.assert_array_equal(layer(["earth wind and fire", "fire and water", "Wind!"]),
                                  [[2, 3, 4, 5], [5, 4, 1, 0], [3, 0, 0, 0]])
    with pytest.raises(ValueError, match="adapt"):
        layer.adapt(CORPUS)
    tf_idf = layers.TextVectorization(output_mode="tf_idf", vocabulary=["earth", "wind", "and", "fire"],
                                      idf_weights=[0.5, 0.25, 0.125, 1.0])
    np.testing.assert_allclose(tf_idf(["earth wind and fire", "fire and water water"]),
                               [[0, 0.5, 0.25, 0.125, 1.0], [0.9375, 0, 0, 0.125, 1.0]])
    with_specials = layers.TextVectorization(vocabulary=["", "[UNK]", "earth", "wind"])
    assert with_specials.get_vocabulary() == ["", "[UNK]", "earth", "wind"]


def test_the_learned_vocabulary_survives_a_config_round_trip():
    for kwargs in (dict(output_sequence_length=6), dict(output_mode="tf_idf", max_tokens=9)):
        layer = _adapted(**kwargs)
        again = layer_from_entry(layer_entry(layer))
        assert again.get_vocabulary() == layer.get_vocabulary()
        np.testing.assert_allclose(again(QUERIES), layer(QUERIES), rtol=1e-6)
    assert layer.get_config()["vocabulary_size"] == 9


def test_inputs_may_be_arrays_of_shape_n_or_n_by_1_and_a_vectorized_model_trains():
    layer = _adapted(output_sequence_length=6)
    column = np.array(QUERIES, dtype=object)[:, None]
    np.testing.assert_array_equal(layer(column), layer(QUERIES))
    np.testing.assert_array_equal(layer(QUERIES[0]), layer(QUERIES)[0])
    with pytest.raises(ValueError, match="batch of strings"):
        layer(np.array([QUERIES, QUERIES]))
    with pytest.raises(ValueError, match="output_mode"):
        layers.TextVectorization(output_mode="words")
    texts = CORPUS[:-1] * 8  # not the empty one: its average over no steps is Keras's NaN
    x = layer(texts)
    y = np.array([("cat" in text) for text in texts], np.float32)
    model = keras.Sequential([keras.Input((6,)), layers.Embedding(layer.vocabulary_size(), 4, mask_zero=True),
                              layers.GlobalAveragePooling1D(), layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss="binary_crossentropy", metrics=["accuracy"])
    assert model.fit(x, y, epochs=20, batch_size=8, verbose=0).history["accuracy"][-1] == 1.0


@pytest.mark.parametrize("kwargs", [dict(), dict(output_mode="count", max_tokens=8),
                                    dict(output_mode="tf_idf"), dict(ngrams=(1, 3), max_tokens=20),
                                    dict(standardize="strip_punctuation"),
                                    dict(output_mode="multi_hot", ngrams=2)])
def test_against_live_keras_when_tensorflow_is_installed(real_keras, kwargs):
    pytest.importorskip("tensorflow", reason="Keras's TextVectorization needs TensorFlow")
    theirs = real_keras.layers.TextVectorization(**kwargs)
    theirs.adapt(CORPUS)
    ours = _adapted(**kwargs)
    assert ours.get_vocabulary() == [str(word) for word in theirs.get_vocabulary()]
    np.testing.assert_allclose(ours(QUERIES), np.asarray(theirs(QUERIES)), rtol=1e-6)
