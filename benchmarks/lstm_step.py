"""One training step of a text classifier: Embedding 10000x64 -> LSTM(64) -> Linear(64, 1).

The logit is read from the LSTM's last output; BCEWithLogits loss, Adam.
Sequences of 200 token ids, batch 64, float32, glassnet vs PyTorch eager,
interleaved in separate processes.  The gradient that reaches early time
steps is tiny, and PyTorch spends much of its step on subnormal numbers;
glassnet flushes them (see ``ops/recurrent.py``), so ``pytorch-ftz`` (PyTorch
with ``set_flush_denormal(True)``) is reported too.  ``glassnet`` uses the
compiled LSTM step when numba is installed; ``glassnet-numpy`` is the NumPy
kernel that runs without it.  Run from the repository root:

    python benchmarks/lstm_step.py [--threads 2] [--rounds 10] [--reps 3]
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

# NumPy is imported inside the functions: the spawned workers re-import this
# file before the harness sets OPENBLAS_NUM_THREADS, and a module-level import
# would fix OpenBLAS at all cores (on 2 busy cores that made glassnet 5x slower).
from harness import compare, report  # noqa: E402

VOCAB, DIM, HIDDEN, SEQ, BATCH = 10_000, 64, 64, 200, 64


def _data():
    import numpy as np

    rng = np.random.default_rng(0)
    tokens = rng.integers(0, VOCAB, (BATCH, SEQ))
    labels = rng.integers(0, 2, BATCH).astype(np.float32)
    return tokens, labels


def glassnet_step(threads):
    import glassnet
    from glassnet import nn, optim

    glassnet.manual_seed(0)
    embedding = nn.Embedding(VOCAB, DIM)
    lstm, head = nn.LSTM(DIM, HIDDEN, batch_first=True), nn.Linear(HIDDEN, 1)
    params = list(embedding.parameters()) + list(lstm.parameters()) + list(head.parameters())
    opt = optim.Adam(params, lr=1e-3)
    loss_fn = nn.BCEWithLogitsLoss()
    tokens, labels = _data()
    tokens, labels = glassnet.tensor(tokens), glassnet.tensor(labels)

    def step():
        opt.zero_grad()
        out, _ = lstm(embedding(tokens))
        loss = loss_fn(head(out[:, -1]).squeeze(1), labels)
        loss.backward()
        opt.step()

    return step


def glassnet_numpy_step(threads):
    """glassnet with its NumPy kernels only, as without the optional numba."""
    os.environ["GLASSNET_NUMBA"] = "0"
    return glassnet_step(threads)


def torch_step(threads, flush_denormal=False):
    import torch

    torch.set_num_threads(threads)
    torch.set_flush_denormal(flush_denormal)
    torch.manual_seed(0)
    embedding = torch.nn.Embedding(VOCAB, DIM)
    lstm, head = torch.nn.LSTM(DIM, HIDDEN, batch_first=True), torch.nn.Linear(HIDDEN, 1)
    params = list(embedding.parameters()) + list(lstm.parameters()) + list(head.parameters())
    opt = torch.optim.Adam(params, lr=1e-3)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    tokens, labels = _data()
    tokens, labels = torch.from_numpy(tokens), torch.from_numpy(labels)

    def step():
        opt.zero_grad()
        out, _ = lstm(embedding(tokens))
        loss = loss_fn(head(out[:, -1]).squeeze(1), labels)
        loss.backward()
        opt.step()

    return step


def torch_ftz_step(threads):
    """PyTorch with subnormal numbers flushed to zero, as glassnet's LSTM backward does."""
    return torch_step(threads, flush_denormal=True)


FACTORIES = {"glassnet": glassnet_step, "glassnet-numpy": glassnet_numpy_step, "pytorch": torch_step,
             "pytorch-ftz": torch_ftz_step}


def make(name, threads):
    return FACTORIES[name](threads)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--only", nargs="*", default=list(FACTORIES))
    args = parser.parse_args()
    samples = compare("lstm_step:make", args.only, args.rounds, args.reps, warmup=2, threads=args.threads)
    report(
        f"Embedding {VOCAB}x{DIM} -> LSTM({HIDDEN}) -> Linear training step, seq {SEQ}, batch {BATCH}, "
        f"Adam, float32, {args.threads} threads",
        samples, baseline="pytorch" if "pytorch" in samples else args.only[0],
    )


if __name__ == "__main__":
    main()
