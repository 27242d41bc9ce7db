"""The ``glassnet`` command: train and evaluate classifiers, list datasets, run lessons.

    glassnet train                      an MLP on the embedded digits (about 98 % in under a minute)
    glassnet train --dataset fashion-mnist --epochs 20 --out runs/fashion
    glassnet evaluate --weights runs/fashion
    glassnet datasets
    glassnet lessons list
    glassnet lessons run xor -- --epochs 2000

Mistakes (a bad flag, a missing dataset or file) get one line on standard
error and exit status 2 (usage) or 1 (anything else), never a traceback.
"""

import argparse
import sys

from .errors import CLIError

PROG = "glassnet"


class Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line that points to --help."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see `{self.prog} --help`)\n")


def _checked(convert, valid, what):
    """An argparse type: ``convert`` the text, then insist on ``valid``."""

    def parse(text):
        try:
            value = convert(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}") from None
        if not valid(value):
            raise argparse.ArgumentTypeError(f"expected {what}, got {value}")
        return value

    return parse


_positive_int = _checked(int, lambda v: v >= 1, "a positive integer")
_positive_float = _checked(float, lambda v: v > 0, "a positive number")
_fraction = _checked(float, lambda v: 0 <= v < 1, "a fraction in [0, 1)")


def _verbose(text):
    if text == "auto":
        return text
    if text not in ("0", "1", "2"):
        raise argparse.ArgumentTypeError(f"expected 0, 1, 2 or auto, got {text!r}")
    return int(text)


def build_parser():
    from ..training.compile import _OPTIMIZERS
    from . import data, models

    parser = Parser(prog=PROG, description="glassnet: train, evaluate and explore; see the sub-commands.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    commands.required = True

    train = commands.add_parser("train", help="train a classifier and report its test accuracy",
                                description="Train a classifier on an image dataset and test it.")
    train.add_argument("--model", default="cnn", choices=sorted(models.MODELS),
                       help="architecture (default: cnn)")
    train.add_argument("--dataset", default="digits", choices=list(data.IMAGE_DATASETS),
                       help="digits ships with glassnet; the others are downloaded once (default: digits)")
    epochs = ", ".join(f"{name} {n}" for name, n in sorted(models.DEFAULT_EPOCHS.items()))
    train.add_argument("--epochs", type=_positive_int, default=None,
                       help=f"passes over the training set (default, by model: {epochs})")
    train.add_argument("--batch-size", type=_positive_int, default=128, help="default: 128")
    train.add_argument("--lr", type=_positive_float, default=None,
                       help="learning rate (default: the optimizer's Keras default, 0.001 for adam)")
    train.add_argument("--optimizer", default="adam", choices=sorted(_OPTIMIZERS), help="default: adam")
    train.add_argument("--seed", type=int, default=0,
                       help="seed for initialisation and shuffling (default: 0)")
    train.add_argument("--validation-split", type=_fraction, default=0.0,
                       help="fraction of the training set held out to validate after each epoch (default: 0)")
    train.add_argument("--augment", default="shift", choices=["shift", "none"],
                       help="shift: show each training image moved by up to one pixel (default: shift)")
    train.add_argument("--limit", type=_positive_int, default=None,
                       help="use only the first N training and N test images (quick trials)")
    train.add_argument("--out", metavar="DIR", default=None,
                       help="write weights, metrics.json, history.csv and plots into DIR")
    train.add_argument("--verbose", type=_verbose, default="auto",
                       help="0 silent, 1 progress bar, 2 one line per epoch (default: auto)")

    evaluate = commands.add_parser("evaluate", help="test saved weights",
                                   description="Rebuild a model saved by `glassnet train --out` and test it.")
    evaluate.add_argument("--weights", required=True, metavar="DIR_OR_FILE",
                          help="the --out folder of a training run, or its weights.safetensors")
    evaluate.add_argument("--dataset", default=None, choices=list(data.IMAGE_DATASETS),
                          help="default: the dataset the model was trained on")
    evaluate.add_argument("--limit", type=_positive_int, default=None,
                          help="use only the first N test images")

    commands.add_parser("datasets", help="which datasets are available, cached, and where",
                        description="List the datasets, whether their files are present, and where.")

    lessons = commands.add_parser("lessons", help="list or run the lessons",
                                  description="The runnable lessons of the repository's lessons/ folder.")
    actions = lessons.add_subparsers(dest="action", metavar="ACTION", parser_class=Parser)
    actions.required = True
    actions.add_parser("list", help="list the lessons and their titles")
    run = actions.add_parser("run", help="run one lesson: glassnet lessons run NAME [-- ARGS]")
    run.add_argument("name", help="the lesson's name, as `glassnet lessons list` shows it")
    run.add_argument("args", nargs=argparse.REMAINDER, help="arguments for the lesson (after --)")
    return parser


def _dispatch(args):
    if args.command == "train":
        from .models import DEFAULT_EPOCHS
        from .train import train
        if args.epochs is None:
            args.epochs = DEFAULT_EPOCHS[args.model]
        return train(args)
    if args.command == "evaluate":
        from .train import evaluate
        return evaluate(args)
    if args.command == "datasets":
        from .data import listing
        print(listing())
        return 0
    from . import lessons
    return lessons.list_lessons(args) if args.action == "list" else lessons.run_lesson(args)


def main(argv=None):
    """Run the command line; returns the exit status (the console script exits with it)."""
    parser = build_parser()
    try:
        args = parser.parse_args(sys.argv[1:] if argv is None else list(argv))
    except SystemExit as exit_:  # --help (0) and usage errors (2) end here
        return exit_.code if isinstance(exit_.code, int) else 1
    try:
        return _dispatch(args)
    except CLIError as error:
        print(f"{PROG} {args.command}: error: {error}", file=sys.stderr)
        return error.code
