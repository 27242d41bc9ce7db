"""IMDB: reading reviews from the archive, checksums, Keras-style integer sequences.

Most tests use a tiny archive in aclImdb's layout that they write themselves
(a fixture, not real data). One test reads the real archive from the shared
data folder and is skipped when it is absent.
"""

import hashlib
import io
import tarfile

import numpy as np
import pytest
from conftest import data_dir

from glassnet.data.datasets import ChecksumError, DatasetNotFoundError, _download, imdb

# Fixture reviews: (split, polarity, file name, text). Canonical-style names
# <id>_<stars>.txt, stored out of order, plus an unlabelled review that must be ignored.
FIXTURE = [
    ("train", "pos", "10_9.txt", "A great film.<br /><br />Great acting!"),
    ("train", "neg", "2_1.txt", "Dull plot, dull acting."),
    ("train", "pos", "3_10.txt", "Great, simply great."),
    ("train", "neg", "0_2.txt", "Bad film. Bad."),
    ("train", "unsup", "5_0.txt", "not labelled"),
    ("test", "neg", "1_3.txt", "A bad, unseen ending"),
    ("test", "pos", "0_8.txt", "Great film"),
]


def _archive_bytes(rows=FIXTURE):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for split, polarity, name, text in rows:
            body = text.encode("utf-8")
            info = tarfile.TarInfo(f"aclImdb/{split}/{polarity}/{name}")
            info.size = len(body)
            archive.addfile(info, io.BytesIO(body))
    return buffer.getvalue()


@pytest.fixture
def fake_root(tmp_path, monkeypatch):
    """A data root holding the fixture archive, trusted by its own SHA-256 for this test only."""
    content = _archive_bytes()
    (tmp_path / "imdb").mkdir()
    (tmp_path / "imdb" / "aclImdb.tar.gz").write_bytes(content)
    accepted = dict(imdb.SHA256)
    accepted[hashlib.sha256(content).hexdigest()] = "test fixture"
    monkeypatch.setattr(imdb, "SHA256", accepted)
    # Fresh caches, so nothing parsed by another test leaks in.
    monkeypatch.setattr(imdb, "_PARSED", {})
    monkeypatch.setattr(imdb, "_RANKS", {})
    return tmp_path


def test_load_texts_order_labels_and_dataset(fake_root):
    texts, labels = imdb.load_texts("train", root=fake_root, download=False)
    # Negatives first, then positives, each by file number; unsup ignored.
    assert texts == ["Bad film. Bad.", "Dull plot, dull acting.", "Great, simply great.",
                     "A great film.<br /><br />Great acting!"]
    np.testing.assert_array_equal(labels, [0, 0, 1, 1])
    assert labels.dtype == np.int64
    test = imdb.IMDB(root=fake_root, split="test", download=False)
    assert len(test) == 2 and test[1] == ("Great film", 1) and test.classes == ["neg", "pos"]
    with pytest.raises(ValueError, match="split"):
        imdb.load_texts("validation", root=fake_root)


def test_word_index_and_load_data_keras_rules(fake_root):
    index = imdb.get_word_index(root=fake_root, download=False)
    # Training counts: great 4, bad 2, acting 2, dull 2, film 2, then a, plot, simply once.
    assert list(index.items())[:5] == [("great", 1), ("acting", 2), ("bad", 3), ("dull", 4), ("film", 5)]
    (x_train, y_train), (x_test, y_test) = imdb.load_data(root=fake_root, download=False, seed=113)
    order = np.arange(4)
    np.random.RandomState(113).shuffle(order)
    np.testing.assert_array_equal(y_train, np.array([0, 0, 1, 1])[order])
    texts, _ = imdb.load_texts("train", root=fake_root)
    reverse = {rank + 3: word for word, rank in index.items()}
    # num_words=None takes Keras' default max index, and (Keras' quirk) that index itself
    # becomes oov_char: here "simply", the rarest word.
    for sequence, text_index in zip(x_train, order, strict=True):
        assert sequence[0] == 1
        words = [reverse.get(i, "?") if i != 2 else "?" for i in sequence[1:]]
        expected = ["?" if w == "simply" else w for w in imdb.tokenize(texts[text_index])]
        assert words == expected
    # "unseen" and "ending" never occur in training: out of vocabulary.
    assert sorted(map(len, x_test)) == [3, 5]
    assert [2, 2] == [i for i in max(x_test, key=len) if i == 2]
    (x_small, _), _ = imdb.load_data(root=fake_root, num_words=5, download=False)
    assert max(max(s) for s in x_small) <= 4 and x_small.dtype == object
    (x_short, _), (x_short_test, _) = imdb.load_data(root=fake_root, maxlen=5, download=False)
    assert all(len(s) < 5 for s in x_short) and len(x_short) == 2 and len(x_short_test) == 1


def test_v1_file_name_is_accepted(fake_root):
    (fake_root / "imdb" / "aclImdb.tar.gz").rename(fake_root / "imdb" / "aclImdb_v1.tar.gz")
    assert len(imdb.load_texts("test", root=fake_root, download=False)[0]) == 2


def test_checksum_mismatch_is_refused(tmp_path):
    (tmp_path / "imdb").mkdir()
    bad = tmp_path / "imdb" / "aclImdb.tar.gz"
    bad.write_bytes(_archive_bytes())  # right layout, but not a known archive
    with pytest.raises(ChecksumError, match="SHA256 mismatch") as err:
        imdb.load_texts(root=tmp_path, download=False)
    assert imdb.CANONICAL_SHA256 in str(err.value)
    assert not bad.exists()  # a file that failed its check is not kept


def test_missing_archive_says_where_to_put_it(tmp_path):
    with pytest.raises(DatasetNotFoundError, match="aclImdb.tar.gz") as err:
        imdb.IMDB(root=tmp_path, download=False)
    assert imdb.URL in str(err.value) and str(tmp_path / "imdb") in str(err.value)


def test_download_is_verified_before_it_is_kept(tmp_path, monkeypatch):
    content = _archive_bytes()

    def serve(url, timeout=None):
        assert url == imdb.URL
        return io.BytesIO(content)

    monkeypatch.setattr(_download, "urlopen", serve)
    with pytest.raises(ChecksumError, match="nothing was kept"):
        imdb.load_texts(root=tmp_path)
    assert list((tmp_path / "imdb").iterdir()) == []
    monkeypatch.setattr(imdb, "SHA256", {hashlib.sha256(content).hexdigest(): "test fixture"})
    monkeypatch.setattr(imdb, "_PARSED", {})
    assert len(imdb.load_texts(root=tmp_path)[0]) == 4
    assert (tmp_path / "imdb" / "aclImdb.tar.gz").read_bytes() == content


@pytest.mark.slow
def test_real_imdb_archive():
    """The real reviews (slow: about 15 s on 2 cores, one pass over 50,000 reviews)."""
    root = data_dir()
    if root is None or not any((root / "imdb" / name).is_file() for name in imdb.NAMES):
        pytest.skip("real IMDB archive absent: put aclImdb.tar.gz under $GLASSNET_DATA/imdb/")
    train_texts, train_labels = imdb.load_texts("train")
    test_texts, test_labels = imdb.load_texts("test")
    assert len(train_texts) == len(test_texts) == 25_000
    assert train_labels.sum() == test_labels.sum() == 12_500
    assert all(text.strip() for text in train_texts + test_texts)
    has_great = np.array(["great" in t.lower() for t in train_texts])
    assert has_great[train_labels == 1].mean() > 1.5 * has_great[train_labels == 0].mean()

    (x_train, y_train), (x_test, y_test) = imdb.load_data(num_words=10_000)
    assert x_train.shape == y_train.shape == (25_000,) and x_test.shape == (25_000,)
    assert x_train.dtype == object and y_train.dtype == np.int64
    assert min(min(s) for s in x_train) == 1 and max(max(s) for s in x_train) == 9_999
    assert max(max(s) for s in x_test) <= 9_999 and all(s[0] == 1 for s in x_test)
    # The word index is built from training text: the commonest English words come first.
    index = imdb.get_word_index()
    assert [w for w, r in sorted(index.items(), key=lambda item: item[1])[:3]] == ["the", "and", "a"]
    assert len(index) > 50_000
