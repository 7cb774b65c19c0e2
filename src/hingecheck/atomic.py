"""Atomic file output: write to a temporary file beside the target, then rename over it.

A crash, a Ctrl-C or a full disk never leaves a half-written output: the target either keeps
its old content or gets the complete new one. The finished file gets the mode any other tool
would give it (0666 less the user's umask), not the 0600 of a temporary file.

A symlink is followed: the new file replaces the link's target and the link stays. A FIFO or a
character device (a pipe, a terminal) cannot be replaced by renaming, so it is written straight
through. A folder is never written over (``IsADirectoryError`` naming the path, before any temporary file).
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from pathlib import Path
from typing import Iterator


def is_stream(path: str | Path) -> bool:
    """True when ``path`` (after symlinks) is a FIFO or a character device: written straight through."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISCHR(mode)


def folder_problem(folder: str | Path) -> str | None:
    """Why files cannot be written in ``folder`` (made when missing), in a few words, or None:
    the nearest existing folder on its path is a file, or not writable."""
    near = Path(os.path.realpath(folder))
    while not near.exists() and near != near.parent:  # made when the output is written
        near = near.parent
    if not near.is_dir():
        return f"{near} is not a folder"
    if not os.access(near, os.W_OK | os.X_OK):
        return f"folder {near} not writable"
    return None


def output_problem(path: str | Path) -> str | None:
    """Why ``path`` cannot be an output file, in a few words, or None when it can (as far as can
    be told before writing): a folder, a FIFO or device not writable, or :func:`folder_problem`."""
    if is_stream(path):  # as given: /dev/stdout resolves to a /proc name that is no real path
        return None if os.access(path, os.W_OK) else "not writable"
    target = Path(os.path.realpath(path))
    if target.is_dir():
        return "it is a folder"
    return folder_problem(target.parent)


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path in the target's folder; on success rename it to ``path`` (to a
    symlink's target). A FIFO or character device is yielded itself, to be written directly."""
    if is_stream(path):  # as given: /dev/stdout, /dev/fd/N resolve to /proc names that are no real paths
        yield Path(path)
        return
    target = Path(os.path.realpath(path))
    if target.is_dir():
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _umask() -> int:
    """The process umask (read by setting it and putting it back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_text(path: str | Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def write_bytes(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
