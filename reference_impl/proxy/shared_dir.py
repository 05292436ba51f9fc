"""The directory a data plane's processes share (rate-limit table, metrics, health reports),
in the temporary folder, and that it does not outlive them.

Every process using the directory holds a shared `flock` on its `IN_USE` file for as long
as it uses it; the kernel drops the lock of a process that dies, however it dies. The
supervisor removes the directory when it stops; when the gateway was killed outright, the
last of its workers to exit removes it (`release(..., remove_unused=True)`), and whatever a
`kill -9` of everything still leaves behind is removed by the next gateway to start
(`sweep()`): a directory whose `IN_USE` file nobody holds a lock on is garbage.

`IN_USE` is created under another name, locked, then renamed into place, so a directory
with an `IN_USE` file and no lock on it is one every user has left, never one being set up.
A directory without it (being set up, or made by a gateway that predates this scheme and
may still be running) is left alone.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import tempfile

PREFIX = "gwconform-shared-"
IN_USE = ".in-use"


def create() -> tuple[str, int]:
    """A new shared directory (0700) and this process's hold on it (a file descriptor)."""
    path = tempfile.mkdtemp(prefix=PREFIX)
    staging = os.path.join(path, f"{IN_USE}.{os.getpid()}")
    fd = os.open(staging, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH)
        os.rename(staging, os.path.join(path, IN_USE))
    except BaseException:
        os.close(fd)
        shutil.rmtree(path, ignore_errors=True)
        raise
    return path, fd


def hold(path: str) -> int | None:
    """Mark `path` in use by this process; the descriptor to `release`, or None when the
    directory is gone or was not made by `create`."""
    try:
        fd = os.open(os.path.join(path, IN_USE), os.O_RDWR | os.O_CLOEXEC)
    except OSError:
        return None
    fcntl.flock(fd, fcntl.LOCK_SH)
    return fd


def release(path: str, fd: int | None, *, remove_unused: bool = False) -> bool:
    """Drop this process's hold; with `remove_unused`, remove the directory if no other
    process holds it any more. Whether it was removed."""
    if fd is not None:
        os.close(fd)
    return remove_unused and _remove_if_unused(path)


def sweep(directory: str | None = None) -> list[str]:
    """Remove the shared directories in `directory` (the temporary folder) that no process
    uses any more; the paths removed."""
    directory = directory or tempfile.gettempdir()
    removed: list[str] = []
    try:
        names = os.listdir(directory)
    except OSError:
        return removed
    for name in names:
        if name.startswith(PREFIX):
            path = os.path.join(directory, name)
            if _remove_if_unused(path):
                removed.append(path)
    return removed


def _remove_if_unused(path: str) -> bool:
    try:
        fd = os.open(os.path.join(path, IN_USE), os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return False  # gone already, not ours, or still being set up
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return False  # some process still uses it
        if os.stat(path).st_uid != os.getuid():
            return False
        shutil.rmtree(path, ignore_errors=True)
        return not os.path.exists(path)
    except OSError:
        return False
    finally:
        with contextlib.suppress(OSError):
            os.close(fd)
