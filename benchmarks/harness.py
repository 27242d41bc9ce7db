"""Interleaved side-by-side timing in separate worker processes.

Each implementation runs in its own process (so NumPy's OpenBLAS threads and
PyTorch's thread pool never compete inside one process), built once, then
the parent asks the workers in turn (A B C A B C ...) for a round of timed
repetitions.  Interleaving spreads the machine's slow drifts over all
contenders alike; medians and ratios are what we report.

A name ``glassnet...@DIR`` runs the ``glassnet...`` workload on the package found
in the checkout ``DIR`` (another branch or an older commit), for A/B timing
of a change in the same run (``--baseline DIR`` in the scripts).
"""

import multiprocessing as mp
import os
import statistics
import sys
import time


def _worker(conn, factory_path, name, threads):
    module_name, func_name = factory_path.split(":")
    import importlib

    workload, _, checkout = name.partition("@")
    if checkout:  # glassnet@DIR: that checkout's package before any other
        sys.path.insert(0, os.path.abspath(checkout))
    try:
        factory = getattr(importlib.import_module(module_name), func_name)
        step = factory(workload, threads)
    except Exception as error:  # the parent says what went wrong, then stops
        conn.send(f"{name}: {type(error).__name__}: {error}")
        return
    conn.send("ready")
    while True:
        msg = conn.recv()
        if msg is None:
            break
        reps = msg
        times = []
        for _ in range(reps):
            t0 = time.perf_counter()
            step()
            times.append(time.perf_counter() - t0)
        conn.send(times)


def compare(factory_path, names, rounds=30, reps=10, warmup=5, threads=2, gap=0.3, workers=1):
    """Time ``factory(name, threads)()`` for each name; return {name: [seconds...]}.

    ``factory_path`` is ``"module:function"``; the function builds the
    workload for one implementation and returns a zero-argument step.
    ``gap`` seconds of idleness separate two blocks, so that no block runs
    while another process's thread pool is still spinning.  ``workers``
    processes per implementation take the rounds in turn: on this machine
    one process can run the same code 20-30 % slower than another for its
    whole life (where its memory landed), and several per contender
    average that out instead of letting one draw decide a ratio.
    """
    ctx = mp.get_context("spawn")
    # Thread counts must be in the environment before a worker imports NumPy,
    # which a benchmark script may do at the top: spawned children inherit it.
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(threads)
    pool = {name: [] for name in names}
    for _ in range(workers):
        for name in names:
            parent, child = ctx.Pipe()
            proc = ctx.Process(target=_worker, args=(child, factory_path, name, threads), daemon=True)
            proc.start()
            pool[name].append((proc, parent))
    everyone = [w for ws in pool.values() for w in ws]
    for _, conn in everyone:
        status = conn.recv()
        if status != "ready":
            for other, _ in everyone:
                other.terminate()
            raise SystemExit(f"a benchmark worker could not start: {status}")
    samples = {name: [] for name in names}
    for _, conn in everyone:
        conn.send(warmup)
        conn.recv()
    order = list(names)
    for round_ in range(rounds):
        for name in order:
            # Let the previous worker's BLAS/OpenMP threads stop spinning (they
            # busy-wait for a while after each call) before the next one runs.
            time.sleep(gap)
            conn = pool[name][round_ % workers][1]
            conn.send(reps)
            samples[name].extend(conn.recv())
        # Rotate who goes first, so no contender always follows the same one.
        order = order[1:] + order[:1]
    for proc, conn in everyone:
        conn.send(None)
        proc.join(timeout=10)
    return samples


def report(title, samples, baseline, unit_scale=1e3, unit="ms"):
    """Print medians and ratios against ``baseline``; return the rows."""
    base = statistics.median(samples[baseline])
    print(f"\n{title}")
    print(f"| implementation | median {unit} | ratio to {baseline} |")
    print("|---|---|---|")
    rows = {}
    for name, times in samples.items():
        med = statistics.median(times)
        rows[name] = (med, med / base)
        print(f"| {name} | {med * unit_scale:.3f} | {med / base:.2f} |")
    return rows


def with_baseline(names, checkout, prefixes=("glassnet",)):
    """``names`` plus, for each name starting with one of ``prefixes``, ``name@checkout`` when a
    baseline checkout is given."""
    if not checkout:
        return list(names)
    if not os.path.isdir(os.path.join(checkout, "glassnet")):
        raise SystemExit(f"--baseline {checkout}: no glassnet/ package in that folder")
    return list(names) + [f"{n}@{checkout}" for n in names if n.startswith(prefixes)]
