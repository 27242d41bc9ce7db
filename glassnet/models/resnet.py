"""ResNet (He, Zhang, Ren and Sun, 2015) with basic and bottleneck blocks, in torchvision's layout and names.

Parameter names are torchvision's (``conv1``, ``bn1``, ``layer1.0.conv1``,
``layer2.0.downsample.0`` ... ``fc``), so its ``state_dict`` loads as is.
"""

from .. import nn
from ..nn import init
from ..nn.module import Module
from .weights import load_pretrained


def _conv3x3(in_channels, out_channels, stride=1):
    # No bias: the batch norm that follows would subtract it again.
    return nn.Conv2d(in_channels, out_channels, kernel_size=3, stride=stride, padding=1, bias=False)


class BasicBlock(Module):
    """Two 3x3 convolutions with batch norm, plus a shortcut: ``relu(F(x) + x)``.

    When the block changes the size (``stride`` 2) or the number of channels,
    the shortcut is a 1x1 convolution with batch norm (``downsample``) so the
    two branches can be added.
    """

    expansion = 1

    def __init__(self, in_channels, out_channels, stride=1):
        super().__init__()
        self.conv1 = _conv3x3(in_channels, out_channels, stride)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.relu = nn.ReLU()
        self.conv2 = _conv3x3(out_channels, out_channels)
        self.bn2 = nn.BatchNorm2d(out_channels)
        if stride != 1 or in_channels != out_channels:
            self.downsample = nn.Sequential(
                nn.Conv2d(in_channels, out_channels, kernel_size=1, stride=stride, bias=False),
                nn.BatchNorm2d(out_channels),
            )
        else:
            self.downsample = None
        self.stride = stride

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + identity)


class Bottleneck(Module):
    """1x1 (narrow), 3x3 (with the stride, as torchvision's "ResNet v1.5"), 1x1 (4x wide) convolutions
    with batch norm, plus a shortcut: the block of ResNet-50 and deeper."""

    expansion = 4

    def __init__(self, in_channels, out_channels, stride=1):
        super().__init__()
        wide = out_channels * self.expansion
        self.conv1 = nn.Conv2d(in_channels, out_channels, kernel_size=1, bias=False)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.conv2 = _conv3x3(out_channels, out_channels, stride)
        self.bn2 = nn.BatchNorm2d(out_channels)
        self.conv3 = nn.Conv2d(out_channels, wide, kernel_size=1, bias=False)
        self.bn3 = nn.BatchNorm2d(wide)
        self.relu = nn.ReLU()
        if stride != 1 or in_channels != wide:
            self.downsample = nn.Sequential(
                nn.Conv2d(in_channels, wide, kernel_size=1, stride=stride, bias=False), nn.BatchNorm2d(wide))
        else:
            self.downsample = None
        self.stride = stride

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        return self.relu(self.bn3(self.conv3(out)) + identity)


class ResNet(Module):
    """A stem, four stages of residual blocks (64, 128, 256, 512 channels), global pooling, ``fc``.

    ``layers`` is the number of blocks per stage: (2, 2, 2, 2) for ResNet-18.
    ``small=True`` is the usual CIFAR stem, a 3x3 stride-1 convolution
    without the max-pool, so a 32x32 image is not shrunk to 8x8 before the
    first stage; the names stay the same (``maxpool`` becomes an Identity).
    """

    def __init__(self, block, layers, num_classes=1000, in_channels=3, small=False):
        super().__init__()
        if small:
            self.conv1 = _conv3x3(in_channels, 64)
        else:
            self.conv1 = nn.Conv2d(in_channels, 64, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU()
        self.maxpool = nn.Identity() if small else nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self._channels = 64
        self.layer1 = self._make_layer(block, 64, layers[0], stride=1)
        self.layer2 = self._make_layer(block, 128, layers[1], stride=2)
        self.layer3 = self._make_layer(block, 256, layers[2], stride=2)
        self.layer4 = self._make_layer(block, 512, layers[3], stride=2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(512 * block.expansion, num_classes)
        # He initialisation for the convolutions, as in the paper and torchvision.
        for module in self.modules():
            if isinstance(module, nn.Conv2d):
                init.kaiming_normal_(module.weight, mode="fan_out", nonlinearity="relu")

    def _make_layer(self, block, out_channels, num_blocks, stride):
        blocks = [block(self._channels, out_channels, stride)]
        self._channels = out_channels * block.expansion
        blocks += [block(self._channels, out_channels) for _ in range(num_blocks - 1)]
        return nn.Sequential(*blocks)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(self.avgpool(x).flatten(1))


def resnet18(num_classes=1000, in_channels=3, small=False, *, weights=None, pretrained=False):
    """ResNet-18: 2 basic blocks per stage, 11,689,512 parameters with the defaults.

    ``weights='IMAGENET1K_V1'`` loads torchvision's ``resnet18-f37072fd.pth`` (glassnet/models/weights.py).
    """
    model = ResNet(BasicBlock, (2, 2, 2, 2), num_classes, in_channels, small)
    return load_pretrained(model, "resnet18", weights, pretrained)


def resnet34(num_classes=1000, in_channels=3, small=False, *, weights=None, pretrained=False):
    """ResNet-34: 3, 4, 6, 3 basic blocks per stage, 21,797,672 parameters with the defaults."""
    model = ResNet(BasicBlock, (3, 4, 6, 3), num_classes, in_channels, small)
    return load_pretrained(model, "resnet34", weights, pretrained)


def resnet50(num_classes=1000, in_channels=3, small=False, *, weights=None, pretrained=False):
    """ResNet-50: 3, 4, 6, 3 bottleneck blocks per stage, 25,557,032 parameters with the defaults.

    torchvision publishes two sets of weights: ``'IMAGENET1K_V1'`` and the better ``'IMAGENET1K_V2'``
    (its ``'DEFAULT'``).
    """
    model = ResNet(Bottleneck, (3, 4, 6, 3), num_classes, in_channels, small)
    return load_pretrained(model, "resnet50", weights, pretrained)
