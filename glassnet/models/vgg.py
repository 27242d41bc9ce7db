"""VGG (Simonyan and Zisserman, 2014): blocks of 3x3 convolutions, each block ending in a 2x2 max-pool."""

from .. import nn
from ..nn.module import Module
from .weights import load_pretrained

# (number of convolutions, output channels) per block: the paper's configurations A, B, D, E.
VGG11_ARCH = ((1, 64), (1, 128), (2, 256), (2, 512), (2, 512))
VGG13_ARCH = ((2, 64), (2, 128), (2, 256), (2, 512), (2, 512))
VGG16_ARCH = ((2, 64), (2, 128), (3, 256), (3, 512), (3, 512))
VGG19_ARCH = ((2, 64), (2, 128), (4, 256), (4, 512), (4, 512))


def vgg_block(num_convs, in_channels, out_channels, batch_norm=False):
    """``num_convs`` 3x3 convolutions with ReLU (padding 1 keeps the size), then a 2x2 max-pool;
    ``batch_norm=True`` puts a BatchNorm2d between each convolution and its ReLU (torchvision's
    ``vgg16_bn``)."""
    layers = []
    for _ in range(num_convs):
        layers.append(nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1))
        layers += [nn.BatchNorm2d(out_channels), nn.ReLU()] if batch_norm else [nn.ReLU()]
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
                 dropout=0.5, batch_norm=False):
        super().__init__()
        blocks, channels = [], in_channels
        for num_convs, out_channels in conv_arch:
            blocks.append(vgg_block(num_convs, channels, out_channels, batch_norm))
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


def _vgg(arch, conv_arch, batch_norm, num_classes, in_channels, image_size, weights, pretrained, kwargs):
    model = VGG(conv_arch, num_classes, in_channels, image_size, batch_norm=batch_norm, **kwargs)
    return load_pretrained(model, arch, weights, pretrained)


def vgg11(num_classes=1000, in_channels=3, image_size=None, *, weights=None, pretrained=False, **kwargs):
    """VGG-11 (configuration "A"): 8 convolutions and 3 dense layers, 132,863,336 parameters.

    ``weights='IMAGENET1K_V1'`` (or ``'DEFAULT'``) loads torchvision's ImageNet weights
    (glassnet/models/weights.py); ``pretrained=True`` is the older spelling of the same.
    """
    return _vgg("vgg11", VGG11_ARCH, False, num_classes, in_channels, image_size, weights, pretrained, kwargs)


def vgg11_bn(num_classes=1000, in_channels=3, image_size=None, *, weights=None, pretrained=False, **kwargs):
    """VGG-11 with batch normalization after each convolution, 132,868,840 parameters."""
    return _vgg("vgg11_bn", VGG11_ARCH, True, num_classes, in_channels, image_size, weights, pretrained,
                kwargs)


def vgg13(num_classes=1000, in_channels=3, image_size=None, *, weights=None, pretrained=False, **kwargs):
    """VGG-13 (configuration "B"): 10 convolutions and 3 dense layers, 133,047,848 parameters."""
    return _vgg("vgg13", VGG13_ARCH, False, num_classes, in_channels, image_size, weights, pretrained, kwargs)


def vgg13_bn(num_classes=1000, in_channels=3, image_size=None, *, weights=None, pretrained=False, **kwargs):
    """VGG-13 with batch normalization, 133,053,736 parameters."""
    return _vgg("vgg13_bn", VGG13_ARCH, True, num_classes, in_channels, image_size, weights, pretrained,
                kwargs)


def vgg16(num_classes=1000, in_channels=3, image_size=None, *, weights=None, pretrained=False, **kwargs):
    """VGG-16 (configuration "D"): 13 convolutions and 3 dense layers, 138,357,544 parameters.

    ``weights='IMAGENET1K_V1'`` loads torchvision's ``vgg16-397923af.pth``.
    """
    return _vgg("vgg16", VGG16_ARCH, False, num_classes, in_channels, image_size, weights, pretrained, kwargs)


def vgg16_bn(num_classes=1000, in_channels=3, image_size=None, *, weights=None, pretrained=False, **kwargs):
    """VGG-16 with batch normalization, 138,365,992 parameters."""
    return _vgg("vgg16_bn", VGG16_ARCH, True, num_classes, in_channels, image_size, weights, pretrained,
                kwargs)


def vgg19(num_classes=1000, in_channels=3, image_size=None, *, weights=None, pretrained=False, **kwargs):
    """VGG-19 (configuration "E"): 16 convolutions and 3 dense layers, 143,667,240 parameters."""
    return _vgg("vgg19", VGG19_ARCH, False, num_classes, in_channels, image_size, weights, pretrained, kwargs)


def vgg19_bn(num_classes=1000, in_channels=3, image_size=None, *, weights=None, pretrained=False, **kwargs):
    """VGG-19 with batch normalization, 143,678,248 parameters."""
    return _vgg("vgg19_bn", VGG19_ARCH, True, num_classes, in_channels, image_size, weights, pretrained,
                kwargs)
