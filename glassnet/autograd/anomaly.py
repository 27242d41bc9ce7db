"""``detect_anomaly()``: stop a backward at the first op whose gradient is NaN or infinite.

A NaN in a weight after a step starts somewhere: one op's backward (a
``sqrt`` at 0, a ``log`` of 0, a division by a tiny number) makes it, and
every op before it in the backward walk only passes it on. Inside
``with detect_anomaly():`` each op records where it was created, and the
engine checks each backward's gradients: the first non-finite one raises a
RuntimeError naming the op and the line of the forward pass that made it,
as ``torch.autograd.detect_anomaly`` does. It slows every op down, so it is
off by default.
"""

import traceback

import numpy as np


class _Anomaly:
    enabled = False


def is_anomaly_enabled():
    return _Anomaly.enabled


class set_detect_anomaly:
    """Context manager: anomaly detection on (``mode=True``) or off inside it."""

    def __init__(self, mode):
        self.prev = _Anomaly.enabled
        _Anomaly.enabled = bool(mode)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        _Anomaly.enabled = self.prev
        return False


class detect_anomaly(set_detect_anomaly):  # noqa: N801 - PyTorch's name
    """``with detect_anomaly(): loss.backward()`` (the forward must run inside it too, to be traced)."""

    def __init__(self):
        super().__init__(True)


def where_created():
    """The user's lines that called the op (the innermost frames of glassnet itself left out)."""
    frames = [f for f in traceback.extract_stack()[:-2] if "/glassnet/" not in f.filename.replace("\\", "/")]
    return "".join(traceback.format_list(frames[-4:]))


def check_gradients(fn, grads):
    """Raise if an input gradient of ``fn`` holds NaN or inf."""
    for i, grad in enumerate(grads):
        if grad is None:
            continue
        data = grad.array
        if data.dtype.kind == "f" and not np.isfinite(data).all():
            kind = "NaN" if np.isnan(data).any() else "inf"
            made = getattr(fn, "created_at", None)
            origin = (f"; the op was made at:\n{made}" if made else
                      " (run the forward inside detect_anomaly() too, to see where it was made)")
            raise RuntimeError(f"detect_anomaly: {fn.name}.backward returned {kind} in the gradient of its "
                               f"input {i} (shape {tuple(data.shape)}){origin}")
