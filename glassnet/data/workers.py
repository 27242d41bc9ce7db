"""Worker processes for ``DataLoader(num_workers=N)``, with PyTorch's semantics.

Each worker is a process started (forked, on Linux) with the loader's
``BatchFetcher``, so it works on its own copy of the dataset. The main
process hands out *tasks*, one batch's indices each, to the workers in turn,
at most ``prefetch_factor`` per worker ahead of the batch being consumed.
Tasks go through a queue per worker; a worker sends each finished batch back
through its own pipe, pickled, as NumPy arrays (a Tensor inside a batch
travels as its array and is rebuilt on arrival). Batches can arrive out of
order; the main process keeps early ones until their turn, so the loader
yields exactly the batches of ``num_workers=0``, in the same order.

* Seeds: every epoch (or once, with ``persistent_workers``) the workers get a
  base seed; worker ``i`` seeds glassnet's global generator, ``random`` and
  NumPy's legacy global generator from ``base + i``, so random transforms
  differ between workers and epochs and repeat under ``glassnet.manual_seed``.
  The base seed comes from ``Generator.spawn`` (an independent child stream),
  which leaves the generator's own stream where it was: with or without
  workers, the shuffled orders and dropout masks of a seeded run are the same.
* ``get_worker_info()`` in a worker says which one it is (None in the main
  process); ``worker_init_fn(worker_id)`` runs in the worker after seeding.
* An exception in a worker is raised again in the main process, of the same
  type where it can be, with the worker's id and the original traceback; a
  worker that dies (killed, crashed) raises a RuntimeError naming it.
* Shutdown: when the epoch ends, the loop breaks or the iterator is garbage
  collected, the workers are told to stop, finish at most the batch they are
  on, and are joined (terminated after a grace period), so none is left
  running or unreaped. ``persistent_workers`` keeps them for the next epoch
  and shuts them down with the DataLoader.
"""

import multiprocessing
import pickle
import queue
import random
import time
import traceback
from collections.abc import Mapping
from dataclasses import dataclass
from multiprocessing.connection import wait

import numpy as np

from ..creation import manual_seed
from ..tensor import Tensor
from ._random import as_generator
from .collate import to_tensors

_POLL_SECONDS = 0.5  # how often an idle worker checks that its parent is still there
_GRACE_SECONDS = 5.0  # how long stopping workers may take before they are terminated


@dataclass(frozen=True)
class WorkerInfo:
    """What ``get_worker_info()`` returns inside a worker."""

    id: int
    num_workers: int
    seed: int
    dataset: object


_worker_info = None


def get_worker_info():
    """This worker's ``WorkerInfo`` (id, num_workers, seed, its copy of the dataset); None outside workers."""
    return _worker_info


def base_seed(generator=None):
    """The seed of one epoch's workers, from a child stream of ``generator`` (or glassnet's global one)."""
    rng = as_generator(generator)
    try:
        child = rng.spawn(1)[0]
    except (AttributeError, TypeError, ValueError):  # a generator without a SeedSequence to spawn from
        child = rng
    return int(child.integers(2**63))


def _seed_worker(base, worker_id):
    seed = base + worker_id
    random.seed(seed)
    np.random.seed(np.random.SeedSequence([base, worker_id]).generate_state(4))
    manual_seed(seed)
    return seed


class WorkerFailure:
    """An exception raised in a worker, brought to the main process as its type and traceback text."""

    def __init__(self, error, worker_id, where="DataLoader worker"):
        self.type_name, self.worker_id, self.where = type(error).__name__, worker_id, where
        self.text = "".join(traceback.format_exception(error))
        try:  # a class defined where the main process cannot find it comes back as RuntimeError
            pickle.dumps(type(error))
            self.error_type = type(error)
        except Exception:
            self.error_type = RuntimeError

    def reraise(self):
        message = f"Caught {self.type_name} in {self.where} {self.worker_id}.\nOriginal {self.text}"
        try:
            error = self.error_type(message)
        except Exception:  # an exception type whose constructor wants other arguments
            error = RuntimeError(message)
        raise error


class _Exhausted:
    """A worker's copy of an IterableDataset has no more batches this epoch."""


class _SentTensor:
    """A Tensor's array on its way from a worker; only arrays cross the process boundary."""

    def __init__(self, array):
        self.array = array


def _swap_tensors(batch, swap):
    if isinstance(batch, (Tensor, _SentTensor)):
        return swap(batch)
    if isinstance(batch, Mapping):
        return {key: _swap_tensors(value, swap) for key, value in batch.items()}
    if isinstance(batch, tuple) and hasattr(batch, "_fields"):
        return type(batch)(*(_swap_tensors(v, swap) for v in batch))
    if isinstance(batch, (tuple, list)):
        return type(batch)(_swap_tensors(v, swap) for v in batch)
    return batch


def _for_sending(batch):
    return _swap_tensors(batch, lambda t: _SentTensor(t.array))


def _received(batch):
    return to_tensors(_swap_tensors(batch, lambda t: Tensor._make(t.array, None, 0)))


def _worker_loop(worker_id, num_workers, base, fetcher, init_fn, tasks, results, stop, iterable):
    """A worker's life: seed, run ``init_fn``, then turn tasks into batches until told to stop."""
    global _worker_info
    try:
        seed = _seed_worker(base, worker_id)
        _worker_info = WorkerInfo(worker_id, num_workers, seed, fetcher.dataset)
        init_failure = None
        if init_fn is not None:
            try:
                init_fn(worker_id)
            except Exception as error:  # every task of this worker reports it
                init_failure = WorkerFailure(error, worker_id, "worker_init_fn of DataLoader worker")
        stream, stream_epoch = None, None
        parent = multiprocessing.parent_process()  # the main process, also under spawn and forkserver
        while not stop.is_set():
            try:
                task = tasks.get(timeout=_POLL_SECONDS)
            except queue.Empty:
                if parent is not None and not parent.is_alive():  # nobody is left to read our batches
                    break
                continue
            if task is None or stop.is_set():
                break
            epoch, task_id, indices = task
            if init_failure is not None:
                results.send((epoch, task_id, init_failure))
                continue
            try:
                if iterable and stream_epoch != epoch:  # each epoch iterates the dataset afresh
                    stream, stream_epoch = iter(fetcher.dataset), epoch
                batch = fetcher.from_stream(stream) if iterable else fetcher.from_indices(indices)
                results.send((epoch, task_id, _for_sending(batch)))
            except StopIteration as error:  # the end of a stream; from a map-style dataset, a bug
                results.send((epoch, task_id, _Exhausted() if iterable else WorkerFailure(error, worker_id)))
            except Exception as error:  # the dataset's, the collate function's, or pickling's
                results.send((epoch, task_id, WorkerFailure(error, worker_id)))
    except (KeyboardInterrupt, BrokenPipeError):
        pass  # Ctrl-C reaches the main process too, which stops the workers; a closed pipe means it did


class WorkerPool:
    """``num_workers`` processes, their task queues and result pipes."""

    def __init__(self, fetcher, num_workers, seed, worker_init_fn, context, iterable):
        self.num_workers, self.seed, self.closed = num_workers, seed, False
        self.epoch = 0  # the iterator currently using the workers; earlier ones' results are dropped
        self.stop = context.Event()
        self.tasks, self.results, self.processes = [], [], []
        try:
            for worker_id in range(num_workers):
                tasks = context.Queue()
                tasks.cancel_join_thread()  # exiting must not wait on tasks that no worker will read
                reader, writer = context.Pipe(duplex=False)
                process = context.Process(
                    target=_worker_loop, name=f"DataLoader worker {worker_id}", daemon=True,
                    args=(worker_id, num_workers, seed, fetcher, worker_init_fn, tasks, writer, self.stop,
                          iterable))
                process.start()
                writer.close()  # the worker's end; workers started later must not inherit it
                self.tasks.append(tasks)
                self.results.append(reader)
                self.processes.append(process)
        except BaseException:
            self.shutdown()
            raise

    def new_epoch(self):
        self.epoch += 1
        return self.epoch

    def send(self, worker_id, task):
        self.tasks[worker_id].put(task)

    def receive(self, timeout=None):
        """``(epoch, task id, result)`` of the next batch any worker finishes."""
        deadline = None if not timeout else time.monotonic() + timeout
        while True:
            remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
            ready = wait(self.results + [p.sentinel for p in self.processes], remaining)
            for reader in self.results:
                if reader in ready:
                    try:
                        return reader.recv()
                    except EOFError:  # its worker died; the sentinel says how
                        break
            self._check_alive()
            if deadline is not None and time.monotonic() >= deadline:
                raise RuntimeError(f"DataLoader timed out after {timeout} seconds waiting for a batch from "
                                   f"its {self.num_workers} worker(s)")

    def _check_alive(self):
        for worker_id, process in enumerate(self.processes):
            if process.exitcode is not None:
                code = process.exitcode
                how = f"was killed by signal {-code}" if code < 0 else f"exited with code {code}"
                self.shutdown()
                raise RuntimeError(f"DataLoader worker {worker_id} (pid {process.pid}) {how} unexpectedly")

    def shutdown(self):
        """Stop every worker (each finishes at most its current batch) and reap it; idempotent."""
        if self.closed:
            return
        self.closed = True
        self.stop.set()
        for tasks in self.tasks:
            try:
                tasks.put(None)
            except (OSError, ValueError):
                pass
        # Keep reading (and dropping) results: a worker blocked on a full pipe could not see the stop.
        deadline = time.monotonic() + _GRACE_SECONDS
        readers = list(self.results)
        while any(p.exitcode is None for p in self.processes) and time.monotonic() < deadline:
            alive = [p.sentinel for p in self.processes if p.exitcode is None]
            for ready in wait(readers + alive, max(0.0, deadline - time.monotonic())):
                if ready in readers:
                    try:
                        ready.recv_bytes()
                    except (EOFError, OSError):
                        readers.remove(ready)
        for process in self.processes:
            if process.exitcode is None:
                process.terminate()
            process.join()
        for tasks in self.tasks:
            tasks.close()
        for reader in self.results:
            reader.close()

    def __del__(self):
        try:
            self.shutdown()
        except Exception:  # interpreter shutdown: modules may already be gone
            pass


class WorkerIterator:
    """One epoch of a DataLoader with workers: hands out tasks, returns batches in task order."""

    def __init__(self, loader, pool, owns_workers):
        self.pool, self.owns_workers, self.timeout = pool, owns_workers, loader.timeout
        self.length = loader.__len__
        self.epoch = pool.new_epoch()
        self.tasks = None if loader._iterable else loader.index_batches()  # None: ask for the next batch
        self.next_task = 0  # id of the next task to hand out
        self.next_out = 0  # id of the next batch to return; ids in [next_out, next_task) are pending
        self.worker_of = {}  # pending task id -> the worker doing it
        self.early = {}  # results that arrived before their turn
        self.active = list(range(pool.num_workers))  # workers whose dataset copy is not exhausted
        self.turn = 0
        for _ in range(loader.prefetch_factor * pool.num_workers):
            self._hand_out()

    def _hand_out(self):
        if not self.active:
            return
        indices = None
        if self.tasks is not None:
            indices = next(self.tasks, None)
            if indices is None:
                return
        worker = self.active[self.turn % len(self.active)]
        self.turn += 1
        self.pool.send(worker, (self.epoch, self.next_task, indices))
        self.worker_of[self.next_task] = worker
        self.next_task += 1

    def __iter__(self):
        return self

    def __len__(self):
        return self.length()

    def __next__(self):
        while True:
            if self.pool.epoch != self.epoch and not self.pool.closed:
                raise RuntimeError("DataLoader: a newer iter(loader) has taken over the persistent workers; "
                                   "only one iterator at a time can use them")
            if self.next_out == self.next_task:  # nothing pending: the epoch is over
                self.close()
                raise StopIteration
            result = self._result_of(self.next_out)
            worker = self.worker_of.pop(self.next_out)
            self.next_out += 1
            if isinstance(result, _Exhausted):  # no new task for a worker that has run dry
                if worker in self.active:
                    self.active.remove(worker)
                continue
            self._hand_out()
            if isinstance(result, WorkerFailure):
                result.reraise()
            return _received(result)

    def _result_of(self, task_id):
        while task_id not in self.early:
            if self.pool.closed:
                raise RuntimeError("DataLoader: the workers of this iterator have been shut down")
            epoch, done_id, result = self.pool.receive(self.timeout)
            if epoch == self.epoch:
                self.early[done_id] = result
            # else: a batch for an abandoned earlier epoch of persistent workers; dropped
        return self.early.pop(task_id)

    def close(self):
        """Shut the workers down now (unless they are persistent); the loop's end and ``del`` do it too."""
        if self.owns_workers:
            self.pool.shutdown()

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass
