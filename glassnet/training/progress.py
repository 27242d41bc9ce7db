"""What ``fit`` prints: a live bar in a terminal, one line per epoch elsewhere.

Keras' ``verbose``: ``'auto'`` or 1 shows a bar (tqdm) when standard output
is a terminal and falls back to one line per epoch when it is not (a CI log,
a file, a captured stream); 2 always prints one line per epoch; 0 prints
nothing. The bar is redrawn at most ten times a second, so its cost per batch
is one clock reading.
"""

import sys
import time

from .callback import Callback

_REFRESH_SECONDS = 0.1


def resolve_verbose(verbose, caller):
    if verbose == "auto":
        return 1
    if isinstance(verbose, bool) or verbose not in (0, 1, 2):
        raise ValueError(f"{caller}: verbose must be 'auto', 0, 1 or 2, got {verbose!r}")
    return int(verbose)


def format_logs(logs):
    return " - ".join(f"{key}: {value:.4f}" for key, value in (logs or {}).items())


class ProgressBar(Callback):
    """Shows training progress on standard output; ``verbose`` as in ``fit``."""

    def __init__(self, verbose=1):
        super().__init__()
        self.verbose = verbose
        self.bar = None

    def on_train_begin(self, logs=None):
        stream = sys.stdout
        self.stream = stream
        terminal = hasattr(stream, "isatty") and stream.isatty()
        # Jupyter's stdout is no terminal, but tqdm.auto draws a notebook bar there.
        notebook = type(stream).__module__.startswith("ipykernel")
        self.live = self.verbose == 1 and (terminal or notebook)

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch, self.started, self.last_draw = epoch, time.monotonic(), 0.0
        if self.live:
            from tqdm.auto import tqdm

            self.bar = tqdm(total=self.params.get("steps"), desc=f"Epoch {epoch + 1}/{self.params['epochs']}",
                            unit="batch", file=self.stream, leave=True, dynamic_ncols=True,
                            mininterval=_REFRESH_SECONDS)

    def on_train_batch_end(self, batch, logs=None):
        if self.bar is None:
            return
        now = time.monotonic()
        if now - self.last_draw >= _REFRESH_SECONDS:
            self.last_draw = now
            self.bar.set_postfix_str(format_logs(logs), refresh=False)
            self.bar.update(batch + 1 - self.bar.n)

    def on_epoch_end(self, epoch, logs=None):
        seconds = time.monotonic() - self.started
        if self.bar is not None:
            self.bar.set_postfix_str(format_logs(logs), refresh=False)
            self.bar.update(self.bar.total - self.bar.n if self.bar.total else 0)
            self.bar.close()
            self.bar = None
            return
        head = f"Epoch {epoch + 1}/{self.params['epochs']} - {self.params.get('steps')} steps"
        print(f"{head} - {seconds:.1f}s - {format_logs(logs)}", file=self.stream, flush=True)

    def on_train_end(self, logs=None):
        if self.bar is not None:  # interrupted mid-epoch
            self.bar.close()
            self.bar = None
