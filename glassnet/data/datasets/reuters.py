"""Reuters newswires (Keras' version of Reuters-21578): 11,228 short articles, 46 topics.

Files, as Keras publishes them, cached under ``<data root>/reuters/``:

* ``reuters.npz``: ``x``, an object array of word-rank lists, and ``y``, the topic numbers;
* ``reuters_word_index.json``: ``{word: rank}``, rank 1 for the most frequent word.

An object array in a ``.npy`` file is stored as a pickle, and ``np.load``
reads it only with ``allow_pickle=True``, which would run whatever code the
file names. glassnet reads it with a restricted unpickler that can build
only NumPy arrays, lists and numbers, and refuses anything else.

Keras publishes a SHA-256 for ``reuters.npz`` and only an MD5 for the word index.
"""

import codecs
import io
import json
import pickle
import zipfile

import numpy as np

from ._download import Resource, register
from ._sequences import keras_sequences, shuffle
from ._verified import fetch_verified

FOLDER = "reuters"
_BASE = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
NPZ, WORD_INDEX = "reuters.npz", "reuters_word_index.json"
NPZ_SHA256 = "d6586e694ee56d7a4e65172e12b3e987c03096cb01eab99753921ef915959916"
WORD_INDEX_MD5 = "4d44cc38712099c9e383dc6e5f11a921"
# The word index's SHA-256 is not published: its Resource only names the file
# for ``available()``; it is fetched and checked by MD5 below.
register(FOLDER, [Resource(NPZ, (_BASE + NPZ,), NPZ_SHA256),
                  Resource(WORD_INDEX, (_BASE + WORD_INDEX,), "")])

# Keras' get_label_names(): topic number -> name.
LABELS = (
    "cocoa", "grain", "veg-oil", "earn", "acq", "wheat", "copper", "housing", "money-supply",
    "coffee", "sugar", "trade", "reserves", "ship", "cotton", "carcass", "crude", "nat-gas",
    "cpi", "money-fx", "interest", "gnp", "meal-feed", "alum", "oilseed", "gold", "tin",
    "strategic-metal", "livestock", "retail", "ipi", "iron-steel", "rubber", "heat", "jobs",
    "lei", "bop", "zinc", "orange", "pet-chem", "dlr", "gas", "silver", "wpi", "hog", "lead",
)


def get_label_names():
    """The 46 topic names; ``get_label_names()[y]`` names topic ``y``."""
    return LABELS


class UnsafePickleError(pickle.UnpicklingError):
    """The file's pickle asks for something other than arrays, lists and numbers."""


# numpy._core.multiarray._reconstruct (numpy.core in NumPy 1), taken from
# where this NumPy's own pickles point.
_RECONSTRUCT = np.zeros(0).__reduce__()[0]


class _ArrayUnpickler(pickle.Unpickler):
    """Builds NumPy arrays of plain Python objects, nothing else.

    An object array pickles as ``_reconstruct(ndarray, shape, dtype)`` plus
    its elements; those names (and a string encoder) are the only globals
    allowed, so a file cannot make the loader call ``os.system`` or any other function.
    """

    _ALLOWED = {
        ("numpy._core.multiarray", "_reconstruct"): _RECONSTRUCT,
        ("numpy.core.multiarray", "_reconstruct"): _RECONSTRUCT,
        ("numpy", "ndarray"): np.ndarray,
        ("numpy", "dtype"): np.dtype,
        # Protocol-2 pickles written by Python 3 spell bytes as _codecs.encode(text, 'latin1').
        ("_codecs", "encode"): codecs.encode,
    }

    def find_class(self, module, name):
        try:
            return self._ALLOWED[(module, name)]
        except KeyError:
            raise UnsafePickleError(
                f"refusing to load {module}.{name} from a pickle: only NumPy arrays of lists and "
                "numbers are allowed (the file may be malicious or not the published one)"
            ) from None


def read_npy(content, name="<npy>"):
    """An array from ``.npy`` bytes; object arrays go through the restricted unpickler."""
    stream = io.BytesIO(content)
    version = np.lib.format.read_magic(stream)
    read_header = np.lib.format.read_array_header_1_0 if version == (1, 0) else \
        np.lib.format.read_array_header_2_0
    shape, _, dtype = read_header(stream)
    if not dtype.hasobject:
        stream.seek(0)
        return np.lib.format.read_array(stream, allow_pickle=False)
    # latin1 is what NumPy advises for arrays pickled by Python 2, as Keras' file was.
    array = _ArrayUnpickler(stream, encoding="latin1").load()
    if not isinstance(array, np.ndarray) or array.shape != shape:
        raise UnsafePickleError(f"{name}: the pickle does not hold an array of shape {shape}")
    return array


def read_npz(content):
    """``{name: array}`` from the bytes of an ``.npz`` file, without ``allow_pickle``."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {member.removesuffix(".npy"): read_npy(archive.read(member), member)
                for member in archive.namelist() if member.endswith(".npy")}


def _arrays(root=None, download=True):
    _, content, _ = fetch_verified(FOLDER, (NPZ,), (_BASE + NPZ,), {NPZ_SHA256: "Keras' reuters.npz"},
                                   root=root, download=download)
    arrays = read_npz(content)
    missing = {"x", "y"} - set(arrays)
    if missing:
        raise ValueError(f"{NPZ} lacks the arrays {sorted(missing)}; it holds {sorted(arrays)}")
    return arrays["x"], arrays["y"]


def load_data(root=None, download=True, num_words=None, skip_top=0, maxlen=None, test_split=0.2,
              seed=113, start_char=1, oov_char=2, index_from=3):
    """Keras' ``reuters.load_data``: ``((x_train, y_train), (x_test, y_test))``.

    All newswires are shuffled with ``seed``, turned into indices (rank +
    ``index_from`` after ``start_char``, ``oov_char`` outside
    ``[skip_top, num_words)``), those not shorter than ``maxlen`` dropped,
    and the last ``test_split`` of them kept for testing.
    """
    xs, labels = _arrays(root, download)
    xs, labels = shuffle(np.random.RandomState(seed), list(xs), labels)
    xs, labels, _ = keras_sequences(xs, labels, num_words=num_words, skip_top=skip_top, maxlen=maxlen,
                                    start_char=start_char, oov_char=oov_char, index_from=index_from)
    split = int(len(xs) * (1 - test_split))
    return (xs[:split], labels[:split]), (xs[split:], labels[split:])


def get_word_index(root=None, download=True):
    """Keras' ``{word: rank}``; index ``rank + index_from`` in ``load_data``'s sequences."""
    _, content, _ = fetch_verified(FOLDER, (WORD_INDEX,), (_BASE + WORD_INDEX,),
                                   {WORD_INDEX_MD5: "Keras' reuters_word_index.json"}, algorithm="md5",
                                   root=root, download=download)
    return json.loads(content.decode("utf-8"))
