"""Where datasets live on disk, and how they get there safely.

Every dataset file has a ``Resource``: its name inside the dataset's folder,
the public URLs it comes from, and the SHA-256 of its *content*. ``fetch``
returns that content verified, from the cache when the file is there,
otherwise downloaded. Downloads go to a temporary file next to the target and
are renamed into place only after the checksum passed, so an interrupted or
tampered download never leaves a file behind that a later run would trust.
"""

import contextlib
import gzip
import hashlib
import http.client
import os
import sys
import tempfile
import urllib.request
import zlib
from dataclasses import dataclass
from pathlib import Path

DATA_ENV = "GLASSNET_DATA"
_CHUNK = 1 << 20

# Tests replace this to serve bytes without a network.
urlopen = urllib.request.urlopen


class DatasetNotFoundError(FileNotFoundError):
    """A dataset file is neither cached nor downloadable (``download=False`` or offline)."""


class ChecksumError(OSError):
    """A file's SHA-256 is not the published one: the file is corrupt, truncated or different."""


@dataclass
class Resource:
    """One file of a dataset.

    ``sha256`` is the hash of the content a loader reads: for ``gzip=True``
    files the *uncompressed* bytes (re-gzipping changes the ``.gz`` bytes but
    not the data). ``convert``, when given, turns the downloaded bytes into
    the bytes stored on disk (e.g. a source CSV into the cached layout).
    """

    name: str
    urls: tuple
    sha256: str
    gzip: bool = False
    convert: object = None


# folder name -> {file name -> Resource}; filled by each dataset module.
REGISTRY = {}


def register(folder, resources):
    REGISTRY[folder] = {r.name: r for r in resources}
    return REGISTRY[folder]


def data_root(root=None):
    """The folder that holds one subfolder per dataset.

    ``root`` if given, else ``$GLASSNET_DATA``, else ``~/.cache/glassnet``.
    """
    if root is not None:
        return Path(root).expanduser()
    env = os.environ.get(DATA_ENV)
    if env:
        return Path(env).expanduser()
    return Path.home() / ".cache" / "glassnet"


def sha256_hex(data):
    return hashlib.sha256(data).hexdigest()


def read_content(path, gzipped):
    """The bytes a loader parses: the file itself, or its decompressed payload."""
    raw = Path(path).read_bytes()
    if not gzipped:
        return raw
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as err:
        raise ChecksumError(
            f"{path}: not a complete gzip file ({err}); the file is corrupt or truncated"
        ) from err


def _check(content, resource, where):
    got = sha256_hex(content)
    if got != resource.sha256:
        what = "uncompressed content of " if resource.gzip else ""
        raise ChecksumError(
            f"SHA-256 mismatch for the {what}{where}:\n"
            f"  expected {resource.sha256}\n"
            f"  got      {got}\n"
            "The file is corrupt, truncated or not the published one"
        )


def _remove(path):
    """Delete a file that failed its check; say so if it cannot be deleted."""
    try:
        Path(path).unlink()
        return " It has been deleted."
    except FileNotFoundError:
        return ""
    except OSError as err:
        return f" It could not be deleted ({err}); remove it by hand."


def missing_help(folder, names, root=None, why=""):
    """The message that tells a user which files to put where."""
    target = data_root(root) / folder
    lines = [f"{why}Dataset files missing from {target}:"]
    for name in names:
        resource = REGISTRY.get(folder, {}).get(name)
        source = f"  (from {resource.urls[0]})" if resource and resource.urls else ""
        lines.append(f"  {name}{source}")
    lines.append(
        f"Put them in that folder, or point the {DATA_ENV} environment variable at a folder "
        f"that has a '{folder}/' subfolder holding them."
    )
    return "\n".join(lines)


def make_folder(path):
    """Create ``path`` (and its parents) if needed; True if this call created it."""
    if path.is_dir():
        return False
    path.mkdir(parents=True, exist_ok=True)
    return True


def remove_if_empty(path):
    """Take back a folder made for a download that failed: a bare folder would look like a dataset."""
    with contextlib.suppress(OSError):
        path.rmdir()


def _download_to(url, dest_dir, name):
    """Stream ``url`` into a temporary file in ``dest_dir``; return its path."""
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".part", dir=dest_dir)
    try:
        with os.fdopen(fd, "wb") as out, urlopen(url, timeout=60) as response:
            while True:
                chunk = response.read(_CHUNK)
                if not chunk:
                    break
                out.write(chunk)
    except BaseException:
        _remove(tmp)
        raise
    return Path(tmp)


def download(folder, resource, root=None):
    """Fetch ``resource`` from its first URL that answers, verify it, move it into place.

    Returns the verified content. A mirror that fails or serves the wrong
    bytes is skipped; nothing that failed its checksum is kept.
    """
    dest_dir = data_root(root) / folder
    created = make_folder(dest_dir)
    final = dest_dir / resource.name
    failures, bad_checksum = [], None
    for url in resource.urls:
        print(f"Downloading {url} -> {final}", file=sys.stderr)
        try:
            tmp = _download_to(url, dest_dir, resource.name)
        except (OSError, http.client.HTTPException) as err:  # URLError, HTTPError, timeouts, cut-offs
            failures.append(f"  {url}: {err}")
            continue
        try:
            if resource.convert is not None:
                tmp.write_bytes(resource.convert(tmp.read_bytes()))
            content = read_content(tmp, resource.gzip)
            _check(content, resource, f"download of {url} (for {final})")
        except (ChecksumError, ValueError) as err:
            bad_checksum = err
            failures.append(f"  {url}: {err}")
            _remove(tmp)
            continue
        os.replace(tmp, final)
        return content
    detail = "\n".join(failures)
    if created:
        remove_if_empty(dest_dir)
    if bad_checksum is not None:
        raise ChecksumError(f"No mirror served a valid {resource.name}; nothing was kept.\n{detail}")
    raise DatasetNotFoundError(
        missing_help(folder, [resource.name], root, why=f"Could not download {resource.name}:\n{detail}\n")
    )


def fetch(folder, name, root=None, download_if_missing=True):
    """The verified content of ``folder/name``: from the cache, else downloaded.

    A cached file that fails its checksum is deleted (a corrupt cache would
    otherwise block every later run) and, when downloading is allowed,
    fetched again.
    """
    resource = REGISTRY[folder][name]
    path = data_root(root) / folder / name
    if path.is_file():
        try:
            content = read_content(path, resource.gzip)
            _check(content, resource, f"file {path}")
            return content
        except ChecksumError as err:
            note = _remove(path)
            if not download_if_missing:
                raise ChecksumError(f"{err}.{note}") from None
            print(f"{err}.{note} Downloading it again.", file=sys.stderr)
    elif not download_if_missing:
        missing = status(folder, root)[2]
        why = "download=False, so nothing is fetched. "
        raise DatasetNotFoundError(missing_help(folder, missing, root, why=why))
    return download(folder, resource, root)


def status(folder, root=None):
    """Which of a dataset's files are on disk (present, not verified: that costs a full read)."""
    directory = data_root(root) / folder
    names = list(REGISTRY[folder])
    missing = [n for n in names if not (directory / n).is_file()]
    return directory, names, missing
