"""K-fold cross-validation, as the Keras book does it for Boston housing.

With few samples (404 houses) a single validation split is noisy: which
houses land in it changes the score more than the model does. K-fold
validation trains ``k`` fresh models, each on ``k - 1`` folds, validates each
on the fold it did not see, and averages the ``k`` scores::

    def build_model():
        model = nn.Sequential(nn.LazyLinear(64), nn.ReLU(), nn.LazyLinear(64), nn.ReLU(), nn.LazyLinear(1))
        model(glassnet.zeros(1, 13))
        model.compile(optimizer="rmsprop", loss="mse", metrics=["mae"])
        return model

    result = cross_validate(build_model, x_train, y_train, k=4, epochs=100, batch_size=16,
                            scaler="standard")
    result.mean["val_mae"], result.std["val_mae"]
    result.mean_history("val_mae")      # the book's averaged per-epoch curve

``scaler='standard'`` fits a ``StandardScaler`` on each fold's *training*
part only and applies it to that fold's validation part. The book
standardises with statistics of the whole training set before splitting,
which lets every validation fold take a small peek at itself; fitting inside
the fold is the correct practice, and is what the model will face on new data.
"""

import copy

import numpy as np

from ..data.preprocessing import MinMaxScaler, StandardScaler
from ..data.split import kfold_indices
from ..nn.module import Module
from ..tensor import Tensor
from .trainer import trainer_of

_SCALERS = {"standard": StandardScaler, "minmax": MinMaxScaler}


class CrossValidation:
    """What ``cross_validate`` found, fold by fold and on average.

    * ``histories``: the ``History`` of each fold's ``fit``;
    * ``scores``: per fold, the final validation values (``{'val_loss': ..., 'val_mae': ...}``);
    * ``mean`` / ``std``: per metric, over the folds (``std`` with ``ddof=0``, as NumPy's default);
    * ``folds``: the ``(train_idx, val_idx)`` of each fold;
    * ``scalers``: each fold's fitted scaler (``None`` entries without ``scaler=``);
    * ``models``: each fold's trained model.
    """

    def __init__(self, histories, scores, folds, scalers, models):
        self.histories, self.scores, self.folds = histories, scores, folds
        self.scalers, self.models = scalers, models
        names = list(scores[0])
        self.mean = {n: float(np.mean([s[n] for s in scores])) for n in names}
        self.std = {n: float(np.std([s[n] for s in scores])) for n in names}

    @property
    def k(self):
        return len(self.folds)

    def mean_history(self, key):
        """Per epoch, the mean of ``history[key]`` over the folds (over the epochs every fold ran)."""
        curves = [h.history.get(key) for h in self.histories]
        if any(c is None for c in curves):
            known = sorted(self.histories[0].history)
            raise KeyError(f"CrossValidation.mean_history: no curve {key!r}; recorded: {known}")
        epochs = min(len(c) for c in curves)
        return [float(np.mean([c[i] for c in curves])) for i in range(epochs)]

    def __repr__(self):
        parts = ", ".join(f"{n}={self.mean[n]:.4g}±{self.std[n]:.2g}" for n in self.mean)
        return f"CrossValidation(k={self.k}, {parts})"


def _as_array(data, what):
    array = data.array if isinstance(data, Tensor) else np.asarray(data)
    if array.ndim == 0:
        raise ValueError(f"cross_validate: {what} must have a first (sample) dimension, got a scalar")
    return array


def _new_scaler(scaler):
    """A fresh, unfitted scaler for one fold, from a name, a class or an unfitted instance."""
    if scaler is None:
        return None
    if isinstance(scaler, str):
        if scaler not in _SCALERS:
            raise ValueError(
                f"cross_validate: unknown scaler {scaler!r}; expected one of {sorted(_SCALERS)}, "
                "a scaler class or an unfitted scaler object, or None"
            )
        return _SCALERS[scaler]()
    if isinstance(scaler, type):
        return scaler()
    if hasattr(scaler, "fit") and hasattr(scaler, "transform"):
        return copy.deepcopy(scaler)
    raise TypeError(
        f"cross_validate: scaler must be 'standard', 'minmax', a scaler class or object with fit/transform, "
        f"or None; got {type(scaler).__name__}"
    )


def _build(build_model, fold):
    model = build_model()
    if not isinstance(model, Module):
        raise TypeError(f"cross_validate: build_model() must return an nn.Module, got {type(model).__name__}")
    try:
        trainer_of(model, "cross_validate")
    except RuntimeError:
        raise RuntimeError(
            f"cross_validate: build_model() returned a {type(model).__name__} that is not compiled (fold "
            f"{fold + 1}); call model.compile(optimizer=..., loss=..., metrics=[...]) inside build_model"
        ) from None
    return model


def cross_validate(build_model, x, y, k=4, epochs=1, batch_size=32, verbose=0, shuffle=False, seed=None,
                   scaler=None, **fit_kwargs):
    """Train ``k`` fresh models from ``build_model()`` on k-fold splits of ``x``/``y``.

    ``build_model`` takes no arguments and returns a compiled model.
    ``shuffle``/``seed`` decide the folds (contiguous blocks by default, like
    the book); the models' own initialisation follows glassnet's global
    seed. Other keyword arguments (``callbacks=...``) go to ``fit``.
    ``verbose`` is passed to ``fit``; with ``verbose > 0`` a line per fold is
    printed too. Returns a ``CrossValidation``.
    """
    if not callable(build_model):
        raise TypeError(f"cross_validate: build_model must be a function returning a compiled model, "
                        f"got {type(build_model).__name__}")
    clash = sorted({"validation_data", "validation_split", "x", "y"} & set(fit_kwargs))
    if clash:
        raise ValueError(f"cross_validate: {clash} cannot be given; each fold validates on its held-out part")
    xa, ya = _as_array(x, "x"), _as_array(y, "y")
    if len(xa) != len(ya):
        raise ValueError(
            f"cross_validate: x and y must have the same number of samples; got x of shape {xa.shape} "
            f"and y of shape {ya.shape}"
        )
    folds = list(kfold_indices(len(xa), k, shuffle=shuffle, seed=seed))
    histories, scores, scalers, models = [], [], [], []
    for i, (train_idx, val_idx) in enumerate(folds):
        x_train, x_val = xa[train_idx], xa[val_idx]
        fold_scaler = _new_scaler(scaler)
        if fold_scaler is not None:
            # Statistics from this fold's training part only: the held-out part stays unseen.
            x_train = fold_scaler.fit_transform(x_train)
            x_val = fold_scaler.transform(x_val)
        model = _build(build_model, i)
        history = model.fit(x_train, ya[train_idx], batch_size=batch_size, epochs=epochs, verbose=verbose,
                            validation_data=(x_val, ya[val_idx]), **fit_kwargs)
        final = {key: values[-1] for key, values in history.history.items() if key.startswith("val_")}
        if not final:
            raise RuntimeError(
                f"cross_validate: fold {i + 1} recorded no validation values; epochs={epochs} must be >= 1")
        if verbose:
            print(f"fold {i + 1}/{k}: " + " - ".join(f"{n}: {v:.4f}" for n, v in final.items()), flush=True)
        histories.append(history)
        scores.append(final)
        scalers.append(fold_scaler)
        models.append(model)
    return CrossValidation(histories, scores, folds, scalers, models)
