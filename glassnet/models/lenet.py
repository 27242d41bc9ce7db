"""LeNet-5 (LeCun et al., 1998) in the form of *Dive into Deep Learning*, section 7.6."""

from .. import nn

_ACTIVATIONS = {"sigmoid": nn.Sigmoid, "relu": nn.ReLU}
_POOLS = {"avg": nn.AvgPool2d, "max": nn.MaxPool2d}


def lenet(num_classes=10, in_channels=1, image_size=28, activation="sigmoid", pool="avg"):
    """Two 5x5 convolutions (6 and 16 channels) with 2x2 pooling, then dense 120, 84, ``num_classes``.

    The first convolution pads by 2, so a 28x28 input keeps LeNet's original
    32x32 geometry: 28 -> 14 -> 10 -> 5, and 16 * 5 * 5 = 400 features reach
    the first dense layer. ``activation="relu"`` and ``pool="max"`` give the
    modern variant, which trains much faster than the 1998 sigmoid/average one.
    """
    if activation not in _ACTIVATIONS or pool not in _POOLS:
        raise ValueError(f"lenet: activation must be one of {sorted(_ACTIVATIONS)} and pool one of "
                         f"{sorted(_POOLS)}, got activation={activation!r}, pool={pool!r}")
    side = (image_size // 2 - 4) // 2
    if side < 1:
        raise ValueError(f"lenet: image_size={image_size} is too small; it needs at least 12 pixels")
    act, pooling = _ACTIVATIONS[activation], _POOLS[pool]
    return nn.Sequential(
        nn.Conv2d(in_channels, 6, kernel_size=5, padding=2), act(), pooling(2, stride=2),
        nn.Conv2d(6, 16, kernel_size=5), act(), pooling(2, stride=2),
        nn.Flatten(),
        nn.Linear(16 * side * side, 120), act(),
        nn.Linear(120, 84), act(),
        nn.Linear(84, num_classes),
    )
