"""Pretrained weights: torchvision's published ``.pth`` files for the zoo, fetched, checked and cached.

``glassnet.models.vgg16(weights='IMAGENET1K_V1')`` downloads the file
torchvision publishes for ``torchvision.models.vgg16`` from
download.pytorch.org, checks it, keeps it in ``<data root>/models/`` and
loads it with ``glassnet.io.pth`` (a reader that never runs code from the
file). The zoo's models have torchvision's layout and parameter names, so
the state dict loads one to one.

torchvision names each file after the first eight hex digits of its
SHA-256 (``vgg16-397923af.pth``), and that prefix is all it publishes, so
that is what is checked, as ``torch.hub`` checks it. Keras publishes full
MD5 digests for its files (``glassnet.keras.applications``), which go
through the same ``fetch``.

The rules are the datasets' (``glassnet/data/datasets/_download.py``): a
download goes to a temporary file beside its final name and is renamed into
place only after its digest matched (``glassnet.io.atomic``); a cached file
is checked again at every use, and one that fails is deleted and fetched
again, so a truncated or tampered file is never trusted.
"""

import hashlib
import http.client
import re
import sys
import warnings
from dataclasses import dataclass

from ..data.datasets import _download
from ..data.datasets._download import ChecksumError, data_root
from ..io import pth
from ..io.atomic import atomic_path

TORCHVISION_URL = "https://download.pytorch.org/models/"
CACHE_FOLDER = "models"  # under the data root, beside the datasets (Keras: ~/.keras/models)

# Model builder -> {weights name: file name}, as torchvision's *_Weights enums list them.
TORCHVISION_FILES = {
    "alexnet": {"IMAGENET1K_V1": "alexnet-owt-7be5be79.pth"},
    "vgg11": {"IMAGENET1K_V1": "vgg11-8a719046.pth"},
    "vgg11_bn": {"IMAGENET1K_V1": "vgg11_bn-6002323d.pth"},
    "vgg13": {"IMAGENET1K_V1": "vgg13-19584684.pth"},
    "vgg13_bn": {"IMAGENET1K_V1": "vgg13_bn-abd245e5.pth"},
    "vgg16": {"IMAGENET1K_V1": "vgg16-397923af.pth"},
    "vgg16_bn": {"IMAGENET1K_V1": "vgg16_bn-6c64b313.pth"},
    "vgg19": {"IMAGENET1K_V1": "vgg19-dcbb9e9d.pth"},
    "vgg19_bn": {"IMAGENET1K_V1": "vgg19_bn-c79401a0.pth"},
    "resnet18": {"IMAGENET1K_V1": "resnet18-f37072fd.pth"},
    "resnet34": {"IMAGENET1K_V1": "resnet34-b627a593.pth"},
    "resnet50": {"IMAGENET1K_V1": "resnet50-0676ba61.pth", "IMAGENET1K_V2": "resnet50-11ad3fa6.pth"},
}
# torchvision's DEFAULT: the best weights of each model (only ResNet-50 has two).
DEFAULT = {"resnet50": "IMAGENET1K_V2"}
_HASH_IN_NAME = re.compile(r"-([a-f0-9]{8,})\.")  # torch.hub's rule: the hex run before the extension


class WeightsNotFoundError(FileNotFoundError):
    """A weights file is not cached and could not be downloaded (offline, or the server failed)."""


@dataclass(frozen=True)
class WeightFile:
    """One published file: its cache name, URL, and digest (whole, or the prefix torchvision publishes)."""

    name: str
    url: str
    digest: str
    algorithm: str = "sha256"

    def matches(self, got):
        return got[: len(self.digest)] == self.digest


def torchvision_file(file_name):
    """The ``WeightFile`` of a torchvision file name, its SHA-256 prefix read from the name."""
    found = _HASH_IN_NAME.search(file_name)
    if found is None:
        raise ValueError(f"{file_name!r} carries no SHA-256 prefix in its name")
    return WeightFile(file_name, TORCHVISION_URL + file_name, found.group(1))


def _file_digest(path, algorithm):
    h = hashlib.new(algorithm)
    with open(path, "rb") as f:
        while chunk := f.read(_download._CHUNK):
            h.update(chunk)
    return h.hexdigest()


def _stream(url, target, algorithm):
    """Copy ``url`` into the file ``target``; return the digest of what arrived."""
    h = hashlib.new(algorithm)
    with open(target, "wb") as out, _download.urlopen(url, timeout=60) as response:
        while chunk := response.read(_download._CHUNK):
            h.update(chunk)
            out.write(chunk)
    return h.hexdigest()


def _mismatch(file, got, where):
    return ChecksumError(f"{file.algorithm.upper()} mismatch for {where}:\n  expected {file.digest}"
                         f"{'...' if len(file.digest) < len(got) else ''}\n  got      {got}\n"
                         "The file is corrupt, truncated or not the published one")


def fetch(file, root=None, who="glassnet"):
    """The path of ``file`` verified in ``<root>/models/``: from the cache, else downloaded."""
    directory = data_root(root) / CACHE_FOLDER
    path = directory / file.name
    if path.is_file():
        got = _file_digest(path, file.algorithm)
        if file.matches(got):
            return path
        note = _download._remove(path)
        print(f"{_mismatch(file, got, f'the cached {path}')}.{note} Downloading it again.", file=sys.stderr)
    created = _download.make_folder(directory)
    print(f"Downloading {file.url} -> {path}", file=sys.stderr)
    try:
        with atomic_path(path, who) as temp:  # renamed into place only if the block ends without error
            got = _stream(file.url, temp, file.algorithm)
            if not file.matches(got):
                raise _mismatch(file, got, f"the download of {file.url}")
    except ChecksumError as error:
        if created:
            _download.remove_if_empty(directory)
        raise ChecksumError(f"{who}: {error}; nothing was kept") from None
    except (OSError, http.client.HTTPException) as error:  # URLError, HTTPError, timeouts, cut-offs
        if created:
            _download.remove_if_empty(directory)
        raise WeightsNotFoundError(
            f"{who}: could not download {file.url} ({error}). On a machine that is online, download it "
            f"and put it at {path} (or point $GLASSNET_DATA at a folder with a '{CACHE_FOLDER}/' "
            "subfolder holding it)") from error
    return path


def resolve(arch, weights=None, pretrained=False):
    """The ``WeightFile`` that ``weights=`` (or the legacy ``pretrained=True``) names, or None."""
    who = f"glassnet.models.{arch}"
    if pretrained:
        if weights is not None:
            raise ValueError(f"{who}: pass weights= or the older pretrained=True, not both")
        warnings.warn(f"{who}: pretrained=True is torchvision's older spelling of weights='IMAGENET1K_V1'",
                      UserWarning, stacklevel=3)
        weights = "IMAGENET1K_V1"
    if weights is None:
        return None
    published = TORCHVISION_FILES.get(arch, {})
    if not isinstance(weights, str):  # a torchvision Weights enum member, if torchvision is around
        weights = getattr(weights, "name", weights)
    name = str(weights).rsplit(".", 1)[-1]  # 'VGG16_Weights.IMAGENET1K_V1' -> 'IMAGENET1K_V1'
    if name == "DEFAULT":
        name = DEFAULT.get(arch, "IMAGENET1K_V1")
    if name not in published:
        raise ValueError(f"{who}: no weights named {weights!r}; torchvision publishes "
                         f"{sorted(published) + ['DEFAULT'] if published else 'none for this model'}")
    return torchvision_file(published[name])


def load_pretrained(model, arch, weights=None, pretrained=False, root=None):
    """Give ``model`` the published weights ``weights`` names (nothing when None); return it."""
    file = resolve(arch, weights, pretrained)
    if file is None:
        return model
    who = f"glassnet.models.{arch}"
    state = pth.load(fetch(file, root, who))
    try:
        model.load_state_dict(state)
    except RuntimeError as error:
        raise RuntimeError(f"{who}: the file {file.name} does not fit this model; torchvision's weights "
                           f"are for the default arguments (num_classes=1000, in_channels=3).\n{error}"
                           ) from None
    return model
