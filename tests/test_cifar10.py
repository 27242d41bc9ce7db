"""CIFAR-10 loader on a tiny archive in the binary format, written by the tests (random test images).

No test touches the network: downloads are served from local bytes by
replacing ``_download.urlopen``; the checksum tables are patched to the
tiny archive's hashes.
"""

import hashlib
import io
import tarfile
import urllib.error

import numpy as np
import pytest

from glassnet.data.datasets import ChecksumError, DatasetNotFoundError, _download, available, cifar10
from glassnet.data.datasets.cifar10 import ARCHIVE, CIFAR10, CIFARFormatError, parse_batch

FILES = cifar10.TRAIN_FILES + cifar10.TEST_FILES


def records(images, labels):
    """Binary-format bytes: per image one label byte, then the R, G and B planes row by row."""
    planes = images.transpose(0, 3, 1, 2).reshape(len(images), -1)
    return np.concatenate([labels[:, None], planes], axis=1).astype(np.uint8).tobytes()


def tiny_archive(per_file=2, extra_members=()):
    """A .tar.gz laid out like cifar-10-binary.tar.gz, holding random fixture images."""
    rng = np.random.default_rng(0)
    arrays, buffer = {}, io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name in FILES:
            images = rng.integers(0, 256, (per_file, 32, 32, 3), dtype=np.uint8)
            labels = rng.integers(0, 10, per_file, dtype=np.uint8)
            arrays[name] = (images, labels)
            payload = records(images, labels)
            info = tarfile.TarInfo(f"{cifar10.MEMBER_DIR}/{name}")
            info.size = len(payload)
            tar.addfile(info, io.BytesIO(payload))
        for info, payload in extra_members:
            tar.addfile(info, io.BytesIO(payload))
    return buffer.getvalue(), arrays


@pytest.fixture
def root(tmp_path, monkeypatch):
    monkeypatch.setenv("GLASSNET_DATA", str(tmp_path))
    return tmp_path


def patch_checksums(monkeypatch, content):
    resource = _download.REGISTRY["cifar-10"][ARCHIVE]
    monkeypatch.setattr(resource, "sha256", hashlib.sha256(content).hexdigest())
    monkeypatch.setitem(cifar10.MD5, ARCHIVE, hashlib.md5(content).hexdigest())


def cache(root, content):
    (root / "cifar-10").mkdir(exist_ok=True)
    (root / "cifar-10" / ARCHIVE).write_bytes(content)


def test_parse_batch_layout():
    images = np.zeros((1, 32, 32, 3), np.uint8)
    images[0, 1, 2] = (10, 20, 30)  # row 1, column 2, RGB
    got, labels = parse_batch(records(images, np.array([7])))
    assert got.shape == (1, 32, 32, 3) and labels.tolist() == [7]
    assert got[0, 1, 2].tolist() == [10, 20, 30] and got.sum() == 60
    with pytest.raises(CIFARFormatError, match="3073-byte records"):
        parse_batch(b"\x00" * 3000)
    with pytest.raises(CIFARFormatError, match="label 12"):
        parse_batch(bytes([12]) + bytes(3072))


def test_tiny_archive_loads_and_is_extracted(root, monkeypatch):
    content, arrays = tiny_archive()
    patch_checksums(monkeypatch, content)
    cache(root, content)
    train = CIFAR10(train=True, download=False)
    assert train.data.shape == (10, 32, 32, 3) and train.data.dtype == np.uint8
    assert train.targets.dtype == np.int64 and len(train) == 10
    np.testing.assert_array_equal(train.data[:2], arrays["data_batch_1.bin"][0])
    np.testing.assert_array_equal(train.targets[8:], arrays["data_batch_5.bin"][1])
    assert train.classes[0] == "airplane" and len(train.classes) == 10
    image, label = train[3]
    assert image.shape == (32, 32, 3) and label == int(arrays["data_batch_2.bin"][1][1])
    test = CIFAR10(train=False, download=False, channels_first=True)
    np.testing.assert_array_equal(test.data, arrays["test_batch.bin"][0].transpose(0, 3, 1, 2))
    assert sorted(p.name for p in (root / "cifar-10" / cifar10.MEMBER_DIR).iterdir()) == sorted(FILES)
    # Extracted files are read from then on, without the archive.
    (root / "cifar-10" / ARCHIVE).unlink()
    (x_train, y_train), (x_test, y_test) = cifar10.load_data(download=False)
    assert x_train.shape == (10, 32, 32, 3) and y_train.shape == (10, 1) and y_test.dtype == np.uint8
    np.testing.assert_array_equal(x_test, arrays["test_batch.bin"][0])


def test_missing_archive_without_download_says_where_to_put_it(root):
    with pytest.raises(DatasetNotFoundError) as err:
        CIFAR10(download=False)
    message = str(err.value)
    assert ARCHIVE in message and str(root / "cifar-10") in message and "GLASSNET_DATA" in message
    assert "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz" in message


def test_checksum_mismatch_is_reported_and_deleted(root, monkeypatch):
    content, _ = tiny_archive()
    patch_checksums(monkeypatch, content)
    cache(root, content[:-10] + b"0123456789")
    with pytest.raises(ChecksumError, match="SHA-256 mismatch"):
        cifar10.load_data(download=False)
    assert not (root / "cifar-10" / ARCHIVE).exists()


class FakeWeb:
    def __init__(self, pages):
        self.pages, self.requested = pages, []

    def __call__(self, url, timeout=None):
        self.requested.append(url)
        if url not in self.pages:
            raise urllib.error.URLError("no network in tests")
        return io.BytesIO(self.pages[url])


def test_download_checks_md5_and_sha256(root, monkeypatch):
    content, arrays = tiny_archive(per_file=1)
    patch_checksums(monkeypatch, content)
    url = _download.REGISTRY["cifar-10"][ARCHIVE].urls[0]
    web = FakeWeb({url: content})
    monkeypatch.setattr(_download, "urlopen", web)
    (x, y), _ = cifar10.load_data()
    assert web.requested == [url] and x.shape == (5, 32, 32, 3)
    assert (root / "cifar-10" / ARCHIVE).read_bytes() == content
    # A download whose MD5 is wrong is rejected even if the SHA-256 table were fooled.
    for path in (root / "cifar-10").rglob("*"):
        if path.is_file():
            path.unlink()
    monkeypatch.setitem(cifar10.MD5, ARCHIVE, "0" * 32)
    with pytest.raises(ChecksumError, match="MD5 mismatch"):
        CIFAR10()
    assert not (root / "cifar-10" / ARCHIVE).exists()


def test_link_member_is_refused(root, monkeypatch):
    link = tarfile.TarInfo(f"{cifar10.MEMBER_DIR}/data_batch_1.bin")
    link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
    content, _ = tiny_archive(extra_members=[(link, b"")])  # a later member of the same name wins
    patch_checksums(monkeypatch, content)
    cache(root, content)
    with pytest.raises(CIFARFormatError, match="not a regular file"):
        CIFAR10(download=False)
    assert not (root / "cifar-10" / cifar10.MEMBER_DIR / "data_batch_1.bin").exists()


def test_listed_in_available(root):
    info = {i.name: i for i in available()}["cifar-10"]
    assert info.files == [ARCHIVE] and not info.cached
