"""d2l's data store: ``DATA_HUB``, ``download`` and ``extract``, on glassnet's verified download.

``download(url, folder, sha1_hash)`` keeps d2l's signature: the file is
cached as ``<folder>/<file name>`` (``folder=None``: ``<data root>/d2l``),
checked against the SHA-1 and written through a temporary file that is
renamed only once it is whole and verified. A file that has a local
stand-in (``GLASSNET_D2L_TIME_MACHINE`` for timemachine.txt) is served from
there instead, since this data cannot be downloaded everywhere.
"""

import os
import tarfile
import zipfile
from pathlib import Path

from ..data.datasets._download import data_root
from ..data.datasets._verified import fetch_verified

DATA_URL = "http://d2l-data.s3-accelerate.amazonaws.com/"
# name -> (url, sha1), the entries of d2l's DATA_HUB that chapters 2-10 use
DATA_HUB = {
    "time_machine": (DATA_URL + "timemachine.txt", "090b5e7e70c295757f55df93cb0a180b9691891a"),
    "kaggle_house_train": (DATA_URL + "kaggle_house_pred_train.csv",
                           "585e9cc93e70b39160e7921475f9bcd7d31219ce"),
    "kaggle_house_test": (DATA_URL + "kaggle_house_pred_test.csv",
                          "fa19780a7b011d9b009e8bff8e99922a8ee2eb90"),
    "fra-eng": (DATA_URL + "fra-eng.zip", "94646ad1522d915e7b0f9296181140edcf86a4f5"),
}
STAND_INS = {"timemachine.txt": "GLASSNET_D2L_TIME_MACHINE"}


def download(url, folder=None, sha1_hash=None):
    """The local path of ``url``'s file, downloaded and SHA-1-checked if it is not cached yet."""
    name = url.split("/")[-1]
    stand_in = os.environ.get(STAND_INS.get(name, ""), "")
    if stand_in:
        return stand_in
    folder = Path(folder) if folder is not None else data_root() / "d2l"
    if sha1_hash is None:
        raise ValueError(f"download: no SHA-1 for {url}; glassnet keeps only files it can verify")
    path, _, _ = fetch_verified(folder.name, (name,), (url,), {sha1_hash: name}, algorithm="sha1",
                                root=folder.parent)
    return str(path)


def extract(filename, folder=None):
    """Unpack a .zip, .tar or .tar.gz next to it (or into ``folder``); returns the folder."""
    base = Path(filename).parent if folder is None else Path(folder)
    if str(filename).endswith(".zip"):
        with zipfile.ZipFile(filename) as archive:
            archive.extractall(base)
    elif str(filename).endswith((".tar", ".gz")):
        with tarfile.open(filename) as archive:
            archive.extractall(base, filter="data")
    else:
        raise ValueError(f"extract: only zip/tar/gz archives can be extracted, got {filename}")
    return str(base)


def download_extract(name, folder=None):
    """Download ``DATA_HUB[name]``, extract it, and return the extracted folder."""
    url, sha1 = DATA_HUB[name]
    path = download(url, sha1_hash=sha1)
    base = Path(path).parent
    target = Path(path).name.split(".")[0]
    extract(path, base)
    return str(base / (folder or target))
