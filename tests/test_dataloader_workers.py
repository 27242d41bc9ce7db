"""DataLoader(num_workers=N): the batches of num_workers=0, PyTorch's worker semantics, clean shutdown.

The datasets are tiny, so each test costs little more than starting two
forked processes. torch's own DataLoader is the oracle for the order in
which workers' IterableDataset batches come out.
"""

import gc
import os
import signal
import time
from pathlib import Path

import numpy as np
import pytest

import glassnet
from glassnet.data import (
    BatchSampler,
    DataLoader,
    Dataset,
    IterableDataset,
    SequentialSampler,
    TensorDataset,
    get_worker_info,
)

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="worker tests use fork (Linux, macOS)")


class Records(Dataset):
    """Per-sample dataset: a dict with an array, a number and a string, plus who loaded it."""

    def __init__(self, n=11):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return {"x": np.full(3, i, dtype=np.float64), "y": i * i, "name": f"s{i}"}


class WhoLoads(Dataset):
    """Each sample says which process, worker and seed loaded it, and what worker_init_fn left there."""

    def __len__(self):
        return 8

    def __getitem__(self, i):
        info = get_worker_info()
        return np.array([i, os.getpid(), -1 if info is None else info.id, _INIT.get("pid", -1),
                         -1 if info is None else info.seed % 1000003], dtype=np.int64)


_INIT = {}


def _remember_init(worker_id):
    _INIT["pid"] = os.getpid()


class Failing(Dataset):
    def __len__(self):
        return 10

    def __getitem__(self, i):
        if i == 5:
            raise ValueError("sample five is broken")
        return np.float32(i)


class Dying(Dataset):
    def __len__(self):
        return 10

    def __getitem__(self, i):
        if i == 6:
            os.kill(os.getpid(), signal.SIGKILL)
        return np.float32(i)


class Slow(Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, i):
        time.sleep(0.0 if i == 0 else 1.0)
        return np.float32(i)


class Noisy(Dataset):
    """Every sample is the same image plus glassnet's random noise: shows the workers' seeds."""

    def __len__(self):
        return 8

    def __getitem__(self, i):
        return glassnet.rand(2).array


class Numbers(IterableDataset):
    """0..n-1, each worker taking every num_workers-th number (PyTorch's sharding idiom)."""

    def __init__(self, n, shard=True):
        self.n, self.shard = n, shard

    def __iter__(self):
        info = get_worker_info()
        start, step = (0, 1) if info is None or not self.shard else (info.id, info.num_workers)
        return iter(np.arange(start, self.n, step, dtype=np.int64))


def _arrays(batch):
    """A batch as plain, comparable Python values."""
    if isinstance(batch, glassnet.Tensor):
        return (str(batch.dtype), batch.array.tolist())
    if isinstance(batch, dict):
        return {k: _arrays(v) for k, v in batch.items()}
    if isinstance(batch, (tuple, list)):
        return [_arrays(v) for v in batch]
    return batch


def _epochs(loader, epochs=1):
    return [_arrays(b) for _ in range(epochs) for b in loader]


def _children():
    """Pids whose parent is this process, zombies included (read from /proc, which reaps nothing)."""
    mine, children = str(os.getpid()), set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[1] == mine:
            children.add((int(stat.parent.name), fields[0]))
    return children


needs_proc = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc (Linux)")


# ----------------------------------------------------------------- same batches as num_workers=0
@pytest.mark.parametrize("options", [
    dict(batch_size=3),
    dict(batch_size=4, drop_last=True),
    dict(batch_size=None),
    dict(batch_sampler=BatchSampler(SequentialSampler(range(11)), 5, False)),
    dict(batch_size=3, collate_fn=lambda samples: glassnet.tensor(np.stack([s["x"] for s in samples]),
                                                                  dtype=glassnet.float64)),
])
def test_workers_give_the_batches_of_one_process(options):
    expected = _epochs(DataLoader(Records(), **options))
    got = _epochs(DataLoader(Records(), num_workers=2, **options))
    assert got == expected and len(got) == len(DataLoader(Records(), **options))


def test_shuffled_epochs_equal_and_global_generator_left_alone():
    data = TensorDataset(np.arange(40, dtype=np.float32).reshape(20, 2), np.arange(20))
    glassnet.manual_seed(5)
    expected = _epochs(DataLoader(data, batch_size=3, shuffle=True, transform=lambda x: x * 2), epochs=3)
    after_expected = glassnet.rand(3).array
    glassnet.manual_seed(5)
    got = _epochs(DataLoader(data, batch_size=3, shuffle=True, transform=lambda x: x * 2, num_workers=2),
                  epochs=3)
    assert got == expected
    # Worker seeds come from a spawned child stream: the main stream is where one process leaves it.
    np.testing.assert_array_equal(glassnet.rand(3).array, after_expected)


def test_seeded_loader_generator_gives_the_same_orders_with_workers():
    data = TensorDataset(np.arange(30))
    expected = _epochs(DataLoader(data, batch_size=4, shuffle=True, generator=11), epochs=2)
    with_workers = DataLoader(data, batch_size=4, shuffle=True, generator=11, num_workers=3)
    assert _epochs(with_workers, epochs=2) == expected


# ----------------------------------------------------------------- worker identity, seeds, init
def test_workers_are_other_processes_taking_batches_in_turn_after_their_init():
    rows = np.concatenate([b.array for b in DataLoader(WhoLoads(), batch_size=2, num_workers=2,
                                                       worker_init_fn=_remember_init)])
    index, pid, worker, init_pid, seed = rows.T
    np.testing.assert_array_equal(index, np.arange(8))
    assert os.getpid() not in set(pid) and len(set(pid)) == 2
    np.testing.assert_array_equal(init_pid, pid)  # worker_init_fn ran in the worker that loaded the batch
    np.testing.assert_array_equal(worker, [0, 0, 1, 1, 0, 0, 1, 1])  # batch k goes to worker k % 2
    assert len(set(seed[worker == 0])) == 1 and set(seed[worker == 0]) != set(seed[worker == 1])
    assert get_worker_info() is None


def test_worker_random_numbers_differ_between_workers_and_repeat_under_manual_seed():
    def run():
        glassnet.manual_seed(3)
        return np.concatenate([b.array for b in DataLoader(Noisy(), batch_size=2, num_workers=2)])
    first, second = run(), run()
    np.testing.assert_array_equal(first, second)
    assert not np.allclose(first[0], first[2])  # batch 0 from worker 0, batch 1 from worker 1


# ----------------------------------------------------------------- errors
def test_exception_in_a_worker_is_raised_with_its_id_and_traceback():
    loader = DataLoader(Failing(), batch_size=2, num_workers=2)
    with pytest.raises(ValueError, match=r"Caught ValueError in DataLoader worker 0\.") as caught:
        list(loader)
    assert "sample five is broken" in str(caught.value) and "__getitem__" in str(caught.value)


def test_failing_worker_init_fn_is_named():
    def init(worker_id):
        raise KeyError(f"no config for worker {worker_id}")
    with pytest.raises(KeyError, match="worker_init_fn of DataLoader worker 0"):
        list(DataLoader(Records(), batch_size=2, num_workers=2, worker_init_fn=init))


def test_a_killed_worker_is_reported():
    with pytest.raises(RuntimeError, match=r"DataLoader worker 1 \(pid \d+\) was killed by signal 9"):
        list(DataLoader(Dying(), batch_size=2, num_workers=2))


def test_timeout_names_the_wait():
    with pytest.raises(RuntimeError, match="timed out after 0.3 seconds"):
        list(DataLoader(Slow(), batch_size=1, num_workers=1, timeout=0.3))


def test_argument_errors():
    data = TensorDataset(np.arange(4))
    with pytest.raises(ValueError, match="num_workers must be an int >= 0"):
        DataLoader(data, num_workers=-1)
    with pytest.raises(ValueError, match="prefetch_factor .* needs num_workers > 0"):
        DataLoader(data, prefetch_factor=2)
    with pytest.raises(ValueError, match="persistent_workers=True needs num_workers > 0"):
        DataLoader(data, persistent_workers=True)
    with pytest.raises(ValueError, match="sampler and shuffle=True exclude each other"):
        DataLoader(data, sampler=SequentialSampler(data), shuffle=True)
    with pytest.raises(ValueError, match="IterableDataset decides its own order"):
        DataLoader(Numbers(4), shuffle=True)
    assert len(list(DataLoader(data, batch_size=2, pin_memory=True))) == 2  # accepted, nothing to pin


# ----------------------------------------------------------------- lifetime of the workers
@needs_proc
def test_breaking_out_of_the_loop_leaves_no_process_behind():
    before = _children()
    for _ in DataLoader(Records(200), batch_size=2, num_workers=2, prefetch_factor=4):
        assert len(_children() - before) == 2
        break
    gc.collect()
    assert _children() - before == set()
    list(DataLoader(Records(), batch_size=4, num_workers=2))  # a whole epoch ends them too
    assert _children() - before == set()


def test_persistent_workers_serve_every_epoch_and_stop_with_the_loader():
    loader = DataLoader(WhoLoads(), batch_size=2, num_workers=2, persistent_workers=True)
    for _ in loader:  # an abandoned first epoch: its late batches must not leak into the next
        break
    epochs = [np.concatenate([b.array for b in loader]) for _ in range(2)]
    for rows in epochs:
        np.testing.assert_array_equal(rows[:, 0], np.arange(8))
    assert set(epochs[0][:, 1]) == set(epochs[1][:, 1]) and len(set(epochs[0][:, 1])) == 2
    processes = loader._workers.processes
    del loader
    gc.collect()
    assert all(p.exitcode is not None for p in processes)


def test_workers_that_are_not_persistent_are_new_each_epoch():
    loader = DataLoader(WhoLoads(), batch_size=4, num_workers=2)
    pids = [set(np.concatenate([b.array for b in loader])[:, 1]) for _ in range(2)]
    assert not pids[0] & pids[1]


# ----------------------------------------------------------------- IterableDataset, against torch
def _torch_numbers(n, shard, workers, batch_size):
    torch = pytest.importorskip("torch")

    class TorchNumbers(torch.utils.data.IterableDataset):
        def __iter__(self):
            info = torch.utils.data.get_worker_info()
            start, step = (0, 1) if info is None or not shard else (info.id, info.num_workers)
            return iter(range(start, n, step))

    loader = torch.utils.data.DataLoader(TorchNumbers(), batch_size=batch_size, num_workers=workers,
                                         multiprocessing_context="fork")
    return [b.tolist() for b in loader]


@pytest.mark.filterwarnings("ignore:This DataLoader will create")  # torch's advice for 3 workers on 2 cores
@pytest.mark.parametrize("n, shard, workers", [(11, True, 2), (7, False, 2), (13, True, 3)])
def test_iterable_dataset_batches_interleave_as_in_torch(n, shard, workers):
    ours = [b.array.tolist() for b in DataLoader(Numbers(n, shard), batch_size=2, num_workers=workers)]
    assert ours == _torch_numbers(n, shard, workers, batch_size=2)
