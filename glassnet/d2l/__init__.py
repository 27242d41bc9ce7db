"""``glassnet.d2l``: the helper library of *Dive into Deep Learning*, written for glassnet.

The book's PyTorch code runs with ``from d2l import torch as d2l`` changed
to ``from glassnet import d2l``. Both generations of the book are here: the
function style (``load_data_fashion_mnist``, ``train_ch3``, ``train_ch6``,
``Animator`` ...) and the class style (``Module``, ``DataModule``,
``Trainer``, ``Classifier``, ``add_to_class`` ...), plus d2l's one-line
aliases (``d2l.reshape``, ``d2l.astype``, ``d2l.numpy`` ...). See docs/d2l.md.
"""

import glassnet as _glassnet

from .. import nn as _nn
from .core import (
    SGD,
    Classifier,
    DataModule,
    HyperParameters,
    Module,
    Trainer,
    add_to_class,
    cpu,
    gpu,
    num_gpus,
    try_all_gpus,
    try_gpu,
)
from .data import (
    FashionMNIST,
    SyntheticRegressionData,
    get_fashion_mnist_labels,
    load_array,
    load_data_fashion_mnist,
    synthetic_data,
)
from .hub import DATA_HUB, DATA_URL, download, download_extract, extract
from .models import (
    LeNet,
    LinearRegression,
    LinearRegressionScratch,
    Residual,
    ResNeXtBlock,
    SoftmaxRegression,
    corr2d,
    init_cnn,
)
from .plotting import (
    Animator,
    ProgressBoard,
    plot,
    plt,
    save_figures,
    set_axes,
    set_figsize,
    show_images,
    use_svg_display,
)
from .rnn import (
    GRU,
    LSTM,
    RNN,
    RNNLM,
    RNNLMScratch,
    RNNModel,
    RNNScratch,
    check_len,
    check_shape,
    grad_clipping,
    predict_ch8,
    train_ch8,
)
from .text import (
    TimeMachine,
    Vocab,
    imdb_stand_in,
    load_corpus_time_machine,
    load_data_time_machine,
    read_time_machine,
    tokenize,
)
from .training import (
    Accumulator,
    Timer,
    accuracy,
    evaluate_accuracy,
    evaluate_accuracy_gpu,
    evaluate_loss,
    linreg,
    predict_ch3,
    sgd,
    squared_loss,
    train_ch3,
    train_ch6,
    train_epoch_ch3,
)

nn_Module = _nn.Module

# d2l's aliases of torch functions: looked up on glassnet when first used, so a
# name glassnet gains later works here too and a missing one fails by name.
_FUNCTION_ALIASES = {
    "ones_like": "ones_like", "ones": "ones", "zeros_like": "zeros_like", "zeros": "zeros",
    "tensor": "tensor", "arange": "arange", "meshgrid": "meshgrid", "sin": "sin", "sinh": "sinh",
    "cos": "cos", "cosh": "cosh", "tanh": "tanh", "linspace": "linspace", "exp": "exp", "log": "log",
    "normal": "normal", "rand": "rand", "randn": "randn", "matmul": "matmul", "int32": "int32",
    "int64": "int64", "float32": "float32", "concat": "cat", "stack": "stack", "abs": "abs",
    "eye": "eye", "sigmoid": "sigmoid", "batch_matmul": "bmm",
}


def __getattr__(name):
    if name in _FUNCTION_ALIASES:
        target = _FUNCTION_ALIASES[name]
        try:
            return getattr(_glassnet, target)
        except AttributeError:
            raise AttributeError(
                f"d2l.{name} stands for glassnet.{target}, which glassnet does not have yet") from None
    raise AttributeError(f"module 'glassnet.d2l' has no attribute {name!r}")


# d2l's aliases of tensor methods.
def numpy(x, *args, **kwargs):
    return x.detach().numpy(*args, **kwargs)


def size(x, *args, **kwargs):
    return x.numel(*args, **kwargs)


def reshape(x, *args, **kwargs):
    return x.reshape(*args, **kwargs)


def to(x, *args, **kwargs):
    return x.to(*args, **kwargs)


def reduce_sum(x, *args, **kwargs):
    return x.sum(*args, **kwargs)


def reduce_mean(x, *args, **kwargs):
    return x.mean(*args, **kwargs)


def argmax(x, *args, **kwargs):
    return x.argmax(*args, **kwargs)


def astype(x, *args, **kwargs):
    return x.type(*args, **kwargs)


def transpose(x, *args, **kwargs):
    return x.t(*args, **kwargs)


def expand_dims(x, *args, **kwargs):
    return x.unsqueeze(*args, **kwargs)


def swapaxes(x, *args, **kwargs):
    return x.swapaxes(*args, **kwargs)


def repeat(x, *args, **kwargs):
    return x.repeat(*args, **kwargs)
