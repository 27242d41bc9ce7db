"""``glassnet train`` and ``glassnet evaluate``: a classifier on an image dataset, end to end."""

import math
import time
from pathlib import Path

import numpy as np

from .. import io, manual_seed, metrics
from ..data.datasets import DatasetNotFoundError
from ..training.callbacks import CSVLogger
from . import data, models, report
from .augment import ShiftedImages
from .errors import CLIError

LOSS = "sparse_categorical_crossentropy"


def load_split(name, limit):
    try:
        return data.load(name, limit)
    except DatasetNotFoundError:
        raise CLIError(data.missing_message(name)) from None


def _set_lr(model, lr):
    for group in model.optimizer.param_groups:
        group["lr"] = lr


def training_data(split, validation_split, augment):
    """What ``fit`` trains on, and the held-out ``(x, y)`` (Keras: the last fraction) or None.

    The split is made here rather than by ``fit`` so that validation images are never shifted.
    """
    validation = None
    if validation_split:
        n_train = math.ceil(len(split.x_train) * (1 - validation_split))
        if not 0 < n_train < len(split.x_train):
            raise CLIError(f"--validation-split {validation_split} of {len(split.x_train)} images leaves "
                           "no images for training or none for validation", code=2)
        validation = (split.x_train[n_train:], split.y_train[n_train:])
        split.x_train, split.y_train = split.x_train[:n_train], split.y_train[:n_train]
    if augment == "shift":
        return ShiftedImages(split.x_train, split.y_train), validation
    return split.x_train, validation


def train(args):
    split = load_split(args.dataset, args.limit)
    manual_seed(args.seed)
    config = models.default_config(args.model, split.x_train.shape[1:], len(split.classes))
    model = models.build(args.model, config)
    model.compile(optimizer=args.optimizer, loss=LOSS, metrics=["accuracy"])
    if args.lr is not None:
        _set_lr(model, args.lr)
    lr = model.optimizer.param_groups[0]["lr"]
    training, validation = training_data(split, args.validation_split, args.augment)
    held_out = f" ({len(validation[0]):,} held out to validate)" if validation is not None else ""
    n_params = sum(p.numel() for p in model.parameters())
    print(f"{args.model} ({n_params:,} parameters) on {args.dataset}: {len(split.x_train):,} training"
          f"{held_out} and {len(split.x_test):,} test images; epochs {args.epochs}, batch {args.batch_size}, "
          f"{args.optimizer} lr {lr:g}, augment {args.augment}, seed {args.seed}", flush=True)

    out = Path(args.out) if args.out else None
    callbacks = []
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        callbacks.append(CSVLogger(out / report.HISTORY))
    started = time.perf_counter()
    history = model.fit(training, None if isinstance(training, ShiftedImages) else split.y_train,
                        batch_size=args.batch_size, epochs=args.epochs, verbose=args.verbose,
                        callbacks=callbacks, validation_data=validation)
    seconds = time.perf_counter() - started
    test_loss, test_accuracy = model.evaluate(split.x_test, split.y_test, batch_size=1000, verbose=0)

    if out is not None:
        record = {
            "test_accuracy": test_accuracy, "test_loss": test_loss, "train_seconds": round(seconds, 3),
            "model": args.model, "dataset": args.dataset, "epochs": args.epochs,
            "epochs_run": len(history.epoch), "batch_size": args.batch_size, "optimizer": args.optimizer,
            "lr": lr, "seed": args.seed, "augment": args.augment, "limit": args.limit,
            "validation_split": args.validation_split,
            "train_samples": len(split.x_train), "test_samples": len(split.x_test),
            "preprocessing": "pixels / 255 as float32", "model_config": config,
            "history": {k: [float(v) for v in vs] for k, vs in history.history.items()},
        }
        save_outputs(out, model, history, split, record)
    print(f"test accuracy {test_accuracy:.4f} - test loss {test_loss:.4f} - trained in {seconds:.1f} s"
          + (f" - results in {out}" if out is not None else ""), flush=True)
    return 0


def save_outputs(out, model, history, split, record):
    io.save(model.state_dict(), out / report.WEIGHTS)
    report.write_metrics(out, record)
    if not report.have_matplotlib():
        print("matplotlib is not installed: no plots written (pip install matplotlib)")
        return
    if history.epoch:
        history.plot(out / report.CURVES)
    predictions = model.predict(split.x_test, batch_size=1000).argmax(axis=1)
    matrix = metrics.confusion_matrix(split.y_test, predictions, num_classes=len(split.classes))
    title = f"{record['model']} on {record['dataset']}: test accuracy {record['test_accuracy']:.4f}"
    report.plot_confusion(np.asarray(matrix), split.classes, out / report.CONFUSION, title)


def _locate(weights):
    path = Path(weights)
    if path.is_dir():
        path = path / report.WEIGHTS
    if not path.is_file():
        raise CLIError(f"no weights at {path}; pass the --out folder of `glassnet train` or its "
                       f"{report.WEIGHTS}")
    meta = path.parent / report.METRICS
    if not meta.is_file():
        raise CLIError(f"no {report.METRICS} next to {path}: it holds the model config needed to rebuild "
                       "the model (written by `glassnet train --out`)")
    return path, meta


def evaluate(args):
    weights, meta = _locate(args.weights)
    try:
        record = report.read_metrics(meta)
        model = models.build(record["model"], record["model_config"])
    except (ValueError, KeyError, TypeError) as error:
        raise CLIError(f"cannot rebuild the model from {meta}: {error}") from None
    try:
        model.load_state_dict(io.load(weights))
    except (ValueError, RuntimeError) as error:
        raise CLIError(f"the weights in {weights} do not fit the model in {meta}: "
                       f"{' '.join(str(error).split())}") from None
    dataset = args.dataset or record["dataset"]
    split = load_split(dataset, args.limit)
    expected = tuple(record["model_config"]["input_shape"])
    n_classes = record["model_config"]["num_classes"]
    if split.x_test.shape[1:] != expected or len(split.classes) != n_classes:
        raise CLIError(f"the model takes {expected} images in {n_classes} classes; "
                       f"{dataset} has {split.x_test.shape[1:]} images in {len(split.classes)} classes")
    model.compile(optimizer="sgd", loss=LOSS, metrics=["accuracy"])
    loss, accuracy = model.evaluate(split.x_test, split.y_test, batch_size=1000, verbose=0)
    print(f"test accuracy {accuracy:.4f} - test loss {loss:.4f} - {len(split.x_test):,} {dataset} test "
          f"images - {record['model']} from {weights}")
    return 0
