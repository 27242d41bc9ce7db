"""Network in Network (Lin, Chen and Yan, 2013), as in *Dive into Deep Learning*, section 8.3."""

from .. import nn


def nin_block(in_channels, out_channels, kernel_size, stride, padding):
    """One spatial convolution followed by two 1x1 convolutions: a small MLP at every pixel."""
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, kernel_size, stride, padding), nn.ReLU(),
        nn.Conv2d(out_channels, out_channels, kernel_size=1), nn.ReLU(),
        nn.Conv2d(out_channels, out_channels, kernel_size=1), nn.ReLU(),
    )


def nin(num_classes=10, in_channels=1, dropout=0.5):
    """NiN for 224x224 inputs (any size from 96x96 works).

    There is no dense layer: the last block has one channel per class and a
    global average pool turns each channel into that class's score, which
    is why NiN has far fewer parameters than AlexNet.
    """
    return nn.Sequential(
        nin_block(in_channels, 96, kernel_size=11, stride=4, padding=0),
        nn.MaxPool2d(3, stride=2),
        nin_block(96, 256, kernel_size=5, stride=1, padding=2),
        nn.MaxPool2d(3, stride=2),
        nin_block(256, 384, kernel_size=3, stride=1, padding=1),
        nn.MaxPool2d(3, stride=2),
        nn.Dropout(dropout),
        nin_block(384, num_classes, kernel_size=3, stride=1, padding=1),
        nn.AdaptiveAvgPool2d((1, 1)),
        nn.Flatten(),
    )
