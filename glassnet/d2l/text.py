"""Text for d2l's recurrent chapters: the vocabulary and The Time Machine.

The book reads H. G. Wells' *The Time Machine* from d2l's data store. It is
fetched once from that URL, checked against the SHA-1 d2l publishes and
cached under ``<data root>/d2l/`` (glassnet's verified download: temporary
file, checksum, then rename). Where there is no internet, point
``GLASSNET_D2L_TIME_MACHINE`` at a text file to use instead, or pass
``text=`` to ``TimeMachine``; ``imdb_stand_in`` makes such a text from the
IMDB reviews that glassnet's data folder holds (a stand-in: not the novel).
"""

import collections
import os
import re
import tarfile

import glassnet

from ..data.datasets._download import data_root
from ..data.datasets._verified import fetch_verified
from .core import DataModule

TIME_MACHINE_URL = "http://d2l-data.s3-accelerate.amazonaws.com/timemachine.txt"
TIME_MACHINE_SHA1 = "090b5e7e70c295757f55df93cb0a180b9691891a"
TIME_MACHINE_ENV = "GLASSNET_D2L_TIME_MACHINE"


def read_time_machine(root=None, download=True):
    """The raw text of The Time Machine: the override file if set, else the verified download."""
    override = os.environ.get(TIME_MACHINE_ENV)
    if override:
        with open(override, encoding="utf-8") as handle:
            return handle.read()
    _, content, _ = fetch_verified("d2l", ("timemachine.txt",), (TIME_MACHINE_URL,),
                                   {TIME_MACHINE_SHA1: "d2l timemachine.txt"}, algorithm="sha1",
                                   root=root, download=download)
    return content.decode("utf-8")


def imdb_stand_in(num_chars=200_000, root=None):
    """English text of about ``num_chars`` characters: IMDB training reviews, in archive order."""
    archive = data_root(root) / "imdb" / "aclImdb.tar.gz"
    if not archive.is_file():
        raise FileNotFoundError(f"imdb_stand_in: {archive} is missing (set GLASSNET_DATA to the data root)")
    parts, size = [], 0
    with tarfile.open(archive, "r:gz") as tar:
        for member in tar:
            if not (member.isfile() and member.name.startswith("aclImdb/train/")
                    and member.name.endswith(".txt")):
                continue
            review = tar.extractfile(member).read().decode("utf-8", "replace").replace("<br />", " ")
            parts.append(review)
            size += len(review) + 1
            if size >= num_chars:
                break
    return "\n".join(parts)


def tokenize(lines, token="word"):
    """Split each line into words (``token='word'``) or characters (``'char'``)."""
    if token == "word":
        return [line.split() for line in lines]
    if token == "char":
        return [list(line) for line in lines]
    raise ValueError(f"tokenize: token must be 'word' or 'char', got {token!r}")


class Vocab:
    """Tokens <-> indices; tokens sorted, ``'<unk>'`` for anything unknown or rarer than ``min_freq``."""

    def __init__(self, tokens=(), min_freq=0, reserved_tokens=()):
        tokens = list(tokens)
        if tokens and isinstance(tokens[0], list):
            tokens = [token for line in tokens for token in line]
        counts = collections.Counter(tokens)
        self.token_freqs = sorted(counts.items(), key=lambda item: item[1], reverse=True)
        kept = {token for token, freq in self.token_freqs if freq >= min_freq}
        self.idx_to_token = sorted({"<unk>", *reserved_tokens, *kept})
        self.token_to_idx = {token: idx for idx, token in enumerate(self.idx_to_token)}

    def __len__(self):
        return len(self.idx_to_token)

    def __getitem__(self, tokens):
        if isinstance(tokens, (list, tuple)):
            return [self[token] for token in tokens]
        return self.token_to_idx.get(tokens, self.unk)

    def to_tokens(self, indices):
        if hasattr(indices, "__len__") and len(indices) > 1:
            return [self.idx_to_token[int(index)] for index in indices]
        return self.idx_to_token[int(indices[0]) if hasattr(indices, "__len__") else int(indices)]

    @property
    def unk(self):
        return self.token_to_idx["<unk>"]


class TimeMachine(DataModule):
    """Character-level windows of The Time Machine: ``X`` the inputs, ``Y`` shifted by one."""

    def __init__(self, batch_size, num_steps, num_train=10000, num_val=5000, text=None, root=None):
        super().__init__(root=root)
        self.save_hyperparameters(ignore=["text"])
        self._text = text
        corpus, self.vocab = self.build(self._download())
        windows = [corpus[i:i + num_steps + 1] for i in range(len(corpus) - num_steps)]
        array = glassnet.tensor(windows)
        self.X, self.Y = array[:, :-1], array[:, 1:]

    def _download(self):
        return self._text if getattr(self, "_text", None) is not None else read_time_machine(self.root)

    def _preprocess(self, text):
        return re.sub("[^A-Za-z]+", " ", text).lower()

    def _tokenize(self, text):
        return list(text)

    def build(self, raw_text, vocab=None):
        """``(corpus, vocab)``: the token indices of the preprocessed text and its vocabulary."""
        tokens = self._tokenize(self._preprocess(raw_text))
        vocab = vocab if vocab is not None else Vocab(tokens)
        return [vocab[token] for token in tokens], vocab

    def get_dataloader(self, train):
        rows = slice(0, self.num_train) if train else slice(self.num_train, self.num_train + self.num_val)
        return self.get_tensorloader([self.X, self.Y], train, rows)


def load_corpus_time_machine(max_tokens=-1):
    """Character indices of the (override or downloaded) text and their Vocab."""
    tokens = list(re.sub("[^A-Za-z]+", " ", read_time_machine()).lower())
    vocab = Vocab(tokens)
    corpus = [vocab[token] for token in tokens]
    return (corpus[:max_tokens] if max_tokens > 0 else corpus), vocab


def load_data_time_machine(batch_size, num_steps, max_tokens=10000):
    """``(batches, vocab)``: consecutive (X, Y) minibatches of the function-style book (chapter 8)."""
    corpus, vocab = load_corpus_time_machine(max_tokens)
    usable = (len(corpus) - 1) // batch_size * batch_size
    Xs = glassnet.tensor(corpus[:usable]).reshape(batch_size, -1)
    Ys = glassnet.tensor(corpus[1:usable + 1]).reshape(batch_size, -1)
    batches = [(Xs[:, i:i + num_steps], Ys[:, i:i + num_steps])
               for i in range(0, (Xs.shape[1] // num_steps) * num_steps, num_steps)]
    return batches, vocab
