"""glassnet.distributed: a job of one process without MPI, then ``mpirun -np 2`` jobs.

The single-process tests need no MPI: ``init()`` is a no-op, the collectives
leave tensors as they are, DDP is its module, the sampler deals PyTorch's
shards, and SyncBatchNorm's formulas and the metric merge are checked on
their own. The ``mpirun`` tests launch the worker scripts in
tests/distributed/ (each rank reports to rank 0, which prints one RESULT
line) and skip, saying why, where mpirun or mpi4py is missing.
"""

import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import glassnet
from glassnet import distributed as dist
from glassnet import keras, metrics, nn, optim
from glassnet.distributed import comm
from glassnet.distributed import strategy as strategy_module
from glassnet.distributed.merge import merge_metrics
from glassnet.distributed.sync_batchnorm import SyncNormalize

ROOT = Path(__file__).resolve().parents[1]
WORKERS = ROOT / "tests" / "distributed"
MPIRUN = shutil.which("mpirun")
needs_mpi = pytest.mark.skipif(
    MPIRUN is None or importlib.util.find_spec("mpi4py") is None,
    reason="MPI is not available (needs mpirun, e.g. apt-get install openmpi-bin, and pip install mpi4py)")


# ------------------------------------------------------------------ one process, no MPI
@pytest.fixture
def fresh_group(monkeypatch):
    """A process that has not joined any job yet (restored after the test)."""
    monkeypatch.setattr(comm, "_group", None)
    for name in comm._LAUNCHER_VARIABLES:
        monkeypatch.delenv(name, raising=False)


def test_init_without_a_launcher_is_a_job_of_one_and_imports_no_mpi(fresh_group):
    imported_before = "mpi4py.MPI" in sys.modules
    assert not dist.launched_by_mpi()
    assert dist.init() == (0, 1)
    assert (dist.rank(), dist.size(), dist.local_rank(), dist.is_main_process()) == (0, 1, 0, True)
    assert dist.init() == (0, 1)  # a second call changes nothing
    dist.barrier()
    assert imported_before or "mpi4py.MPI" not in sys.modules


def test_init_under_a_launcher_without_mpi4py_says_what_to_install(fresh_group, monkeypatch):
    monkeypatch.setenv("OMPI_COMM_WORLD_SIZE", "2")
    monkeypatch.setitem(sys.modules, "mpi4py", None)  # makes `from mpi4py import MPI` fail
    with pytest.raises(ImportError, match=r"OMPI_COMM_WORLD_SIZE.*pip install 'glassnet\[distributed\]'"):
        dist.init()


def test_collectives_on_one_process_leave_tensors_as_they_are():
    t = glassnet.tensor([[1.5, -2.0], [3.0, 4.25]])
    for op in ("sum", "avg", dist.ReduceOp.MAX, "min", "product"):
        assert dist.all_reduce(t, op=op) is t and t.tolist() == [[1.5, -2.0], [3.0, 4.25]]
    column = t[:, 0]  # not contiguous: reduced through a copy, written back
    assert dist.all_reduce(column).tolist() == [1.5, 3.0]
    assert dist.broadcast(t, src=0).tolist() == [[1.5, -2.0], [3.0, 4.25]]
    out = [glassnet.zeros(2, 2)]
    dist.all_gather(out, t)
    assert out[0].tolist() == t.tolist() and out[0].array is not t.array


@pytest.mark.parametrize("call, error, message", [
    (lambda t: dist.all_reduce(t, op="mean"), ValueError, r"all_reduce: op must be one of \['sum', 'avg'"),
    (lambda t: dist.all_reduce(glassnet.tensor([1, 2]), op="avg"), TypeError, "floating-point.*int64"),
    (lambda t: dist.all_reduce(t.array), TypeError, "all_reduce: expected a glassnet Tensor, got ndarray"),
    (lambda t: dist.broadcast(t, src=1), ValueError, "broadcast: src must be a rank from 0 to 0, got 1"),
    (lambda t: dist.all_gather([t, t], t), ValueError, r"list of 1 tensors \(one per rank\), got 2 items"),
    (lambda t: dist.all_gather([glassnet.zeros(3)], t), ValueError, r"tensor_list\[0\] has shape \(3,\)"),
])
def test_collectives_refuse_bad_arguments_by_name(call, error, message):
    with pytest.raises(error, match=message):
        call(glassnet.tensor([1.0, 2.0]))


def _mlp():
    return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))


def _step(model, optimizer, x, y, sync=None):
    optimizer.zero_grad()
    nn.CrossEntropyLoss()(model(x), y).backward()
    if sync is not None:
        sync()
    optimizer.step()


def test_ddp_and_the_distributed_optimizer_on_one_process_are_transparent():
    x, y = glassnet.randn(6, 4), glassnet.tensor([0, 1, 2, 0, 1, 2])
    glassnet.manual_seed(1)
    plain = _mlp()
    glassnet.manual_seed(1)
    model = dist.DistributedDataParallel(_mlp())
    assert np.array_equal(model(x).array, plain(x).array)
    assert list(model.state_dict()) == ["module." + k for k in plain.state_dict()]  # PyTorch's keys
    plain_opt = optim.SGD(plain.parameters(), lr=0.1, momentum=0.9)
    wrapped = dist.DistributedOptimizer(optim.SGD(model.parameters(), lr=0.1, momentum=0.9))
    for _ in range(2):
        _step(plain, plain_opt, x, y)
        _step(model, wrapped, x, y, sync=model.sync_gradients)
    for p, q in zip(plain.parameters(), model.parameters()):
        assert np.array_equal(p.array, q.array)
    assert wrapped.param_groups is wrapped.optimizer.param_groups  # everything else is the optimizer's
    assert wrapped.state_dict()["param_groups"][0]["lr"] == 0.1


def test_ddp_refuses_what_it_cannot_replicate():
    with pytest.raises(RuntimeError, match="not initialised yet.*run one forward pass"):
        dist.DistributedDataParallel(nn.Sequential(nn.LazyLinear(3)))
    with pytest.raises(ValueError, match="device_ids and output_device must be None, got \\[0\\]"):
        dist.DistributedDataParallel(_mlp(), device_ids=[0])
    with pytest.raises(TypeError, match="expected a glassnet nn.Module, got function"):
        dist.DistributedDataParallel(_mlp)
    with pytest.raises(ValueError, match="bucket_cap_mb must be > 0, got 0"):
        dist.DistributedDataParallel(_mlp(), bucket_cap_mb=0)


@pytest.mark.parametrize("n", [1, 7, 10, 12])
@pytest.mark.parametrize("drop_last", [False, True])
def test_sampler_deals_pytorchs_shards(n, drop_last):
    torch = pytest.importorskip("torch")
    from torch.utils.data import DistributedSampler as TorchSampler

    for replicas in (1, 2, 3, 5):
        for rank in range(replicas):
            ours = dist.DistributedSampler(range(n), replicas, rank, shuffle=False, drop_last=drop_last)
            theirs = TorchSampler(torch.arange(n), replicas, rank, shuffle=False, drop_last=drop_last)
            assert list(ours) == list(theirs) and len(ours) == len(theirs), (replicas, rank)


def test_shuffled_shards_cover_the_data_and_follow_seed_and_epoch():
    def shards(seed=0, epoch=0, replicas=3, n=10):
        samplers = [dist.DistributedSampler(range(n), replicas, r, seed=seed) for r in range(replicas)]
        for s in samplers:
            s.set_epoch(epoch)
        return [list(s) for s in samplers]

    dealt = shards()
    assert [len(s) for s in dealt] == [4, 4, 4]  # 10 padded to 12 with 2 repeated indices
    everything = sorted(sum(dealt, []))
    assert set(everything) == set(range(10)) and len(everything) == 12
    assert shards() == dealt and shards(epoch=1) != dealt and shards(seed=1) != dealt


def test_sampler_refuses_a_rank_outside_the_job():
    with pytest.raises(ValueError, match=r"rank must be in \[0, 1\] for num_replicas=2, got 2"):
        dist.DistributedSampler(range(4), num_replicas=2, rank=2)
    with pytest.raises(ValueError, match="num_replicas must be an int >= 1, got 0"):
        dist.DistributedSampler(range(4), num_replicas=0, rank=0)


@pytest.mark.parametrize("shape", [(6, 3), (4, 3, 5), (3, 3, 4, 2)])
def test_sync_batchnorm_node_matches_torchs_batch_norm(shape):
    """The forward and backward formulas, on one process (where the collectives change nothing)."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    x, g = rng.normal(2.0, 3.0, size=shape), rng.normal(size=shape)
    w, b = rng.normal(size=3), rng.normal(size=3)
    running = (np.zeros(3), np.ones(3), 0.1)
    xs = [glassnet.tensor(a, dtype=glassnet.float64, requires_grad=True) for a in (x, w, b)]
    SyncNormalize.apply(*xs, eps=1e-5, running=running).backward(glassnet.tensor(g, dtype=glassnet.float64))
    ts = [torch.tensor(a, requires_grad=True) for a in (x, w, b)]
    t_mean, t_var = torch.zeros(3, dtype=torch.float64), torch.ones(3, dtype=torch.float64)
    out = torch.nn.functional.batch_norm(ts[0], t_mean, t_var, ts[1], ts[2], True, 0.1, 1e-5)
    out.backward(torch.tensor(g))
    for ours, theirs in zip(xs, ts):
        np.testing.assert_allclose(ours.grad.array, theirs.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(running[0], t_mean.numpy(), rtol=1e-12)
    np.testing.assert_allclose(running[1], t_var.numpy(), rtol=1e-12)


@pytest.mark.parametrize("shape", [(6, 3), (3, 3, 4, 2)])
def test_sync_batchnorm_node_passes_float64_finite_differences(shape):
    from glassnet.autograd.gradcheck import gradcheck

    rng = np.random.default_rng(1)
    xs = [glassnet.tensor(a, dtype=glassnet.float64, requires_grad=True)
          for a in (rng.normal(2.0, 3.0, size=shape), rng.normal(size=3), rng.normal(size=3))]
    assert gradcheck(lambda *t: SyncNormalize.apply(*t, eps=1e-5, running=None), xs)


def test_convert_sync_batchnorm_keeps_order_parameters_and_buffers():
    inner = nn.Sequential(nn.Linear(5, 4), nn.BatchNorm1d(4))
    model = nn.Sequential(nn.Conv2d(1, 3, 3), nn.BatchNorm2d(3), nn.ReLU(), nn.Flatten(), nn.Linear(12, 5),
                          inner)
    model[1].eval()
    params, buffers = [id(p) for p in model.parameters()], [id(t) for t in model.buffers()]
    x = glassnet.randn(4, 1, 4, 4)
    before = model(x).array
    converted = nn.SyncBatchNorm.convert_sync_batchnorm(model)
    assert converted is model
    assert [type(m).__name__ for m in model] == ["Conv2d", "SyncBatchNorm", "ReLU", "Flatten", "Linear",
                                                 "Sequential"]
    assert type(inner[1]) is nn.SyncBatchNorm and not model[1].training and inner[1].training
    assert [id(p) for p in model.parameters()] == params and [id(t) for t in model.buffers()] == buffers
    assert np.array_equal(model(x).array, before)  # on one process it is BatchNorm
    with pytest.raises(RuntimeError, match="LazyBatchNorm2d has no size yet"):
        nn.SyncBatchNorm.convert_sync_batchnorm(nn.LazyBatchNorm2d())


def test_merged_metrics_equal_the_metric_over_all_the_data():
    rng = np.random.default_rng(3)
    y, scores = rng.integers(0, 4, 40), rng.normal(size=(40, 4))
    y[:20] %= 2  # the first rank sees only classes 0 and 1: its confusion matrix is smaller
    values, weights = rng.normal(size=40), rng.random(40)
    makers = [metrics.Accuracy, lambda: metrics.Precision(average="macro"), lambda: metrics.F1Score("macro"),
              metrics.MeanAbsoluteError, metrics.AUC, metrics.Mean]

    def fed(make, part):
        m = make()
        if isinstance(m, metrics.AUC):
            m.update(y[part] > 1, scores[part, 0])
        elif isinstance(m, metrics.Mean):
            m.update(values[part], sample_weight=weights[part])
        elif isinstance(m, metrics.MeanAbsoluteError):
            m.update(values[part], scores[part, 1])
        else:
            m.update(y[part], scores[part])
        return m

    for make in makers:
        merged = merge_metrics([fed(make, slice(0, 20)), fed(make, slice(20, 33)), fed(make, slice(33, 40))])
        assert merged.result() == pytest.approx(fed(make, slice(None)).result(), rel=1e-12), make


def test_a_metric_glassnet_cannot_merge_is_refused_unless_it_says_how():
    class Largest(metrics.Metric):
        def reset(self):
            self.largest = -np.inf

        def update(self, y_true, y_pred):
            self.largest = max(self.largest, float(np.max(y_pred)))

        def result(self):
            return self.largest

    parts = [Largest(), Largest()]
    parts[0].update(None, [1.0, 3.0])
    parts[1].update(None, [5.0])
    with pytest.raises(TypeError, match="Largest: its state cannot be combined across ranks.*merge_state"):
        merge_metrics(parts)
    Largest.merge_state = lambda self, others: setattr(self, "largest", max([self.largest] +
                                                                            [o.largest for o in others]))
    assert merge_metrics(parts).result() == 5.0


def test_a_strategy_on_one_process_changes_nothing(monkeypatch):
    monkeypatch.setattr(strategy_module, "_installed", None)
    strategy = keras.distribute.MultiWorkerMirroredStrategy()
    assert strategy.num_replicas_in_sync == 1 and keras.distribute.get_strategy() is None
    with strategy.scope() as entered:
        assert entered is strategy
    with pytest.raises(ValueError, match="cluster_resolver and communication_options must be None"):
        keras.distribute.MultiWorkerMirroredStrategy(cluster_resolver="TF_CONFIG")


def test_only_rank_0_keeps_the_callbacks_that_write_files(monkeypatch, tmp_path):
    monkeypatch.setattr(strategy_module, "_installed", None)
    monkeypatch.setattr(comm, "_group", type("Rank1Of2", (), {"rank": 1, "size": 2, "local_rank": 1}))
    strategy = strategy_module.DataParallelStrategy()
    assert strategy_module.fit_strategy() is strategy and strategy.verbose(1) == 0
    given = [keras.callbacks.ModelCheckpoint(tmp_path / "m.safetensors"), keras.callbacks.EarlyStopping(),
             keras.callbacks.CSVLogger(tmp_path / "log.csv")]
    kept = strategy.callbacks_for_this_rank(given, train_loader=None)
    assert [type(cb).__name__ for cb in kept] == ["_DataParallelSteps", "EarlyStopping"]
    with pytest.raises(NotImplementedError, match="BackupAndRestore does not run under a distribution"):
        strategy.callbacks_for_this_rank([keras.callbacks.BackupAndRestore(tmp_path)], train_loader=None)


# ------------------------------------------------------------------ mpirun -np 2
def _mpirun(script, *args, timeout=120):
    """``(exit status, output, seconds)`` of ``mpirun -np 2 python tests/distributed/SCRIPT``; a job that
    has not ended after ``timeout`` seconds is killed (all of its processes) and fails the test."""
    openmpi = "Open MPI" in subprocess.run([MPIRUN, "--version"], capture_output=True, text=True).stdout
    # Open MPI refuses root and more ranks than cores unless told: CI runs as root, on 2 cores.
    flags = ["--oversubscribe"] if openmpi else []
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
               OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
               # Containers often forbid the cross-process memory reads of Open MPI 4's shared-memory copy.
               OMPI_MCA_btl_vader_single_copy_mechanism="none",
               OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")  # one core per rank
    command = [MPIRUN, "-np", "2", *flags, sys.executable, str(WORKERS / script), *map(str, args)]
    started = time.monotonic()
    job = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
                           start_new_session=True)
    try:
        output, _ = job.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(job.pid, signal.SIGKILL)
        pytest.fail(f"mpirun {script} hung: killed after {timeout}s:\n{job.communicate()[0][-4000:]}")
    return job.returncode, output, time.monotonic() - started


def _result(output):
    lines = [line for line in output.splitlines() if line.startswith("RESULT ")]
    assert len(lines) == 1, f"expected one RESULT line (from rank 0):\n{output[-4000:]}"
    return json.loads(lines[0][len("RESULT "):])


@pytest.fixture(scope="module")
def pytorch_job():
    status, output, _ = _mpirun("pytorch_idiom.py")
    assert status == 0, output[-4000:]
    return _result(output)


@needs_mpi
def test_collectives_over_two_ranks(pytorch_job):
    found, ranks = pytorch_job["collectives"], range(2)
    assert found["rank_size"] == [0, 2] and found["local_rank"] == 0
    assert found["sum"] == [sum(r + 1.0 for r in ranks), sum(10.0 * r for r in ranks)]
    assert found["avg"] == [v / 2 for v in found["sum"]]
    assert found["max"] == [2.0, 10.0]
    assert found["broadcast"] == [1.0] * 3  # rank 1's values, everywhere
    assert found["all_gather"] == [[r, r * r] for r in ranks]
    shards = found["sampler_shards"]  # 11 samples padded to 12, dealt to 2 ranks
    assert len(shards[0]) == len(shards[1]) == 6 and set(shards[0] + shards[1]) == set(range(11))


@needs_mpi
@pytest.mark.parametrize("case, tolerance", [("mlp64", 1e-10), ("conv64", 1e-10), ("mlp32", 1e-6),
                                             ("conv32", 1e-6)])
def test_two_ranks_train_as_one_process_on_the_doubled_batch(pytorch_job, case, tolerance):
    """3 SGD-momentum steps; the convnets use SyncBatchNorm (running statistics compared too)."""
    found = pytorch_job[case]
    assert found["vs_single"] <= tolerance, found
    assert found["between_ranks"] == 0.0, found  # identical on every rank after every step


@needs_mpi
def test_ddp_fuses_gradients_into_buckets_and_keeps_batch_norm_local_by_default(pytorch_job):
    assert pytorch_job["mlp64"]["buckets"] > 1  # a cap of 0.001 MB splits its 435 parameters
    assert pytorch_job["conv64"]["buckets"] == 1
    local = pytorch_job["conv64_local_bn"]  # plain BatchNorm: each rank's own statistics
    assert local["vs_single"] > 1e-4 and local["between_ranks"] == 0.0


@needs_mpi
def test_keras_fit_under_the_strategy_equals_one_process(tmp_path):
    single_dir, job_dir = tmp_path / "single", tmp_path / "job"
    single_dir.mkdir(), job_dir.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in comm._LAUNCHER_VARIABLES}
    env["PYTHONPATH"] = str(ROOT)
    done = subprocess.run([sys.executable, str(WORKERS / "keras_fit.py"), str(single_dir)],
                          capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr[-4000:]
    single = _result(done.stdout)
    status, output, _ = _mpirun("keras_fit.py", job_dir)
    assert status == 0, output[-4000:]
    job = _result(output)
    assert (single["size"], job["size"]) == (1, 2)
    for key, values in single["history"].items():
        np.testing.assert_allclose(job["history"][key], values, rtol=0, atol=1e-10, err_msg=key)
    for key, value in single["evaluate"].items():  # 11 samples: 6 on rank 0, 5 on rank 1
        assert job["evaluate"][key] == pytest.approx(value, abs=1e-10), key
    np.testing.assert_allclose(job["weights"], single["weights"], rtol=0, atol=1e-10)
    assert job["between_ranks"] == 0.0
    assert output.count("Epoch 1/3") == 1  # rank 0 alone prints progress
    written = sorted(p.name for p in job_dir.iterdir())
    assert written and all("rank0" in name for name in written), written  # and writes files
    assert "batch_size=9 is the global batch" in job["refused"] and "multiple of 2" in job["refused"]


@needs_mpi
def test_a_failing_rank_ends_the_whole_job_with_a_message():
    status, output, seconds = _mpirun("abort.py", timeout=60)
    assert status != 0
    assert "ValueError: rank 1 fails on purpose" in output
    assert "rank 1 of 2 stopped on an uncaught ValueError; aborting the whole job" in output
    assert "rank 0 went on" not in output and seconds < 60
