"""Fetching a file that ``_download.fetch`` cannot describe with one SHA-256.

Two datasets need this: IMDB, whose archive may be the canonical download or
a known repackaging (two accepted SHA-256s, two accepted file names), and
Keras' Reuters word index, for which only an MD5 is published. The rules are
``_download``'s: verify before trusting, delete a cached file that fails,
download into a temporary file and move it into place only once verified.
"""

import hashlib
import http.client
import os
import sys

from . import _download
from ._download import ChecksumError, DatasetNotFoundError, data_root, missing_help


def _digest(content, algorithm):
    return hashlib.new(algorithm, content).hexdigest()


def _verify(content, accepted, algorithm, where):
    """``accepted`` maps a digest to a label saying which known file it is; return that label."""
    got = _digest(content, algorithm)
    if got not in accepted:
        known = "\n".join(f"  {digest}  ({label})" for digest, label in accepted.items())
        raise ChecksumError(
            f"{algorithm.upper()} mismatch for {where}:\n  got {got}\nknown good files:\n{known}\n"
            "The file is corrupt, truncated or not the published one"
        )
    return accepted[got]


def fetch_verified(folder, names, urls, accepted, algorithm="sha256", root=None, download=True):
    """``(path, content, label)`` of the first of ``names`` present under ``<root>/folder``.

    ``names[0]`` is the name a download is saved under. A present file that
    fails verification is deleted and, if allowed, downloaded again.
    """
    directory = data_root(root) / folder
    for name in names:
        path = directory / name
        if path.is_file():
            content = path.read_bytes()
            try:
                return path, content, _verify(content, accepted, algorithm, f"file {path}")
            except ChecksumError as err:
                note = _download._remove(path)
                if not download:
                    raise ChecksumError(f"{err}.{note}") from None
                print(f"{err}.{note} Downloading it again.", file=sys.stderr)
    if not download:
        raise DatasetNotFoundError(
            missing_help(folder, names[:1], root, why="download=False, so nothing is fetched. ")
        )
    created = _download.make_folder(directory)
    final, failures = directory / names[0], []
    for url in urls:
        print(f"Downloading {url} -> {final}", file=sys.stderr)
        try:
            tmp = _download._download_to(url, directory, names[0])
        except (OSError, http.client.HTTPException) as err:
            failures.append(f"  {url}: {err}")
            continue
        content = tmp.read_bytes()
        try:
            label = _verify(content, accepted, algorithm, f"download of {url}")
        except ChecksumError as err:
            _download._remove(tmp)
            raise ChecksumError(f"{err}; nothing was kept") from None
        os.replace(tmp, final)
        return final, content, label
    if created:
        _download.remove_if_empty(directory)
    detail = "\n".join(failures)
    raise DatasetNotFoundError(
        missing_help(folder, names[:1], root, why=f"Could not download {names[0]}:\n{detail}\n")
    )
