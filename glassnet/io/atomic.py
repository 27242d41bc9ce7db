"""Writing a file so that a crash never leaves half of it: a temporary file, then a rename."""

import contextlib
import os
import re
import secrets


def _fsync_directory(directory):
    """Make the rename itself durable; POSIX only, and best effort."""
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # someone else's process, or a platform without signal 0: leave its file alone
    return True


def _remove_orphans(directory, name):
    """Delete the temporaries of ``name`` whose writer died (killed mid-write): they can never complete."""
    pattern = re.compile(rf"^\.{re.escape(name)}\.(\d+)-[0-9a-f]+\.tmp$")
    with contextlib.suppress(OSError):
        for entry in os.listdir(directory):
            match = pattern.match(entry)
            if match and int(match.group(1)) != os.getpid() and not _alive(int(match.group(1))):
                with contextlib.suppress(OSError):
                    os.remove(os.path.join(directory, entry))


@contextlib.contextmanager
def atomic_path(path, who="glassnet.save"):
    """Yield a temporary path beside ``path``; when the block ends without error, it becomes ``path``.

    The data is flushed to disk before the rename, so a crash or an error
    midway leaves any earlier file at ``path`` as it was. The temporary's name
    carries the writer's process id, so that the next successful write of the
    same file removes what a killed writer left behind.
    """
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"{who}: the folder {directory!r} does not exist")
    temp = os.path.join(directory, f".{os.path.basename(path)}.{os.getpid()}-{secrets.token_hex(6)}.tmp")
    # O_EXCL reserves the name; mode 0o666 lets the umask decide permissions as for any new file.
    os.close(os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
    try:
        yield temp
        # The writer has closed the file; fsync on a fresh descriptor still
        # forces its bytes to disk before the rename makes them visible.
        with open(temp, "r+b") as f:
            os.fsync(f.fileno())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(temp)
        raise
    _fsync_directory(directory)
    _remove_orphans(directory, os.path.basename(path))
