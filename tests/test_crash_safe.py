"""Files survive crashes: a process killed while it writes a checkpoint leaves the previous one intact,
and a damaged, truncated or foreign file is refused with a clear error before anything is loaded."""

import os
import random
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

import glassnet
from glassnet import nn

WRITER = """
import sys, numpy as np, glassnet
path, ready = sys.argv[1], sys.argv[2]
step = 0
while True:
    step += 1
    # every array holds the step number: a checkpoint that loads must be one whole step
    glassnet.save({"step": step, "w": glassnet.tensor(np.full((512, 1024), step, np.float32)),
                   "b": glassnet.tensor(np.full(1024, step, np.float32))}, path)
    if step == 1:
        open(ready, "w").close()
"""


def _whole(state):
    step = state["step"]
    return step >= 1 and (state["w"].array == step).all() and (state["b"].array == step).all()


def test_sigkill_while_writing_never_leaves_a_checkpoint_that_loads_as_something_else(tmp_path):
    """30 writer processes, each killed at a random moment of its save loop (2 MB per save)."""
    rng = random.Random(0)
    path, steps = tmp_path / "checkpoint.safetensors", []
    deadline = time.monotonic() + 120
    for trial in range(30):
        ready = tmp_path / f"ready{trial}"
        writer = subprocess.Popen([sys.executable, "-c", WRITER, str(path), str(ready)])
        while not ready.exists():
            assert writer.poll() is None and time.monotonic() < deadline, "the writer did not start saving"
            time.sleep(0.01)
        time.sleep(rng.uniform(0, 0.05))
        os.kill(writer.pid, signal.SIGKILL)
        writer.wait(timeout=30)
        state = glassnet.load(path)  # the file at the path is always a whole checkpoint
        assert _whole(state), f"trial {trial}: a checkpoint mixing steps loaded"
        steps.append(state["step"])
    assert len(set(steps)) > 1  # the kills did land at different moments
    # what a kill can leave behind is a dot-file beside it, never something at the checkpoint's name
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.startswith(".checkpoint")]
    assert all(name.endswith(".tmp") for name in leftovers)
    # and the next save that completes removes them: their writers are dead
    glassnet.save({"step": 0}, path)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".checkpoint")] == []


@pytest.fixture
def saved(tmp_path):
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    path = tmp_path / "model.safetensors"
    glassnet.save(model.state_dict(), path)
    return model, path


def test_a_flipped_bit_anywhere_in_the_data_is_caught(saved):
    _, path = saved
    content = bytearray(path.read_bytes())
    header = 8 + int.from_bytes(content[:8], "little")
    for offset in random.Random(1).sample(range(header, len(content)), 20):
        damaged = bytearray(content)
        damaged[offset] ^= 1 << random.Random(offset).randrange(8)
        path.write_bytes(damaged)
        with pytest.raises(ValueError, match="damaged.*checksum.*nothing was loaded"):
            glassnet.load(path)


def test_a_truncated_file_is_refused(saved):
    _, path = saved
    content = path.read_bytes()
    for length in (0, 7, 40, len(content) // 2, len(content) - 1):
        path.write_bytes(content[:length])
        with pytest.raises(ValueError, match="not a readable safetensors file"):
            glassnet.load(path)


def test_a_state_dict_of_another_model_names_the_key_and_changes_nothing(saved):
    model, path = saved
    other = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
    before = [p.array.copy() for p in other.parameters()]
    with pytest.raises(RuntimeError, match=r"2\.weight.*\(3, 8\).*\(2, 8\)"):
        other.load_state_dict(glassnet.load(path))
    state = glassnet.load(path)
    del state["2.bias"]
    state["extra"] = glassnet.zeros(1)
    with pytest.raises(RuntimeError, match=r"2\.bias|extra"):
        model.load_state_dict(state)
    # Another dtype is converted into the parameter's, as PyTorch's load_state_dict does.
    state = glassnet.load(path)
    state["0.weight"] = state["0.weight"].double()
    model.load_state_dict(state)
    assert model[0].weight.dtype == glassnet.float32
    for a, p in zip(before, other.parameters()):
        np.testing.assert_array_equal(a, p.array)
