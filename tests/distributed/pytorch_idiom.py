"""Worker for ``mpirun -np 2``: the collectives, and PyTorch's idiom (DistributedDataParallel,
DistributedOptimizer, SyncBatchNorm) against one process training on the whole batch.

Every rank starts from different random weights (seeded by its rank), so the
copy of rank 0's weights is tested too. The single-process reference runs
inside each rank, on the union of the ranks' batches, from rank 0's weights.
Rank 0 prints the measured differences; tests/test_distributed.py judges them.
"""

import numpy as np
from _common import batches, convnet, flat_parameters, mlp, report

import glassnet
from glassnet import distributed as dist
from glassnet import nn, optim

rank, size = dist.init()


def collectives():
    t = glassnet.tensor([rank + 1.0, 10.0 * rank], dtype=glassnet.float64)
    found = {"sum": dist.all_reduce(t.clone()).array.tolist(),
             "avg": dist.all_reduce(t.clone(), op="avg").array.tolist(),
             "max": dist.all_reduce(t.clone(), op=dist.ReduceOp.MAX).array.tolist(),
             "broadcast": dist.broadcast(glassnet.tensor([float(rank)] * 3), src=1).array.tolist()}
    gathered = [glassnet.zeros(2, dtype=glassnet.int64) for _ in range(size)]
    dist.all_gather(gathered, glassnet.tensor([rank, rank * rank]))
    found["all_gather"] = [g.array.tolist() for g in gathered]
    shard = np.array(dist.DistributedSampler(list(range(11)), shuffle=True, seed=3).indices())
    everyone = dist.comm.gather_arrays(shard)
    found["sampler_shards"] = everyone.tolist()
    dist.barrier()
    found.update(rank_size=[rank, size], local_rank=dist.local_rank())
    return found


def state(model):
    """Parameters and (float) buffers, flattened."""
    buffers = [b.array.ravel().astype(np.float64) for b in model.buffers()]
    return np.concatenate([flat_parameters(model)] + buffers)


def train(make, shape, dtype, idiom, sync_bn, steps=3, per_rank=4, bucket_cap_mb=25):
    """Max differences against one process, and between the ranks, over ``steps`` SGD steps."""
    xs, ys = batches(shape, steps, per_rank * size, dtype)
    glassnet.manual_seed(0)
    reference = make(dtype)
    glassnet.manual_seed(100 * rank)  # each rank its own weights (rank 0's are the reference's)
    net = make(dtype)
    if sync_bn:
        net = nn.SyncBatchNorm.convert_sync_batchnorm(net)
    model = dist.DistributedDataParallel(net, bucket_cap_mb=bucket_cap_mb)
    ref_opt = optim.SGD(reference.parameters(), lr=0.1, momentum=0.9)
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    if idiom == "optimizer":
        opt = dist.DistributedOptimizer(opt, bucket_cap_mb=bucket_cap_mb)
    loss_fn = nn.CrossEntropyLoss()
    vs_single, between_ranks = 0.0, 0.0
    mine = slice(rank * per_rank, (rank + 1) * per_rank)
    for x, y in zip(xs, ys):
        ref_opt.zero_grad()
        loss_fn(reference(glassnet.from_numpy(x)), glassnet.from_numpy(y)).backward()
        ref_opt.step()
        opt.zero_grad()
        loss_fn(model(glassnet.from_numpy(x[mine])), glassnet.from_numpy(y[mine])).backward()
        if idiom == "sync":
            model.sync_gradients()
        opt.step()
        vs_single = max(vs_single, float(np.abs(state(net) - state(reference)).max()))
        # Parameters only: with local BatchNorm the running statistics differ until the next forward.
        every_rank = dist.comm.gather_arrays(flat_parameters(net))
        between_ranks = max(between_ranks, float(np.abs(every_rank - every_rank[0]).max()))
    vs_single = float(dist.comm.gather_arrays(np.array(vs_single)).max())
    return {"vs_single": vs_single, "between_ranks": between_ranks,
            "buckets": len(model.averager.buckets), "scale": float(np.abs(state(reference)).max())}


image = (2, 8, 8)
report({
    "collectives": collectives(),
    "mlp64": train(mlp, (6,), np.float64, "sync", False, bucket_cap_mb=0.001),
    "conv64": train(convnet, image, np.float64, "optimizer", True),
    "mlp32": train(mlp, (6,), np.float32, "optimizer", False),
    "conv32": train(convnet, image, np.float32, "sync", True),
    "conv64_local_bn": train(convnet, image, np.float64, "sync", False),
})
