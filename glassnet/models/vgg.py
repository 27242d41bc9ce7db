"""VGG (Simonyan and Zisserman, 2014): blocks of 3x3 convolutions, each block ending in a 2x2 max-pool."""

from .. import nn
from ..nn.module import Module

# (number of convolutions, output channels) per block.
VGG11_ARCH = ((1, 64), (1, 128), (2, 256), (2, 512), (2, 512))
VGG16_ARCH = ((2, 64), (2, 128), (3, 256), (3, 512), (3, 512))


def vgg_block(num_convs, in_channels, out_channels):
    """``num_convs`` 3x3 convolutions with ReLU (padding 1 keeps the size), then a 2x2 max-pool."""
    layers = []
    for _ in range(num_convs):
        layers += [nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1), nn.ReLU()]
        in_channels = out_channels
    layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
    return nn.Sequential(*layers)


class VGG(Module):
    """A VGG network from ``conv_arch``, a sequence of ``(num_convs, out_channels)`` blocks.

    With ``image_size=None`` the feature maps are average-pooled to 7x7 as in
    torchvision, so any input of at least 32x32 works and the classifier is
    the 25,088 -> 4096 -> 4096 one of the paper. Given an ``image_size``, the
    pooling is left out and the classifier takes the feature map as it is,
    which for small images is far smaller (32x32 -> 1x1 after five blocks).
    """

    def __init__(self, conv_arch, num_classes=1000, in_channels=3, image_size=None, hidden=4096,
                 dropout=0.5):
        super().__init__()
        blocks, channels = [], in_channels
        for num_convs, out_channels in conv_arch:
            blocks.append(vgg_block(num_convs, channels, out_channels))
            channels = out_channels
        # One flat Sequential, not one per block, so names are torchvision's (features.0.weight ...).
        self.features = nn.Sequential(*[layer for block in blocks for layer in block])
        if image_size is None:
            self.avgpool, side = nn.AdaptiveAvgPool2d((7, 7)), 7
        else:
            side = image_size // 2 ** len(conv_arch)
            if side < 1:
                raise ValueError(f"VGG: image_size={image_size} is too small for {len(conv_arch)} blocks, "
                                 f"each of which halves it; it needs at least {2 ** len(conv_arch)} pixels")
            self.avgpool = nn.Identity()
        self.classifier = nn.Sequential(
            nn.Linear(channels * side * side, hidden), nn.ReLU(), nn.Dropout(dropout),
            nn.Linear(hidden, hidden), nn.ReLU(), nn.Dropout(dropout),
            nn.Linear(hidden, num_classes),
        )

    def forward(self, x):
        x = self.avgpool(self.features(x))
        return self.classifier(x.flatten(1))


def vgg11(num_classes=1000, in_channels=3, image_size=None, **kwargs):
    """VGG-11 (configuration "A"): 8 convolutions and 3 dense layers, 132,863,336 parameters."""
    return VGG(VGG11_ARCH, num_classes, in_channels, image_size, **kwargs)


def vgg16(num_classes=1000, in_channels=3, image_size=None, **kwargs):
    """VGG-16 (configuration "D"): 13 convolutions and 3 dense layers, 138,357,544 parameters."""
    return VGG(VGG16_ARCH, num_classes, in_channels, image_size, **kwargs)
