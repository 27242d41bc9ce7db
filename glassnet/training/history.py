"""``History``: what ``fit`` returns, one list per logged quantity, one entry per epoch."""

from .callback import Callback

# Keras 2.0 logged metrics=['accuracy'] as 'acc' and 'mae' as 'mean_absolute_error'; the first
# edition's notebooks read them so. Each pair names one curve.
_SAME_CURVE = [("acc", "accuracy"), ("mae", "mean_absolute_error"), ("mse", "mean_squared_error")]
_OTHER_NAME = {}
for _a, _b in _SAME_CURVE:
    for _prefix in ("", "val_"):
        _OTHER_NAME[_prefix + _a], _OTHER_NAME[_prefix + _b] = _prefix + _b, _prefix + _a


class Curves(dict):
    """``{quantity: [value per epoch]}``; ``['acc']`` also finds ``'accuracy'``, ``['mean_absolute_error']``
    finds ``'mae'`` (and the reverse), while the keys stay as the metrics were written."""

    def __missing__(self, key):
        other = _OTHER_NAME.get(key)
        if other is not None and dict.__contains__(self, other):
            return self[other]
        raise KeyError(key)


class History(Callback):
    """``history.history['loss'][i]`` is the mean training loss of epoch ``history.epoch[i]``.

    Keys follow Keras: ``'loss'``, one per metric (``'accuracy'``, ``'mae'``...), and the same
    with ``'val_'`` in front when there is validation data. ``history['acc']`` finds the curve
    logged as ``'accuracy'`` (and the reverse; also mae / mean_absolute_error), as code written for
    Keras 2.0 expects.
    """

    def __init__(self):
        super().__init__()
        self.history = Curves()
        self.epoch = []

    def on_train_begin(self, logs=None):
        # Calling fit again on the same model continues the curves, as in Keras.
        self.epoch = list(self.epoch)

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)

    def plot(self, path=None, metrics=None):
        """Learning curves: one panel per quantity, training and validation together.

        ``metrics`` picks which (default: all, loss first). With ``path`` the
        figure is written there (PNG by the extension) and nothing is shown;
        without it a window opens. Returns the matplotlib Figure.
        """
        names = [k for k in self.history if not k.startswith("val_")]
        names += [k[4:] for k in self.history if k.startswith("val_") and k[4:] not in names]
        if metrics is not None:
            wanted = [metrics] if isinstance(metrics, str) else list(metrics)
            unknown = [m for m in wanted if m not in names]
            if unknown:
                raise ValueError(f"History.plot: no curve named {unknown}; recorded: {names}")
            names = wanted
        if not names:
            raise ValueError("History.plot: nothing recorded yet; call fit() first")
        if path is None:
            import matplotlib.pyplot as plt

            fig = plt.figure(figsize=(5 * len(names), 3.6))
        else:
            # A bare Figure needs no GUI: saving works on a headless machine too.
            from matplotlib.figure import Figure

            fig = Figure(figsize=(5 * len(names), 3.6))
        epochs = [e + 1 for e in self.epoch]
        for i, name in enumerate(names):
            ax = fig.add_subplot(1, len(names), i + 1)
            for key, style, label in ((name, "o-", "training"), ("val_" + name, "s--", "validation")):
                if key in self.history:
                    ax.plot(epochs[-len(self.history[key]):], self.history[key], style, label=label, ms=3)
            ax.set_xlabel("epoch")
            ax.set_title(name)
            ax.grid(alpha=0.3)
            ax.legend()
        fig.tight_layout()
        if path is None:
            plt.show()
        else:
            fig.savefig(path)
        return fig

    def __repr__(self):
        return f"History(epochs={len(self.epoch)}, keys={list(self.history)})"
