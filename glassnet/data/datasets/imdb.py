"""IMDB movie reviews (Maas et al., 2011): 25,000 training and 25,000 test reviews, half positive.

The source is Stanford's ``aclImdb_v1.tar.gz``; reviews are read straight
out of the archive, nothing is extracted, so a read-only data root works.
The file lives at ``<data root>/imdb/aclImdb.tar.gz`` (``aclImdb_v1.tar.gz``
is accepted too). Two archives are accepted, each by its SHA-256: the
canonical download, and a repackaging of the same reviews with renumbered
file names (glassnet's offline test copy).

Three ways in:

* ``load_texts('train')``: the raw reviews and their labels (0 negative, 1 positive);
* ``IMDB(split='train')``: the same as a ``Dataset`` of ``(text, label)``;
* ``load_data(num_words=10000)``: Keras' integer sequences.

Keras ships IMDB already turned into integers with a precomputed word index
that is not published with the raw reviews. Here the word index is built
from the training reviews with ``glassnet.data.text.tokenize``: same
rules (rank 1 = most frequent word, ``index_from=3``), but not the same
numbers as Keras' file, and test words never seen in training become
``oov_char``.
"""

import gzip
import io
import re
import tarfile
import zlib
from collections import Counter
from itertools import chain

import numpy as np

from ..dataset import Dataset
from ..text import _most_frequent, tokenize
from ._download import ChecksumError, Resource, register
from ._sequences import keras_sequences, shuffle
from ._verified import fetch_verified

FOLDER = "imdb"
NAMES = ("aclImdb.tar.gz", "aclImdb_v1.tar.gz")
URL = "https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz"
# The canonical SHA-256 is the one cited by MLDatasets.jl, TFDS users and
# others; Stanford itself publishes only an MD5 (7c2ac02c03563afcf9b574c7e56c153a).
CANONICAL_SHA256 = "c40f74a18d3b61f90feba1e17730e0d38e8b97c05fde7008942e91923d1658fe"
REPACKAGED_SHA256 = "4e64d127b98ab3d7cc773664ca057febbc6b9791d8d1aaa452701c2933c74c45"
SHA256 = {
    CANONICAL_SHA256: "canonical aclImdb_v1.tar.gz from ai.stanford.edu",
    REPACKAGED_SHA256: "repackaged copy: same reviews and labels, files renumbered 0.txt, 1.txt, ...",
}
register(FOLDER, [Resource(NAMES[0], (URL,), CANONICAL_SHA256)])

CLASSES = ["neg", "pos"]
SPLITS = ("train", "test")
# Canonical members are aclImdb/train/pos/<id>_<stars>.txt; the repackaged ones <id>.txt.
# (train/unsup, the unlabelled reviews, is not matched.)
_MEMBER = re.compile(r"(?:\./)?aclImdb/(train|test)/(neg|pos)/(\d+)(?:_\d+)?\.txt")

# Parsed reviews, and the word index with every review as ranks, by archive
# label: a verified archive with the same checksum always holds the same
# reviews, so one parse serves every later call.
_PARSED, _RANKS = {}, {}


def parse_archive(content):
    """``{split: (texts, labels)}`` from the bytes of an aclImdb ``.tar.gz``.

    Order inside a split: negatives then positives, each by file number, so
    every machine sees the same order whatever the archive's member order.
    """
    try:
        data = gzip.decompress(content)
    except (OSError, EOFError, zlib.error) as err:
        raise ChecksumError(f"IMDB archive is not a complete gzip file ({err})") from err
    rows = {split: [] for split in SPLITS}
    # Slicing members out of the decompressed bytes is faster than extractfile() for 50,000 small files.
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:") as archive:
        for member in archive:
            match = _MEMBER.fullmatch(member.name)
            if match and member.isreg():
                split, polarity, number = match.groups()
                body = data[member.offset_data:member.offset_data + member.size]
                rows[split].append((CLASSES.index(polarity), int(number), body.decode("utf-8")))
    parsed = {}
    for split, found in rows.items():
        found.sort(key=lambda row: row[:2])
        parsed[split] = ([row[2] for row in found], np.array([row[0] for row in found], dtype=np.int64))
    return parsed


def _archive(root=None, download=True):
    """The label of the verified archive; its reviews are then in ``_PARSED[label]``."""
    _, content, label = fetch_verified(FOLDER, NAMES, (URL,), SHA256, root=root, download=download)
    if label not in _PARSED:
        _PARSED.clear()
        _RANKS.clear()
        _PARSED[label] = parse_archive(content)
    return label


def _splits(root=None, download=True):
    return _PARSED[_archive(root, download)]


def load_texts(split="train", root=None, download=True):
    """``(texts, labels)``: a list of review strings and an int64 array, 1 for positive."""
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
    texts, labels = _splits(root, download)[split]
    return list(texts), labels.copy()


class IMDB(Dataset):
    """The reviews of one split as a ``Dataset`` of ``(text, label)``.

    ``.texts`` is the list of strings and ``.targets`` the int64 labels. To
    feed a network, vectorize first: ``TextVectorizer.adapt(train.texts)``.
    """

    classes = CLASSES

    def __init__(self, root=None, split="train", download=True, transform=None, target_transform=None):
        self.split = split
        self.transform = transform
        self.target_transform = target_transform
        self.texts, self.targets = load_texts(split, root, download)

    def __len__(self):
        return len(self.texts)

    def __getitem__(self, index):
        text, target = self.texts[index], int(self.targets[index])
        if self.transform is not None:
            text = self.transform(text)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return text, target

    def __repr__(self):
        return f"IMDB(split={self.split!r}, samples={len(self)})"


def _ranked(root=None, download=True):
    """``(word_index, {split: [int32 ranks of each review]})``, what Keras' ``imdb.npz`` holds.

    Test words missing from the (training) index get rank -1.
    """
    label = _archive(root, download)
    if label not in _RANKS:
        tokens = {split: [tokenize(text) for text in _PARSED[label][split][0]] for split in SPLITS}
        counts = Counter(chain.from_iterable(tokens["train"]))
        word_index = {word: rank for rank, word in enumerate(_most_frequent(counts), start=1)}
        get = word_index.get
        ranks = {split: [np.array([get(word, -1) for word in review], dtype=np.int32) for review in reviews]
                 for split, reviews in tokens.items()}
        _RANKS[label] = word_index, ranks
    return _RANKS[label]


def get_word_index(root=None, download=True):
    """``{word: rank}`` over the training reviews, rank 1 for the most frequent word.

    glassnet's own index (Keras' precomputed one is not available with the
    raw reviews); equal counts are ranked alphabetically.
    """
    return dict(_ranked(root, download)[0])


def load_data(root=None, download=True, num_words=None, skip_top=0, maxlen=None, seed=113,
              start_char=1, oov_char=2, index_from=3):
    """Keras' ``imdb.load_data``: ``((x_train, y_train), (x_test, y_test))``.

    ``x`` are object arrays of lists of ints: ``start_char``, then each
    word's rank + ``index_from``; ranks at or above ``num_words`` (and below
    ``skip_top``) become ``oov_char``. Shuffled with ``seed`` like Keras;
    reviews not shorter than ``maxlen`` are dropped. Decode with
    ``{rank + index_from: word for word, rank in get_word_index().items()}``.
    """
    ranks = _ranked(root, download)[1]
    splits = _splits(root, download)
    rng = np.random.RandomState(seed)
    parts = [shuffle(rng, ranks[split], splits[split][1]) for split in SPLITS]
    (x_train, y_train), (x_test, y_test) = parts
    xs, labels, kept = keras_sequences(
        x_train + x_test, np.concatenate([y_train, y_test]), num_words=num_words, skip_top=skip_top,
        maxlen=maxlen, start_char=start_char, oov_char=oov_char, index_from=index_from)
    n_train = int(kept[:len(x_train)].sum())
    if n_train == 0 or n_train == len(xs):
        raise ValueError(f"maxlen={maxlen} leaves no training or no test review; pick a larger maxlen")
    return (xs[:n_train], labels[:n_train]), (xs[n_train:], labels[n_train:])
