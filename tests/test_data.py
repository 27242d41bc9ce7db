"""glassnet.data: datasets, DataLoader, splits, scalers and label encoding."""

import time
from collections import namedtuple

import numpy as np
import pytest

import glassnet
from glassnet.data import (
    ConcatDataset,
    DataLoader,
    Dataset,
    Subset,
    TensorDataset,
    default_collate,
    random_split,
)


def _xy(n=10, features=3):
    x = np.arange(n * features, dtype=np.float64).reshape(n, features)
    y = np.arange(n, dtype=np.int32) % 3
    return x, y


class ArraysOnly(Dataset):
    """Exposes its arrays but refuses per-sample access: only the batched path can serve it."""

    def __init__(self, arrays):
        self.arrays = arrays

    def __len__(self):
        first = next(iter(self.arrays.values())) if isinstance(self.arrays, dict) else self.arrays[0]
        return len(first)

    def __getitem__(self, index):
        raise AssertionError("per-sample __getitem__ must not be called")


class NoPerSample(TensorDataset):
    def __getitem__(self, index):
        raise AssertionError("per-sample __getitem__ must not be called")


class Squares(Dataset):
    """A generic dataset computed on the fly, returning dicts."""

    def __len__(self):
        return 7

    def __getitem__(self, i):
        return {"x": np.full(2, i, dtype=np.float64), "y": i * i, "name": f"s{i}"}


# ----------------------------------------------------------------- datasets
def test_tensor_dataset_items_and_length():
    x, y = _xy()
    ds = TensorDataset(glassnet.tensor(x), y)
    assert len(ds) == 10
    xi, yi = ds[3]
    assert isinstance(xi, glassnet.Tensor) and xi.dtype == np.float32 and yi.dtype == np.int64
    np.testing.assert_array_equal(xi.array, x[3])
    assert yi.item() == y[3]
    assert isinstance(ds.tensors[1], glassnet.Tensor)


def test_tensor_dataset_errors_name_sizes():
    with pytest.raises(ValueError, match=r"\[10, 9\]"):
        TensorDataset(np.zeros((10, 2)), np.zeros(9))
    with pytest.raises(ValueError, match="at least one"):
        TensorDataset()
    with pytest.raises(ValueError, match="0-d"):
        TensorDataset(np.float64(3.0))


def test_abstract_dataset_raises():
    with pytest.raises(NotImplementedError):
        Dataset()[0]
    with pytest.raises(NotImplementedError):
        len(Dataset())


def test_subset_and_concat():
    x, y = _xy()
    ds = TensorDataset(x, y)
    sub = Subset(ds, [7, 2, 5])
    assert len(sub) == 3
    np.testing.assert_array_equal(sub[1][0].array, x[2])
    both = ds + TensorDataset(x + 100, y)
    assert isinstance(both, ConcatDataset) and len(both) == 20
    np.testing.assert_array_equal(both[12][0].array, x[2] + 100)
    np.testing.assert_array_equal(both[-1][0].array, x[9] + 100)
    with pytest.raises(IndexError):
        both[20]
    idx = np.array([15, 0, 19, 3, 10])
    bx, by = both.get_batch(idx)
    np.testing.assert_array_equal(bx, np.stack([both[i][0].array for i in idx]))
    np.testing.assert_array_equal(by, [both[i][1].item() for i in idx])


@pytest.mark.parametrize("lengths", [[3, 7], [0.5, 0.3, 0.2], [0.34, 0.33, 0.33], [0.7, 0.3]])
def test_random_split_sizes_match_torch_and_partition(lengths):
    import torch
    from torch.utils.data import random_split as torch_split

    ds = TensorDataset(np.arange(10))
    parts = random_split(ds, lengths)
    expected = [len(p) for p in torch_split(range(10), lengths, generator=torch.Generator().manual_seed(0))]
    assert [len(p) for p in parts] == expected
    seen = np.concatenate([p.indices for p in parts])
    np.testing.assert_array_equal(np.sort(seen), np.arange(10))


def test_random_split_reproducible_and_errors():
    ds = TensorDataset(np.arange(50))
    glassnet.manual_seed(3)
    a = random_split(ds, [25, 25])[0].indices
    glassnet.manual_seed(3)
    b = random_split(ds, [25, 25])[0].indices
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(random_split(ds, [10, 40], generator=1)[0].indices,
                                  random_split(ds, [10, 40], generator=np.random.default_rng(1))[0].indices)
    with pytest.raises(ValueError, match="sum to 49"):
        random_split(ds, [20, 29])


# --------------------------------------------------------------- dataloader
def test_loader_in_order_with_short_last_batch():
    x, y = _xy(10)
    loader = DataLoader(TensorDataset(x, y), batch_size=4)
    batches = list(loader)
    assert len(loader) == 3 and len(batches) == 3
    assert [b[0].shape[0] for b in batches] == [4, 4, 2]
    xb, yb = batches[1]
    assert xb.dtype == np.float32 and yb.dtype == np.int64
    np.testing.assert_array_equal(xb.array, x[4:8])
    np.testing.assert_array_equal(yb.array, y[4:8])


def test_drop_last():
    x, y = _xy(10)
    loader = DataLoader(TensorDataset(x, y), batch_size=4, drop_last=True, shuffle=True)
    batches = list(loader)
    assert len(loader) == 2 and len(batches) == 2
    assert all(b[0].shape == (4, 3) for b in batches)
    assert len(DataLoader(TensorDataset(x), batch_size=5, drop_last=True)) == 2


def _epoch_labels(loader):
    return np.concatenate([yb.array for _, yb in loader])


def test_shuffle_reproducible_with_manual_seed_and_seed():
    n = 100
    ds = TensorDataset(np.zeros((n, 2)), np.arange(n))
    glassnet.manual_seed(42)
    first = _epoch_labels(DataLoader(ds, batch_size=16, shuffle=True))
    glassnet.manual_seed(42)
    again = _epoch_labels(DataLoader(ds, batch_size=16, shuffle=True))
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, np.arange(n))
    np.testing.assert_array_equal(np.sort(first), np.arange(n))

    a = DataLoader(ds, batch_size=16, shuffle=True, seed=7)
    b = DataLoader(ds, batch_size=16, shuffle=True, seed=7)
    epochs_a = [_epoch_labels(a) for _ in range(2)]
    epochs_b = [_epoch_labels(b) for _ in range(2)]
    np.testing.assert_array_equal(epochs_a[0], epochs_b[0])
    np.testing.assert_array_equal(epochs_a[1], epochs_b[1])
    assert not np.array_equal(epochs_a[0], epochs_a[1])  # a new order every epoch
    gen = DataLoader(ds, batch_size=16, shuffle=True, generator=np.random.default_rng(7))
    np.testing.assert_array_equal(_epoch_labels(gen), epochs_a[0])


def test_batched_path_never_calls_getitem():
    x, y = _xy(10)
    loader = DataLoader(ArraysOnly((x, y)), batch_size=3, shuffle=True)
    got = [(xb.array, yb.array) for xb, yb in loader]
    xs = np.concatenate([g[0] for g in got])
    ys = np.concatenate([g[1] for g in got])
    order = (xs[:, 0] // 3).astype(int)  # each row of x encodes its index
    np.testing.assert_array_equal(ys, y[order])
    # Subsets, random splits and concatenations keep the batched path.
    train, val = random_split(NoPerSample(x, y), [0.8, 0.2])
    assert sum(xb.shape[0] for xb, _ in DataLoader(train, batch_size=3)) == 8
    both = ConcatDataset([NoPerSample(x, y), val])
    assert sum(xb.shape[0] for xb, _ in DataLoader(both, batch_size=4, shuffle=True)) == 12


def test_dict_arrays_give_dict_batches():
    x, y = _xy(6)
    batch = next(iter(DataLoader(ArraysOnly({"image": x, "label": y}), batch_size=4)))
    assert set(batch) == {"image", "label"}
    assert batch["image"].dtype == np.float32 and batch["label"].dtype == np.int64
    np.testing.assert_array_equal(batch["label"].array, y[:4])


def test_generic_dataset_dict_collation():
    batches = list(DataLoader(Squares(), batch_size=3))
    assert len(batches) == 3
    b = batches[1]
    assert b["x"].shape == (3, 2) and b["x"].dtype == np.float32
    assert b["y"].dtype == np.int64
    np.testing.assert_array_equal(b["y"].array, [9, 16, 25])
    assert b["name"] == ["s3", "s4", "s5"]


def test_default_collate_tuples_numbers_namedtuples():
    samples = [(glassnet.tensor([1.0, 2.0]), 1), (glassnet.tensor([3.0, 4.0]), 0)]
    xb, yb = default_collate(samples)
    np.testing.assert_array_equal(xb.array, [[1, 2], [3, 4]])
    assert yb.dtype == np.int64 and yb.tolist() == [1, 0]
    floats = default_collate([0.5, 1.5])
    assert floats.dtype == np.float32
    Pair = namedtuple("Pair", "x y")
    pair = default_collate([Pair(np.ones(2), 1), Pair(np.zeros(2), 2)])
    assert isinstance(pair, Pair) and pair.y.tolist() == [1, 2]
    with pytest.raises(TypeError, match="object"):
        default_collate([object(), object()])


def test_custom_collate_fn_gets_samples():
    x, y = _xy(5)
    seen = []

    def collate(samples):
        seen.append(len(samples))
        return default_collate(samples)

    batches = list(DataLoader(TensorDataset(x, y), batch_size=2, collate_fn=collate))
    assert seen == [2, 2, 1]
    np.testing.assert_array_equal(batches[2][0].array, x[4:])


def test_transform_is_batchwise_on_stored_dtype():
    pixels = np.random.default_rng(0).integers(0, 256, size=(10, 4), dtype=np.uint8)
    labels = np.arange(10)
    calls = []

    def scale(batch):
        calls.append((batch.shape, batch.dtype))
        return batch.astype(np.float32) / 255.0

    batches = list(DataLoader(TensorDataset(pixels, labels), batch_size=4, transform=scale))
    assert calls == [((4, 4), np.uint8), ((4, 4), np.uint8), ((2, 4), np.uint8)]
    np.testing.assert_allclose(batches[0][0].array, pixels[:4] / 255.0, rtol=1e-6)
    assert batches[0][0].dtype == np.float32
    np.testing.assert_array_equal(batches[0][1].array, labels[:4])


def test_bad_batch_size():
    with pytest.raises(ValueError, match="batch_size"):
        DataLoader(TensorDataset(np.zeros(3)), batch_size=0)


def test_mnist_sized_iteration_timing():
    rng = np.random.default_rng(0)
    x = rng.random((60000, 784), dtype=np.float32)
    y = rng.integers(0, 10, 60000)
    loader = DataLoader(TensorDataset(x, y), batch_size=128, shuffle=True)
    start = time.perf_counter()
    count = sum(xb.shape[0] for xb, _ in loader)
    elapsed = time.perf_counter() - start
    assert count == 60000
    print(f"\nDataLoader: one shuffled epoch of 60000x784 float32, batch 128: {elapsed * 1e3:.0f} ms")
