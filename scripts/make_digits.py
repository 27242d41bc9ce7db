"""Rebuild glassnet's embedded digits file from the real MNIST files.

The embedded set is a fixed, stratified sample of real MNIST: 18,000 images
of the training split and 2,000 of the test split, each class represented in
proportion to its share of that split. Samples are drawn with a seeded NumPy
generator and kept in their original file order.

Why a random sample rather than the first N: MNIST's test file is not
shuffled by difficulty (its two halves come from different writer
populations), so the first 2,000 test digits are measurably harder than the
whole set and would misstate a model's accuracy.

Run from the repository root (the MNIST files must be where the mnist loader
finds them: $GLASSNET_DATA/mnist or ~/.cache/glassnet/mnist)::

    python scripts/make_digits.py            # writes the file, prints its SHA-256
    python scripts/make_digits.py --check    # rebuilds in memory, compares with the shipped file

Then paste the printed SHA-256 into glassnet/data/datasets/digits.py.
"""

import argparse
import hashlib
import io
import sys
import zipfile
from pathlib import Path

import numpy as np

from glassnet.data.datasets import digits, mnist

SEED = 20240
N_TRAIN = 18_000
N_TEST = 2_000
# A fixed timestamp inside the zip keeps the file's bytes reproducible.
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def stratified_indices(labels, n, rng):
    """``n`` indices into ``labels`` with each class in proportion, sorted.

    Quotas use the largest-remainder rule so they sum to exactly ``n``.
    """
    classes, counts = np.unique(labels, return_counts=True)
    exact = counts * n / len(labels)
    quota = np.floor(exact).astype(int)
    quota[np.argsort(exact - quota)[::-1][: n - quota.sum()]] += 1
    order = rng.permutation(len(labels))
    chosen = [order[labels[order] == c][:q] for c, q in zip(classes, quota)]
    return np.sort(np.concatenate(chosen))


def select(root=None):
    """The arrays the file holds: the chosen images and labels (uint8) and their MNIST indices."""
    (x_train, y_train), (x_test, y_test) = mnist.load_data(root=root, download=False)
    rng = np.random.default_rng(SEED)
    train = stratified_indices(y_train, N_TRAIN, rng)
    test = stratified_indices(y_test, N_TEST, rng)
    return {
        "x_train": x_train[train], "y_train": y_train[train],
        "x_test": x_test[test], "y_test": y_test[test],
        "train_index": train.astype(np.uint16), "test_index": test.astype(np.uint16),
    }


def build(root=None):
    """The bytes of the digits file: an LZMA-compressed ``.npz`` of the arrays ``select`` picks."""
    arrays = select(root)
    buffer = io.BytesIO()
    # ZIP_LZMA packs MNIST about 17 % tighter than np.savez_compressed's deflate; np.load reads both.
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_LZMA) as archive:
        for name, array in arrays.items():
            info = zipfile.ZipInfo(f"{name}.npy", date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_LZMA
            with archive.open(info, "w") as member:
                np.lib.format.write_array(member, np.ascontiguousarray(array), allow_pickle=False)
    return buffer.getvalue()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", help="data root holding mnist/ (default: the loader's)")
    parser.add_argument("--out", default=str(digits.FILE), help="where to write the file")
    parser.add_argument("--check", action="store_true", help="compare with the shipped file, write nothing")
    args = parser.parse_args(argv)
    data = build(args.root)
    sha = hashlib.sha256(data).hexdigest()
    if args.check:
        shipped = hashlib.sha256(Path(args.out).read_bytes()).hexdigest()
        same = shipped == sha
        print(f"rebuilt {sha}\nshipped {shipped}\n{'identical' if same else 'DIFFERENT'}")
        return 0 if same else 1
    Path(args.out).write_bytes(data)
    print(f"wrote {args.out}: {len(data) / 1e6:.2f} MB, SHA-256 {sha}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
