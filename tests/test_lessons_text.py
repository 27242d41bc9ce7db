"""The text lessons: IMDB with a recurrent network, and Reuters-style topics with two label encodings.

The IMDB lesson runs on a subset of the reviews, cut shorter, for one
epoch; the topics lesson runs its IMDB stand-in (no Reuters copy is
available offline) on a subset, and its Reuters path on a tiny newswire file
in Keras' format written by the test (a fixture, not real data). The tests
that need the reviews skip when GLASSNET_DATA lacks them. docs/lessons.md
lists each full run's result next to the reduced setting used here.
"""

import hashlib
import io

import numpy as np
from conftest import load_lesson as load
from conftest import needs

from glassnet.data.datasets import reuters


def test_imdb_rnn_learns_sentiment_from_word_order():
    needs("imdb")
    result = load("imdb_rnn").run(epochs=2, maxlen=100, train_size=8000, test_size=2000)
    # 2 epochs of a GRU on 8,000 reviews cut to 100 words reach about 73 % (the full run 86.7 %);
    # chance is 50 %.
    assert result["test_accuracy"] >= 0.62
    assert len(result["test_accuracies"]) == 2 and result["test_accuracies"][-1] == result["test_accuracy"]
    assert result["train_losses"][1] < result["train_losses"][0] < 0.70


def test_reuters_topics_stand_in_gives_the_same_training_both_ways():
    needs("imdb")
    result = load("reuters_topics").run(epochs=3, train_size=5000, test_size=2000, data="stand-in")
    assert result["data"] == "stand-in" and result["num_classes"] == 4
    assert "IMDB" in result["source"]
    # One-hot rows with categorical_crossentropy and integers with the sparse loss: the same training.
    assert result["max_loss_difference"] < 1e-5
    assert result["max_probability_difference"] < 1e-4
    assert result["categorical"]["test_accuracy"] == result["sparse"]["test_accuracy"]
    # About 75 % on 4 classes (the full run 76.9 %); always guessing the most frequent class gives about 25 %.
    assert result["test_accuracy"] >= result["majority_baseline"] + 0.3


def test_reuters_topics_reads_keras_newswire_file(tmp_path, monkeypatch):
    # Fixture newswires (random word ranks and topics), not Reuters text.
    rng = np.random.default_rng(0)
    xs = np.empty(200, dtype=object)
    xs[:] = [rng.integers(1, 300, rng.integers(5, 40)).tolist() for _ in range(200)]
    buffer = io.BytesIO()
    np.savez(buffer, x=xs, y=rng.integers(0, 46, 200))
    (tmp_path / "reuters").mkdir()
    (tmp_path / "reuters" / reuters.NPZ).write_bytes(buffer.getvalue())
    monkeypatch.setattr(reuters, "NPZ_SHA256", hashlib.sha256(buffer.getvalue()).hexdigest())
    result = load("reuters_topics").run(epochs=2, batch_size=32, root=tmp_path)
    assert result["data"] == "reuters" and result["num_classes"] == 46
    assert "Reuters" in result["source"]
    assert len(result["categorical"]["loss"]) == 2
    assert result["max_loss_difference"] < 1e-5
    assert result["max_probability_difference"] < 1e-5
