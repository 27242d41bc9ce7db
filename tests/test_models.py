"""The model zoo: published parameter counts, torchvision's names, and ResNet against plain torch.nn.

The big models are only built, never run on 224x224 images; forward passes
use the small variants on tiny inputs.
"""

import numpy as np
import pytest
import torch

import glassnet
from glassnet import models


def count(model):
    return sum(p.numel() for p in model.parameters())


@pytest.mark.parametrize("build, expected", [
    (models.alexnet, 61_100_840),
    (models.vgg11, 132_863_336),
    (models.vgg16, 138_357_544),
    (models.resnet18, 11_689_512),
    (models.resnet34, 21_797_672),
])
def test_published_parameter_counts(build, expected):
    assert count(build()) == expected


def test_lenet_matches_d2l_and_runs():
    net = models.lenet()
    assert count(net) == 61_706  # D2L's LeNet: 6*26 + 16*151 + 400*120+120 + 120*84+84 + 84*10+10
    assert net(glassnet.randn(2, 1, 28, 28)).shape == (2, 10)
    modern = models.lenet(num_classes=3, activation="relu", pool="max")
    assert isinstance(modern[1], glassnet.nn.ReLU) and isinstance(modern[2], glassnet.nn.MaxPool2d)
    assert modern(glassnet.randn(1, 1, 28, 28)).shape == (1, 3)
    with pytest.raises(ValueError, match="activation"):
        models.lenet(activation="tanh")


def test_alexnet_names_follow_torchvision():
    keys = list(models.alexnet().state_dict())
    expected = [f"features.{i}.{p}" for i in (0, 3, 6, 8, 10) for p in ("weight", "bias")]
    expected += [f"classifier.{i}.{p}" for i in (1, 4, 6) for p in ("weight", "bias")]
    assert keys == expected


@pytest.mark.parametrize("shape", [(2, 1, 28, 28), (2, 3, 32, 32)])
def test_alexnet_small_runs_on_small_images(shape):
    n, c, size, _ = shape
    net = models.alexnet(num_classes=10, in_channels=c, small=True, image_size=size)
    assert type(net) is models.AlexNet
    assert net(glassnet.randn(*shape)).shape == (n, 10)


def test_vgg_blocks_and_names():
    block = models.vgg_block(2, 3, 8)
    assert [type(m).__name__ for m in block] == ["Conv2d", "ReLU", "Conv2d", "ReLU", "MaxPool2d"]
    assert block(glassnet.randn(1, 3, 8, 8)).shape == (1, 8, 4, 4)
    # torchvision's VGG-16 numbers its 13 convolutions by position in one flat `features`.
    convs = [0, 2, 5, 7, 10, 12, 14, 17, 19, 21, 24, 26, 28]
    expected = [f"features.{i}.{p}" for i in convs for p in ("weight", "bias")]
    expected += [f"classifier.{i}.{p}" for i in (0, 3, 6) for p in ("weight", "bias")]
    assert list(models.vgg16().state_dict()) == expected


def test_small_vgg_runs_without_the_7x7_pooling():
    net = models.VGG(((1, 8), (1, 16), (2, 16)), num_classes=10, in_channels=1, image_size=28, hidden=32)
    assert net.classifier[0].in_features == 16 * 3 * 3
    assert net(glassnet.randn(2, 1, 28, 28)).shape == (2, 10)
    with pytest.raises(ValueError, match="too small"):
        models.vgg11(image_size=16)


def test_nin_runs_on_96x96():
    net = models.nin(num_classes=10, in_channels=1)
    net.eval()
    assert net(glassnet.randn(1, 1, 96, 96)).shape == (1, 10)


def _resnet18_keys():
    """torchvision's resnet18().state_dict() keys, written out from its layout."""
    def bn(prefix):
        names = ("weight", "bias", "running_mean", "running_var", "num_batches_tracked")
        return [f"{prefix}.{n}" for n in names]

    keys = ["conv1.weight"] + bn("bn1")
    for stage in range(1, 5):
        for block in range(2):
            p = f"layer{stage}.{block}"
            keys += [f"{p}.conv1.weight"] + bn(f"{p}.bn1") + [f"{p}.conv2.weight"] + bn(f"{p}.bn2")
            if stage > 1 and block == 0:
                keys += [f"{p}.downsample.0.weight"] + bn(f"{p}.downsample.1")
    return keys + ["fc.weight", "fc.bias"]


def test_resnet18_state_dict_keys_are_torchvision_names():
    assert list(models.resnet18().state_dict()) == _resnet18_keys()


class TorchBlock(torch.nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        nn = torch.nn
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1, self.relu = nn.BatchNorm2d(cout), nn.ReLU()
        self.conv2, self.bn2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False), nn.BatchNorm2d(cout)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        return self.relu(self.bn2(self.conv2(self.relu(self.bn1(self.conv1(x))))) + identity)


class TorchResNet18(torch.nn.Module):
    """ResNet-18 in plain torch.nn, the oracle for glassnet's (torchvision is not installed)."""

    def __init__(self, num_classes):
        super().__init__()
        nn = torch.nn
        self.conv1, self.bn1 = nn.Conv2d(3, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64)
        self.relu, self.maxpool = nn.ReLU(), nn.MaxPool2d(3, 2, 1)
        widths = [64, 64, 128, 256, 512]
        for i in range(1, 5):
            stride = 1 if i == 1 else 2
            blocks = [TorchBlock(widths[i - 1], widths[i], stride), TorchBlock(widths[i], widths[i], 1)]
            setattr(self, f"layer{i}", nn.Sequential(*blocks))
        self.avgpool, self.fc = nn.AdaptiveAvgPool2d(1), nn.Linear(512, num_classes)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(torch.flatten(self.avgpool(x), 1))


@pytest.mark.parametrize("training", [False, True])
def test_resnet18_matches_torch_forward_and_backward(training):
    net = models.resnet18(num_classes=5)
    state = {k: v.numpy() for k, v in net.state_dict().items()}
    oracle = TorchResNet18(5).double()
    oracle.load_state_dict({k: torch.from_numpy(v.astype(np.float64) if v.dtype.kind == "f" else v.copy())
                            for k, v in state.items()})
    # float64 on both sides: in training mode layer4's batch norm sees only 2 values per channel
    # and magnifies float32 rounding, which would hide a real mismatch behind a loose tolerance.
    net.double().train(training)
    oracle.train(training)
    x = np.random.default_rng(0).standard_normal((2, 3, 32, 32))
    out = net(glassnet.tensor(x, dtype=glassnet.float64))
    expected = oracle(torch.from_numpy(x))
    np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(), rtol=1e-7, atol=1e-9)
    out.sum().backward()
    expected.sum().backward()
    for name in ("conv1.weight", "layer2.0.downsample.0.weight", "layer4.1.bn2.weight", "fc.weight"):
        got = dict(net.named_parameters())[name].grad.numpy()
        want = dict(oracle.named_parameters())[name].grad.numpy()
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-9, err_msg=name)


def test_resnet18_small_stem_keeps_names_and_size():
    net = models.resnet18(num_classes=10, small=True)
    assert list(net.state_dict()) == _resnet18_keys()
    assert net.conv1.kernel_size == (3, 3) and isinstance(net.maxpool, glassnet.nn.Identity)
    net.eval()
    assert net(glassnet.randn(1, 3, 16, 16)).shape == (1, 10)


def test_the_model_zoo_is_an_attribute_of_the_package():
    """``import glassnet`` alone gives ``glassnet.models``, as ``import torchvision`` gives
    ``torchvision.models`` (in a fresh interpreter: here other tests have imported it already)."""
    import subprocess
    import sys

    code = "import glassnet; print(type(glassnet.models.lenet()).__name__)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "Sequential"
