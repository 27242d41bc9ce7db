"""AlexNet (Krizhevsky, Sutskever and Hinton, 2012), in torchvision's single-GPU layout."""

from .. import nn
from ..nn.module import Module
from .weights import load_pretrained


class AlexNet(Module):
    """``features`` (convolutions), ``avgpool``, ``classifier`` (dense): torchvision's three parts.

    Keeping the parts and their numbering as in torchvision means parameter
    names such as ``features.0.weight`` and ``classifier.6.bias`` match its
    ``state_dict``.
    """

    def __init__(self, features, avgpool, classifier):
        super().__init__()
        self.features = features
        self.avgpool = avgpool
        self.classifier = classifier

    def forward(self, x):
        x = self.avgpool(self.features(x))
        return self.classifier(x.flatten(1))


def _classifier(in_features, hidden, num_classes, dropout):
    return nn.Sequential(
        nn.Dropout(dropout), nn.Linear(in_features, hidden), nn.ReLU(),
        nn.Dropout(dropout), nn.Linear(hidden, hidden), nn.ReLU(),
        nn.Linear(hidden, num_classes),
    )


def alexnet(num_classes=1000, in_channels=3, dropout=0.5, small=False, image_size=32, *, weights=None,
            pretrained=False):
    """The 224x224 ImageNet AlexNet; ``small=True`` gives :func:`alexnet_small` instead.

    The adaptive pooling to 6x6 before the classifier lets the big model take
    any input of at least 63x63, as torchvision's does. ``weights='IMAGENET1K_V1'``
    loads torchvision's ``alexnet-owt-7be5be79.pth`` (glassnet/models/weights.py).
    """
    if small:
        if weights is not None or pretrained:
            raise ValueError("alexnet: torchvision's weights are for the 224x224 model, not small=True")
        return alexnet_small(num_classes, in_channels, image_size, dropout=dropout)
    features = nn.Sequential(
        nn.Conv2d(in_channels, 64, kernel_size=11, stride=4, padding=2), nn.ReLU(),
        nn.MaxPool2d(kernel_size=3, stride=2),
        nn.Conv2d(64, 192, kernel_size=5, padding=2), nn.ReLU(),
        nn.MaxPool2d(kernel_size=3, stride=2),
        nn.Conv2d(192, 384, kernel_size=3, padding=1), nn.ReLU(),
        nn.Conv2d(384, 256, kernel_size=3, padding=1), nn.ReLU(),
        nn.Conv2d(256, 256, kernel_size=3, padding=1), nn.ReLU(),
        nn.MaxPool2d(kernel_size=3, stride=2),
    )
    classifier = _classifier(256 * 6 * 6, 4096, num_classes, dropout)
    model = AlexNet(features, nn.AdaptiveAvgPool2d((6, 6)), classifier)
    return load_pretrained(model, "alexnet", weights, pretrained)


def alexnet_small(num_classes=10, in_channels=1, image_size=28, hidden=1024, dropout=0.5):
    """AlexNet's shape for 28x28 or 32x32 images (MNIST, CIFAR-10) without resizing them to 224.

    The 11x11 stride-4 stem would shrink a 28x28 image to almost nothing, so
    every convolution is 3x3 with padding 1 and three 2x2 poolings halve the
    size (28 -> 3, 32 -> 4); the channel widths are AlexNet's, the dense
    layers are ``hidden`` wide instead of 4096.
    """
    side = image_size // 8
    if side < 1:
        raise ValueError(f"alexnet_small: image_size={image_size} is too small; it needs at least 8 pixels")
    features = nn.Sequential(
        nn.Conv2d(in_channels, 64, kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(64, 192, kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(192, 384, kernel_size=3, padding=1), nn.ReLU(),
        nn.Conv2d(384, 256, kernel_size=3, padding=1), nn.ReLU(),
        nn.Conv2d(256, 256, kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
    )
    return AlexNet(features, nn.Identity(), _classifier(256 * side * side, hidden, num_classes, dropout))
