"""torchvision's published weights for the zoo (glassnet/models/weights.py), without the internet.

The download function is replaced by one that serves files written here by
torch.save, under names that carry their own SHA-256 prefix as
torchvision's do; the table is pointed at them. The checks: the loaded
model computes what torch computes with the same weights, and a file whose
hash does not match (a bad download, a truncated cache) is refused and
deleted.
"""

import hashlib
import inspect
import urllib.error

import numpy as np
import pytest
import torch

import glassnet
from glassnet import models
from glassnet.data.datasets import _download
from glassnet.models import weights

T = torch.nn


@pytest.fixture
def server(tmp_path, monkeypatch):
    """Serve local files for download URLs; the cache goes to tmp_path/cache. ``server.publish(arch,
    path)`` names the file as torchvision would (its SHA-256 prefix) and lists it for ``arch``."""
    monkeypatch.setenv("GLASSNET_DATA", str(tmp_path / "cache"))

    class Server:
        files, requests = {}, []

        def publish(self, arch, path, prefix=None):
            prefix = prefix or hashlib.sha256(path.read_bytes()).hexdigest()[:8]
            name = f"{arch}-{prefix}.pth"
            self.files[weights.TORCHVISION_URL + name] = path
            monkeypatch.setitem(weights.TORCHVISION_FILES, arch, {"IMAGENET1K_V1": name})
            return tmp_path / "cache" / weights.CACHE_FOLDER / name

        def urlopen(self, url, timeout=None):
            self.requests.append(url)
            if url not in self.files:
                raise urllib.error.URLError("offline (test)")
            return open(self.files[url], "rb")

    served = Server()
    monkeypatch.setattr(_download, "urlopen", served.urlopen)
    return served


def torch_vgg(conv_arch, batch_norm, hidden, classes, side):
    """torchvision's VGG layout (features / classifier, numbered as torchvision numbers them) in torch.nn,
    with glassnet's small-image classifier (no 7x7 pooling)."""
    layers, channels = [], 3
    for convs, out in conv_arch:
        for _ in range(convs):
            layers += [T.Conv2d(channels, out, 3, padding=1)] + ([T.BatchNorm2d(out)] if batch_norm else [])
            layers.append(T.ReLU())
            channels = out
        layers.append(T.MaxPool2d(2, 2))
    net = T.Module()
    net.features = T.Sequential(*layers)
    net.classifier = T.Sequential(T.Linear(channels * side * side, hidden), T.ReLU(), T.Dropout(),
                                  T.Linear(hidden, hidden), T.ReLU(), T.Dropout(), T.Linear(hidden, classes))
    net.forward = lambda x: net.classifier(torch.flatten(net.features(x), 1))
    return net


def randomize_statistics(net):
    for module in net.modules():
        if isinstance(module, T.BatchNorm2d):
            module.running_mean.uniform_(-0.5, 0.5)
            module.running_var.uniform_(0.5, 2.0)
            module.weight.data.uniform_(0.5, 1.5)
            module.bias.data.uniform_(-0.2, 0.2)


def same_outputs(ours, theirs, size=32, rtol=1e-4):
    x = np.random.default_rng(0).standard_normal((2, 3, size, size)).astype(np.float32)
    ours.eval()
    theirs.eval()
    with torch.no_grad():
        want = theirs(torch.from_numpy(x)).numpy()
    got = ours(glassnet.tensor(x)).detach().numpy()
    np.testing.assert_allclose(got, want, rtol=rtol, atol=rtol * np.abs(want).max())


@pytest.mark.parametrize("layout", ["zip", "legacy"])
@pytest.mark.parametrize("arch, batch_norm", [("vgg11", False), ("vgg11_bn", True)])
def test_vgg_weights_load_and_compute_as_in_torch(server, tmp_path, layout, arch, batch_norm):
    torch.manual_seed(0)
    theirs = torch_vgg(models.vgg.VGG11_ARCH, batch_norm, hidden=16, classes=10, side=1)
    randomize_statistics(theirs)
    path = tmp_path / "file.pth"
    torch.save(theirs.state_dict(), path, _use_new_zipfile_serialization=layout == "zip")
    cached = server.publish(arch, path)
    ours = getattr(models, arch)(num_classes=10, image_size=32, hidden=16, weights="IMAGENET1K_V1")
    same_outputs(ours, theirs)
    assert cached.read_bytes() == path.read_bytes()
    assert server.requests == [weights.TORCHVISION_URL + cached.name]
    # The second time the verified cache is used: no download.
    getattr(models, arch)(num_classes=10, image_size=32, hidden=16, weights="DEFAULT")
    assert len(server.requests) == 1


class TorchBottleneck(T.Module):
    def __init__(self, cin, width, stride):
        super().__init__()
        self.conv1, self.bn1 = T.Conv2d(cin, width, 1, bias=False), T.BatchNorm2d(width)
        self.conv2, self.bn2 = T.Conv2d(width, width, 3, stride, 1, bias=False), T.BatchNorm2d(width)
        self.conv3, self.bn3 = T.Conv2d(width, width * 4, 1, bias=False), T.BatchNorm2d(width * 4)
        self.relu, self.downsample = T.ReLU(), None
        if stride != 1 or cin != width * 4:
            self.downsample = T.Sequential(T.Conv2d(cin, width * 4, 1, stride, bias=False),
                                           T.BatchNorm2d(width * 4))

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn2(self.conv2(self.relu(self.bn1(self.conv1(x))))))
        return self.relu(self.bn3(self.conv3(out)) + identity)


class TorchResNet50(T.Module):
    """torchvision's ResNet-50 layout in plain torch.nn (torchvision is not installed)."""

    def __init__(self, classes):
        super().__init__()
        self.conv1, self.bn1 = T.Conv2d(3, 64, 7, 2, 3, bias=False), T.BatchNorm2d(64)
        self.relu, self.maxpool = T.ReLU(), T.MaxPool2d(3, 2, 1)
        channels = 64
        for stage, (blocks, width) in enumerate(zip((3, 4, 6, 3), (64, 128, 256, 512)), start=1):
            layer = [TorchBottleneck(channels, width, 1 if stage == 1 else 2)]
            layer += [TorchBottleneck(width * 4, width, 1) for _ in range(blocks - 1)]
            setattr(self, f"layer{stage}", T.Sequential(*layer))
            channels = width * 4
        self.avgpool, self.fc = T.AdaptiveAvgPool2d(1), T.Linear(2048, classes)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(torch.flatten(self.avgpool(x), 1))


def test_resnet50_bottlenecks_load_and_compute_as_in_torch(server, tmp_path):
    torch.manual_seed(0)
    theirs = TorchResNet50(classes=7)
    randomize_statistics(theirs)
    path = tmp_path / "r50.pth"
    torch.save(theirs.state_dict(), path)
    server.publish("resnet50", path)
    ours = models.resnet50(num_classes=7, weights="IMAGENET1K_V1")
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert sum(p.numel() for p in ours.parameters()) == sum(p.numel() for p in theirs.parameters())
    same_outputs(ours, theirs, size=32, rtol=1e-3)


def test_a_download_whose_hash_does_not_match_is_refused_and_not_kept(server, tmp_path):
    path = tmp_path / "file.pth"
    torch.save(torch_vgg(models.vgg.VGG11_ARCH, False, 16, 10, 1).state_dict(), path)
    cached = server.publish("vgg11", path, prefix="00000000")
    with pytest.raises(_download.ChecksumError, match="(?s)expected 00000000.*nothing was kept"):
        models.vgg11(num_classes=10, image_size=32, hidden=16, weights="IMAGENET1K_V1")
    assert not cached.exists() and not cached.parent.exists()  # no file, no temporary file, no folder


def test_a_truncated_download_and_a_truncated_cache_are_refused_and_deleted(server, tmp_path):
    whole = tmp_path / "whole.pth"
    torch.save(torch_vgg(models.vgg.VGG11_ARCH, False, 16, 10, 1).state_dict(), whole)
    cut = tmp_path / "cut.pth"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    cached = server.publish("vgg11", whole)
    server.files[weights.TORCHVISION_URL + cached.name] = cut  # the server stops halfway
    with pytest.raises(_download.ChecksumError):
        models.vgg11(num_classes=10, image_size=32, hidden=16, weights="IMAGENET1K_V1")
    assert not cached.parent.exists() or list(cached.parent.iterdir()) == []
    # A cut-off file left in the cache (say, by a copy by hand) is found out, deleted and fetched again.
    server.files[weights.TORCHVISION_URL + cached.name] = whole
    cached.parent.mkdir(parents=True, exist_ok=True)
    cached.write_bytes(cut.read_bytes())
    net = models.vgg11(num_classes=10, image_size=32, hidden=16, weights="IMAGENET1K_V1")
    assert cached.read_bytes() == whole.read_bytes() and len(server.requests) == 2
    np.testing.assert_array_equal(net.classifier[6].bias.detach().numpy(),
                                  torch.load(whole)["classifier.6.bias"].numpy())


def test_offline_says_where_to_put_the_file(server):
    with pytest.raises(weights.WeightsNotFoundError, match=r"vgg11-8a719046\.pth.*put it at .*models"):
        models.vgg11(num_classes=10, image_size=32, hidden=16, weights="IMAGENET1K_V1")


def test_weights_that_do_not_fit_the_model_say_so(server, tmp_path):
    path = tmp_path / "file.pth"
    torch.save(torch_vgg(models.vgg.VGG11_ARCH, False, 16, 10, 1).state_dict(), path)
    server.publish("vgg11", path)
    with pytest.raises(RuntimeError, match=r"(?s)does not fit this model.*classifier\.6\.weight"):
        models.vgg11(num_classes=3, image_size=32, hidden=16, weights="IMAGENET1K_V1")


def test_the_table_names_torchvisions_files_for_every_builder():
    assert sorted(weights.TORCHVISION_FILES) == sorted(
        ["alexnet", "resnet18", "resnet34", "resnet50"] + [f"vgg{n}{bn}" for n in (11, 13, 16, 19)
                                                          for bn in ("", "_bn")])
    for arch, files in weights.TORCHVISION_FILES.items():
        builder = getattr(models, arch)
        assert {"weights", "pretrained"} <= set(inspect.signature(builder).parameters), arch
        for name in files.values():
            file = weights.torchvision_file(name)
            assert file.url == f"https://download.pytorch.org/models/{name}" and len(file.digest) == 8
            assert name.startswith(arch + "-") and name.endswith(f"-{file.digest}.pth")
    assert weights.torchvision_file("alexnet-owt-7be5be79.pth").digest == "7be5be79"


def test_weights_names_as_torchvision_spells_them():
    assert weights.resolve("vgg16") is None
    assert weights.resolve("vgg16", "IMAGENET1K_V1").name == "vgg16-397923af.pth"
    assert weights.resolve("vgg16", "VGG16_Weights.IMAGENET1K_V1").name == "vgg16-397923af.pth"
    assert weights.resolve("resnet50", "DEFAULT").name == "resnet50-11ad3fa6.pth"
    with pytest.warns(UserWarning, match="older spelling"):
        assert weights.resolve("resnet50", pretrained=True).name == "resnet50-0676ba61.pth"
    with pytest.raises(ValueError, match=r"no weights named 'IMAGENET1K_V2'.*'IMAGENET1K_V1', 'DEFAULT'"):
        weights.resolve("vgg16", "IMAGENET1K_V2")
    with pytest.raises(ValueError, match="not both"):
        weights.resolve("vgg16", "IMAGENET1K_V1", pretrained=True)
    with pytest.raises(ValueError, match="small=True"):
        models.alexnet(small=True, weights="IMAGENET1K_V1")


def test_pretrained_true_downloads_the_v1_file(server, tmp_path):
    path = tmp_path / "file.pth"
    torch.save(torch_vgg(models.vgg.VGG11_ARCH, False, 16, 10, 1).state_dict(), path)
    cached = server.publish("vgg11", path)
    with pytest.warns(UserWarning):
        models.vgg11(num_classes=10, image_size=32, hidden=16, pretrained=True)
    assert cached.exists()
