"""Reuters: Keras' npz format read without allow_pickle, and Keras' load_data rules.

No real copy is available offline: every test writes a small reuters.npz and
word index in Keras' format itself (fixtures, not real data).
"""

import hashlib
import io
import json
import os
import pickle
import zipfile

import numpy as np
import pytest

from glassnet.data.datasets import ChecksumError, DatasetNotFoundError, reuters

# Fixture newswires: word ranks (1 = most frequent), 10 of them with 8 topics.
FIXTURE_X = [[1, 5, 2], [3, 3, 9, 4, 1], [7], [2, 2, 2, 2, 2, 2], [8, 1],
             [4, 6, 5, 1], [9, 9], [1, 2, 3], [6], [5, 4, 3, 2, 1]]
FIXTURE_Y = [3, 4, 3, 19, 1, 45, 3, 4, 0, 11]


def _object_array(lists):
    out = np.empty(len(lists), dtype=object)
    out[:] = lists
    return out


def _npz_bytes(x=FIXTURE_X, y=FIXTURE_Y):
    buffer = io.BytesIO()
    np.savez(buffer, x=_object_array(x), y=np.array(y, dtype=np.int64))
    return buffer.getvalue()


@pytest.fixture
def fake_root(tmp_path, monkeypatch):
    """A data root with fixture files, trusted by their own checksums for this test only."""
    folder = tmp_path / "reuters"
    folder.mkdir()
    npz = _npz_bytes()
    words = json.dumps({"the": 1, "of": 2, "to": 3, "said": 4, "and": 5}).encode()
    (folder / reuters.NPZ).write_bytes(npz)
    (folder / reuters.WORD_INDEX).write_bytes(words)
    monkeypatch.setattr(reuters, "NPZ_SHA256", hashlib.sha256(npz).hexdigest())
    monkeypatch.setattr(reuters, "WORD_INDEX_MD5", hashlib.md5(words).hexdigest())
    return tmp_path


def keras_reference(xs, labels, num_words=None, skip_top=0, maxlen=None, test_split=0.2, seed=113,
                    start_char=1, oov_char=2, index_from=3):
    """Keras' reuters.load_data, list by list, as its source reads (the oracle)."""
    rng = np.random.RandomState(seed)
    indices = np.arange(len(xs))
    rng.shuffle(indices)
    xs = [xs[i] for i in indices]
    labels = np.asarray(labels)[indices]
    if start_char is not None:
        xs = [[start_char] + [w + index_from for w in x] for x in xs]
    elif index_from:
        xs = [[w + index_from for w in x] for x in xs]
    if maxlen:
        kept = [i for i, x in enumerate(xs) if len(x) < maxlen]
        xs, labels = [xs[i] for i in kept], labels[kept]
    if not num_words:
        num_words = max(max(x) for x in xs)
    if oov_char is not None:
        xs = [[w if skip_top <= w < num_words else oov_char for w in x] for x in xs]
    else:
        xs = [[w for w in x if skip_top <= w < num_words] for x in xs]
    idx = int(len(xs) * (1 - test_split))
    return (xs[:idx], labels[:idx]), (xs[idx:], labels[idx:])


@pytest.mark.parametrize("kwargs", [
    {},
    {"num_words": 6},
    {"num_words": 8, "skip_top": 5},
    {"maxlen": 4},
    {"maxlen": 5, "test_split": 0.5, "seed": 7},
    {"start_char": None, "index_from": 0, "num_words": 7},
    {"oov_char": None, "num_words": 7},
    {"index_from": 10, "start_char": 4},
])
def test_load_data_follows_keras(fake_root, kwargs):
    (x_train, y_train), (x_test, y_test) = reuters.load_data(root=fake_root, download=False, **kwargs)
    (rx_train, ry_train), (rx_test, ry_test) = keras_reference(FIXTURE_X, FIXTURE_Y, **kwargs)
    assert x_train.dtype == object and x_train.ndim == 1
    assert [list(s) for s in x_train] == rx_train and [list(s) for s in x_test] == rx_test
    np.testing.assert_array_equal(y_train, ry_train)
    np.testing.assert_array_equal(y_test, ry_test)


def test_load_data_by_hand(fake_root):
    (x_train, y_train), (x_test, y_test) = reuters.load_data(root=fake_root, download=False, num_words=6)
    assert len(x_train) == 8 and len(x_test) == 2  # int(10 * 0.8)
    order = np.arange(10)
    np.random.RandomState(113).shuffle(order)
    first = FIXTURE_X[order[0]]
    # start_char 1, then rank + 3, and indices >= 6 replaced by oov_char 2.
    assert x_train[0] == [1] + [r + 3 if r + 3 < 6 else 2 for r in first]
    assert y_train[0] == FIXTURE_Y[order[0]] and y_test.dtype == np.int64


def test_word_index_and_labels(fake_root):
    index = reuters.get_word_index(root=fake_root, download=False)
    assert index["said"] == 4
    names = reuters.get_label_names()
    assert len(names) == 46 and names[3] == "earn" and names[45] == "lead"


def test_object_arrays_load_without_allow_pickle():
    arrays = reuters.read_npz(_npz_bytes())
    assert [list(s) for s in arrays["x"]] == FIXTURE_X and arrays["y"].dtype == np.int64
    # Keras' file was written by Python 2 / NumPy 1, whose pickles name numpy.core.
    legacy = pickle.dumps(_object_array(FIXTURE_X), protocol=2)
    legacy = legacy.replace(b"numpy._core.multiarray", b"numpy.core.multiarray")
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "|O", "fortran_order": False, "shape": (10,)})
    assert [list(s) for s in reuters.read_npy(header.getvalue() + legacy)] == FIXTURE_X


class _Payload:
    def __reduce__(self):
        return os.getpid, ()


def test_malicious_pickle_is_refused():
    evil = io.BytesIO()
    with zipfile.ZipFile(evil, "w") as archive:
        member = io.BytesIO()
        np.save(member, _object_array([_Payload()]), allow_pickle=True)
        archive.writestr("x.npy", member.getvalue())
    with pytest.raises(reuters.UnsafePickleError, match="getpid"):
        reuters.read_npz(evil.getvalue())


def test_checksum_mismatch_and_missing_files(tmp_path):
    with pytest.raises(DatasetNotFoundError, match="reuters.npz"):
        reuters.load_data(root=tmp_path, download=False)
    (tmp_path / "reuters").mkdir()
    (tmp_path / "reuters" / reuters.NPZ).write_bytes(_npz_bytes())
    with pytest.raises(ChecksumError, match=reuters.NPZ_SHA256):
        reuters.load_data(root=tmp_path, download=False)
    (tmp_path / "reuters" / reuters.WORD_INDEX).write_text('{"the": 1}')
    with pytest.raises(ChecksumError, match="MD5 mismatch"):
        reuters.get_word_index(root=tmp_path, download=False)
