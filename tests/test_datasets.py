"""Dataset loaders: the real files when present, tiny written files for every failure path.

No test touches the network: downloads are served from local bytes by
replacing ``_download.urlopen``.
"""

import csv
import gzip
import hashlib
import io
import urllib.error
from pathlib import Path

import numpy as np
import pytest
from conftest import data_dir

from glassnet.data import datasets
from glassnet.data.datasets import _download, boston, churn, mnist

MNIST_FILES = ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
               "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]


# Captured before any test points GLASSNET_DATA at a temporary folder.
REAL_ROOT = data_dir()


def real(folder):
    root = REAL_ROOT
    if root is None or not (root / folder).is_dir():
        pytest.skip(f"real data not available: GLASSNET_DATA has no '{folder}/' folder")
    return root


def sha(data):
    return hashlib.sha256(data).hexdigest()


def idx_bytes(array, magic_type=0x08):
    header = bytes([0, 0, magic_type, array.ndim]) + b"".join(d.to_bytes(4, "big") for d in array.shape)
    return header + array.astype(">u1").tobytes()


@pytest.fixture
def tmp_root(tmp_path, monkeypatch):
    monkeypatch.setenv("GLASSNET_DATA", str(tmp_path))
    return tmp_path


def write_tiny_mnist(root, monkeypatch, folder="mnist", n_train=7, n_test=3):
    """Tiny IDX files in ``root/folder``, with the expected hashes patched to theirs."""
    rng = np.random.default_rng(1)
    (root / folder).mkdir(parents=True, exist_ok=True)
    arrays = {}
    for split, n in (("train", n_train), ("t10k", n_test)):
        arrays[split] = (rng.integers(0, 256, (n, 28, 28), dtype=np.uint8),
                         rng.integers(0, 10, n, dtype=np.uint8))
        for kind, array in zip(("images-idx3", "labels-idx1"), arrays[split]):
            name = f"{split}-{kind}-ubyte.gz"
            content = idx_bytes(array)
            (root / folder / name).write_bytes(gzip.compress(content))
            monkeypatch.setattr(_download.REGISTRY[folder][name], "sha256", sha(content))
    return arrays


class FakeWeb:
    """Stands in for urllib: serves registered bytes, fails for unknown URLs."""

    def __init__(self):
        self.pages, self.requested = {}, []

    def __call__(self, url, timeout=None):
        self.requested.append(url)
        if url not in self.pages:
            raise urllib.error.URLError("no network in tests")
        return io.BytesIO(self.pages[url])


@pytest.fixture
def web(monkeypatch):
    fake = FakeWeb()
    monkeypatch.setattr(_download, "urlopen", fake)
    return fake


def no_leftovers(folder):
    return [p.name for p in Path(folder).iterdir() if p.name.endswith(".part")] == []


# ---------------------------------------------------------------- real data
@pytest.mark.parametrize("module,folder", [(mnist, "mnist"), (datasets.fashion_mnist, "fashion-mnist")])
def test_real_idx_datasets(module, folder):
    real(folder)
    (x_train, y_train), (x_test, y_test) = module.load_data()
    assert x_train.shape == (60000, 28, 28) and x_test.shape == (10000, 28, 28)
    assert x_train.dtype == np.uint8 and y_train.dtype == np.uint8
    assert y_train.min() == 0 and y_train.max() == 9 and set(np.unique(y_test)) == set(range(10))
    assert x_train.max() == 255 and x_train.min() == 0
    if folder == "mnist":  # the well-known per-digit counts of MNIST's training set
        assert np.bincount(y_train).tolist() == [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    else:  # Fashion-MNIST is exactly balanced
        assert np.bincount(y_train).tolist() == [6000] * 10 and np.bincount(y_test).tolist() == [1000] * 10


def test_real_mnist_dataset_class():
    real("mnist")
    train, test = datasets.MNIST(train=True), datasets.MNIST(train=False, transform=lambda im: im / 255.0)
    assert len(train) == 60000 and len(test) == 10000
    assert train.data.dtype == np.uint8 and train.targets.dtype == np.int64
    image, label = test[0]
    assert image.shape == (28, 28) and image.max() <= 1.0 and isinstance(label, int)
    assert train.arrays[0] is train.data and test.arrays is None


@pytest.mark.parametrize("folder", ["mnist", "fashion-mnist", "boston", "churn"])
def test_real_checksums_pass(folder):
    root = real(folder)
    for name, resource in _download.REGISTRY[folder].items():
        content = _download.read_content(root / folder / name, resource.gzip)
        assert sha(content) == resource.sha256, f"{folder}/{name}"


def test_real_boston():
    real("boston")
    x, y, names = datasets.load_boston()
    assert x.shape == (506, 13) and y.shape == (506,) and len(names) == 13
    assert names[0] == "CRIM" and names[-1] == "LSTAT"
    assert 5.0 <= y.min() and y.max() == 50.0
    (x_train, y_train), (x_test, y_test) = datasets.boston_housing.load_data()
    assert x_train.shape == (404, 13) and x_test.shape == (102, 13)
    # Keras' split with seed 113 starts with these two towns.
    assert x_train[0, 0] == 1.23247 and y_train[0] == 15.2
    assert x_test[0, 0] == 18.0846 and y_test[0] == 7.2
    assert sorted(np.concatenate([y_train, y_test]).tolist()) == sorted(y.tolist())


def test_real_churn():
    real("churn")
    table = datasets.read_churn()
    assert len(table["churn"]) == 7043 and (table["churn"] == "Yes").sum() == 1869
    blank = table["total_charges"] == ""
    assert blank.sum() == 11 and set(table["tenure"][blank]) == {"0"}
    data = datasets.load_churn()
    assert len(data.y_train) + len(data.y_test) == 7043
    assert data.y_train.sum() + data.y_test.sum() == 1869 and data.y_train.dtype == np.int64
    assert abs(len(data.y_test) - 0.2 * 7043) <= 2 and abs(data.y_test.mean() - 1869 / 7043) < 0.002
    assert data.x_train.dtype == np.float32 and data.x_train.shape[1] == len(data.feature_names)
    assert data.info["blank_total_charges"] == 11 and not np.isnan(data.x_train).any()
    numeric = [data.feature_names.index(n) for n in churn.NUMERIC]
    np.testing.assert_allclose(data.x_train[:, numeric].mean(0), 0, atol=1e-5)
    np.testing.assert_allclose(data.x_train[:, numeric].std(0), 1, atol=1e-4)
    assert "contract=Two year" in data.feature_names and data.x_train[:, 9:].max() == 1.0


def to_ibm_layout(cached_bytes):
    """Rewrite the cached churn CSV in IBM's column layout (the inverse of ``from_ibm_csv``)."""
    rows = list(csv.DictReader(io.StringIO(cached_bytes.decode())))
    out = io.StringIO()
    out.write("customerID,gender,SeniorCitizen,Partner,Dependents,tenure,PhoneService,MultipleLines,"
              "InternetService,OnlineSecurity,OnlineBackup,DeviceProtection,TechSupport,StreamingTV,"
              "StreamingMovies,Contract,PaperlessBilling,PaymentMethod,MonthlyCharges,TotalCharges,Churn\r\n")
    yes = {"1.0": "Yes", "0.0": "No"}
    for i, r in enumerate(rows):
        fields = [f"{i:04d}-ABCDE", "Female" if r["female"] == "1.0" else "Male", r["senior_citizen"],
                  yes[r["partner"]], yes[r["dependents"]], r["tenure"], yes[r["phone_service"]],
                  r["multiple_lines"], r["internet_service"], r["online_security"], r["online_backup"],
                  r["device_protection"], r["tech_support"], r["streaming_tv"], r["streaming_movies"],
                  r["contract"], yes[r["paperless_billing"]], r["payment_method"],
                  r["monthly_charges"], r["total_charges"] or " ", r["churn"]]
        out.write(",".join(fields) + "\r\n")
    return out.getvalue().encode()


def test_real_churn_download_converts_ibm_layout(tmp_root, web):
    """The IBM CSV layout, rebuilt from the real cached file, converts back to identical bytes."""
    cached = (real("churn") / "churn" / churn.FILE).read_bytes()
    web.pages[churn._IBM_URL] = to_ibm_layout(cached)
    data = datasets.load_churn(root=tmp_root)
    assert (tmp_root / "churn" / churn.FILE).read_bytes() == cached
    assert data.info["rows"] == 7043 and no_leftovers(tmp_root / "churn")


def test_real_boston_download_drops_sklearn_count_line(tmp_root, web):
    cached = (real("boston") / "boston" / boston.FILE).read_bytes()
    url = _download.REGISTRY["boston"][boston.FILE].urls[1]  # the first mirror is down
    web.pages[url] = b"506,13,,,,,,,,,,,,\r\n" + cached
    x, _, _ = datasets.load_boston()
    assert x.shape == (506, 13) and (tmp_root / "boston" / boston.FILE).read_bytes() == cached
    assert len(web.requested) == 2


# ------------------------------------------------------------- tiny files
def test_tiny_mnist_loads(tmp_root, monkeypatch):
    arrays = write_tiny_mnist(tmp_root, monkeypatch)
    ds = datasets.MNIST(train=True, download=False)
    np.testing.assert_array_equal(ds.data, arrays["train"][0])
    np.testing.assert_array_equal(ds.targets, arrays["train"][1])
    assert ds.targets.dtype == np.int64 and len(ds) == 7
    (_, _), (x_test, y_test) = mnist.load_data(download=False)
    assert x_test.shape == (3, 28, 28) and y_test.dtype == np.uint8


def test_missing_files_without_download(tmp_root):
    with pytest.raises(datasets.DatasetNotFoundError) as err:
        datasets.FashionMNIST(download=False)
    message = str(err.value)
    assert str(tmp_root / "fashion-mnist") in message and "GLASSNET_DATA" in message
    assert all(name in message for name in MNIST_FILES) and "download=False" in message


def test_offline_download_says_where_to_put_files(tmp_root, web):
    with pytest.raises(datasets.DatasetNotFoundError) as err:
        datasets.load_boston()
    message = str(err.value)
    assert "no network in tests" in message and boston.FILE in message and "GLASSNET_DATA" in message
    # The folder made for the download is taken back: an empty one would look like a dataset.
    assert not (tmp_root / "boston").exists()
    with pytest.raises(datasets.DatasetNotFoundError):
        datasets.reuters.load_data()  # the checksum-list loaders (Keras's files) too
    assert not (tmp_root / "reuters").exists()


def test_checksum_mismatch_in_cache_is_reported_and_deleted(tmp_root, monkeypatch):
    write_tiny_mnist(tmp_root, monkeypatch)
    path = tmp_root / "mnist" / "train-labels-idx1-ubyte.gz"
    path.write_bytes(gzip.compress(idx_bytes(np.zeros(7, np.uint8))))
    with pytest.raises(datasets.ChecksumError) as err:
        datasets.MNIST(download=False)
    message = str(err.value)
    expected = _download.REGISTRY["mnist"][path.name].sha256
    got = sha(idx_bytes(np.zeros(7, np.uint8)))
    assert str(path) in message and expected in message and got in message and "deleted" in message
    assert not path.exists()


def test_bad_magic_is_reported(tmp_root, monkeypatch):
    write_tiny_mnist(tmp_root, monkeypatch)
    name = "t10k-images-idx3-ubyte.gz"
    content = bytearray(idx_bytes(np.zeros((3, 28, 28), np.uint8)))
    content[2] = 0x42
    (tmp_root / "mnist" / name).write_bytes(gzip.compress(bytes(content)))
    monkeypatch.setattr(_download.REGISTRY["mnist"][name], "sha256", sha(bytes(content)))
    expected = r"mnist/t10k-images-idx3-ubyte.gz: bad IDX magic.*0x00004203"
    with pytest.raises(datasets.IDXFormatError, match=expected):
        datasets.MNIST(train=False, download=False)


def test_idx_parser_checks_header_and_payload():
    images = np.arange(2 * 3 * 4).reshape(2, 3, 4).astype(np.uint8)
    np.testing.assert_array_equal(mnist.parse_idx(idx_bytes(images)), images)
    good = idx_bytes(images)
    truncated = r"f.idx: file truncated.*\(2, 3, 4\).*24 payload bytes, got 23"
    with pytest.raises(datasets.IDXFormatError, match=truncated):
        mnist.parse_idx(good[:-1], "f.idx")
    with pytest.raises(datasets.IDXFormatError, match="trailing bytes"):
        mnist.parse_idx(good + b"\0", "f.idx")
    with pytest.raises(datasets.IDXFormatError, match="truncated header"):
        mnist.parse_idx(good[:9], "f.idx")
    with pytest.raises(datasets.IDXFormatError, match="too short"):
        mnist.parse_idx(b"\0\0", "f.idx")
    with pytest.raises(datasets.IDXFormatError, match="has 3 dimensions.*expected 1"):
        mnist.parse_idx(good, "f.idx", ndim=1)
    wide = np.array([[1, -2], [300, 4]], dtype=">i4")
    raw = bytes([0, 0, 0x0C, 2]) + (2).to_bytes(4, "big") * 2 + wide.tobytes()
    np.testing.assert_array_equal(mnist.parse_idx(raw), wide)


def test_truncated_gzip_is_reported_and_deleted(tmp_root, monkeypatch):
    write_tiny_mnist(tmp_root, monkeypatch)
    path = tmp_root / "mnist" / "train-images-idx3-ubyte.gz"
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(datasets.ChecksumError, match="not a complete gzip file"):
        datasets.MNIST(download=False)
    assert not path.exists()


def test_idx_count_mismatch_between_images_and_labels(tmp_root, monkeypatch):
    write_tiny_mnist(tmp_root, monkeypatch)
    labels = idx_bytes(np.zeros(5, np.uint8))
    (tmp_root / "mnist" / "train-labels-idx1-ubyte.gz").write_bytes(gzip.compress(labels))
    monkeypatch.setattr(_download.REGISTRY["mnist"]["train-labels-idx1-ubyte.gz"], "sha256", sha(labels))
    with pytest.raises(datasets.IDXFormatError, match="7 images but .* 5 labels"):
        datasets.MNIST(download=False)


def test_download_verifies_and_moves_into_place(tmp_root, monkeypatch, web):
    source = tmp_root / "source"
    arrays = write_tiny_mnist(source, monkeypatch)
    for name in MNIST_FILES:  # serve from the second mirror only: the first one fails
        web.pages[_download.REGISTRY["mnist"][name].urls[1]] = (source / "mnist" / name).read_bytes()
    ds = datasets.MNIST(train=False)
    np.testing.assert_array_equal(ds.data, arrays["t10k"][0])
    assert (tmp_root / "mnist" / "t10k-images-idx3-ubyte.gz").is_file() and no_leftovers(tmp_root / "mnist")
    assert web.requested[0].startswith("https://ossci-datasets.s3.amazonaws.com/")
    assert not (tmp_root / "mnist" / "train-images-idx3-ubyte.gz").exists()  # only what was asked for
    info = {i.name: i for i in datasets.available()}
    assert not info["mnist"].cached and info["mnist"].missing == MNIST_FILES[:2]


def test_download_with_wrong_bytes_keeps_nothing(tmp_root, web):
    for resource in _download.REGISTRY["fashion-mnist"].values():
        web.pages[resource.urls[0]] = gzip.compress(b"\0\0\x08\x01" + b"\0\0\0\x01" + b"\x07")
    with pytest.raises(datasets.ChecksumError) as err:
        datasets.FashionMNIST()
    message = str(err.value)
    resource = _download.REGISTRY["fashion-mnist"]["train-images-idx3-ubyte.gz"]
    assert resource.sha256 in message and "nothing was kept" in message and resource.urls[0] in message
    assert not (tmp_root / "fashion-mnist").exists()  # not even the folder made for it


def test_corrupt_cache_is_downloaded_again(tmp_root, monkeypatch, web):
    arrays = write_tiny_mnist(tmp_root / "source", monkeypatch)
    (tmp_root / "mnist").mkdir()
    for name in MNIST_FILES:
        good = (tmp_root / "source" / "mnist" / name).read_bytes()
        web.pages[_download.REGISTRY["mnist"][name].urls[0]] = good
        (tmp_root / "mnist" / name).write_bytes(good[:-5])
    (x, y), _ = mnist.load_data()
    np.testing.assert_array_equal(y, arrays["train"][1])
    assert len(web.requested) == 4


def test_tiny_csv_datasets_and_available(tmp_root, monkeypatch):
    assert {i.name for i in datasets.available()} == {
        "mnist", "fashion-mnist", "boston", "churn", "digits", "cifar-10", "imdb", "reuters",
    }
    (tmp_root / "boston").mkdir()
    header = '"CRIM","ZN","INDUS","CHAS","NOX","RM","AGE","DIS","RAD","TAX","PTRATIO","B","LSTAT","MEDV"\r\n'
    rows = "".join(",".join(str(i + j) for j in range(14)) + "\r\n" for i in range(10))
    data = (header + rows).encode()
    (tmp_root / "boston" / boston.FILE).write_bytes(data)
    monkeypatch.setattr(_download.REGISTRY["boston"][boston.FILE], "sha256", sha(data))
    x, y, names = datasets.load_boston(download=False)
    assert x.shape == (10, 13) and y[3] == 16 and names[-1] == "LSTAT"
    (x_train, _), (x_test, _) = datasets.boston_housing.load_data(test_split=0.3, download=False)
    assert len(x_train) == 7 and len(x_test) == 3
    info = {i.name: i for i in datasets.available()}
    assert info["boston"].cached and info["boston"].path == tmp_root / "boston" and not info["churn"].cached


def test_tiny_churn_preprocessing(tmp_root, monkeypatch):
    (tmp_root / "churn").mkdir()
    lines = [",".join(churn.COLUMNS)]
    for i in range(20):
        tenure = i % 5
        total = "" if tenure == 0 else repr(tenure * 20.5)
        lines.append(",".join([
            "Yes" if i % 4 == 0 else "No", "1.0", "0", "0.0", "1.0", str(tenure), "1.0", "No", "DSL",
            "No", "Yes", "No", "No", "No", "No", ["Month-to-month", "Two year"][i % 2], "1.0",
            "Mailed check", "20.5", total]))
    data = ("\n".join(lines) + "\n").encode()
    (tmp_root / "churn" / churn.FILE).write_bytes(data)
    monkeypatch.setattr(_download.REGISTRY["churn"][churn.FILE], "sha256", sha(data))
    out = datasets.load_churn(test_split=0.25, seed=3, download=False)
    assert len(out.y_train) == 15 and out.y_test.sum() == 1 and out.info["blank_total_charges"] == 4
    assert "contract=Two year" in out.feature_names and "total_charges" in out.feature_names
    x, y, x2, y2, names, info = out  # a plain tuple too
    assert x.shape == (15, len(names)) and "standardised" in info["preprocessing"]
    with pytest.raises(ValueError, match="test_split"):
        datasets.load_churn(test_split=1.5, download=False)
