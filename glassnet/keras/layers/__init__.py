"""Keras's layers, each a glassnet ``nn.Module`` over glassnet's ops."""

from .base import Layer
from .conv import (
    AveragePooling1D,
    AveragePooling2D,
    Conv1D,
    Conv2D,
    GlobalAveragePooling1D,
    GlobalAveragePooling2D,
    GlobalMaxPooling1D,
    GlobalMaxPooling2D,
    MaxPooling1D,
    MaxPooling2D,
)
from .conv_depthwise import DepthwiseConv1D, DepthwiseConv2D, SeparableConv1D, SeparableConv2D
from .core import Activation, Dense, Dropout, Flatten, Input, InputLayer, Permute, RepeatVector, Reshape
from .masking import Masking
from .merge import (
    Add,
    Average,
    Concatenate,
    Maximum,
    Minimum,
    Multiply,
    Subtract,
    add,
    average,
    concatenate,
    multiply,
    subtract,
)
from .noise import GaussianNoise, SpatialDropout1D, SpatialDropout2D
from .normalization import BatchNormalization, LayerNormalization
from .recurrent import GRU, LSTM, Bidirectional, Embedding, SimpleRNN, TimeDistributed
from .text_vectorization import TextVectorization

# Keras 2's short names.
Convolution2D, MaxPool2D, AvgPool2D = Conv2D, MaxPooling2D, AveragePooling2D
Convolution1D, MaxPool1D, AvgPool1D = Conv1D, MaxPooling1D, AveragePooling1D

__all__ = [
    "Add", "Average", "Concatenate", "Maximum", "Minimum", "Multiply", "Subtract", "add", "average",
    "concatenate", "multiply", "subtract",
    "Activation", "AveragePooling1D", "BatchNormalization", "Embedding", "GRU", "LSTM", "LayerNormalization",
    "SimpleRNN", "Bidirectional", "TimeDistributed",
    "AveragePooling2D", "Conv1D", "Conv2D", "Dense", "Dropout", "Flatten",
    "GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalMaxPooling1D", "GlobalMaxPooling2D", "Input",
    "InputLayer", "Layer", "MaxPooling1D", "MaxPooling2D", "Permute", "RepeatVector", "Reshape",
    "DepthwiseConv1D", "DepthwiseConv2D", "SeparableConv1D", "SeparableConv2D", "Masking", "GaussianNoise",
    "SpatialDropout1D", "SpatialDropout2D", "TextVectorization",
]

# Keras's image preprocessing layers (docs/keras_images.md).
from .preprocessing_image import (  # noqa: E402
    CenterCrop,
    RandomContrast,
    RandomFlip,
    RandomRotation,
    RandomTranslation,
    RandomZoom,
    Rescaling,
    Resizing,
)

__all__ += ["CenterCrop", "RandomContrast", "RandomFlip", "RandomRotation", "RandomTranslation", "RandomZoom",
            "Rescaling", "Resizing"]
