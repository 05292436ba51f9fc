"""A process the gateway starts dies with it.

When the gateway's main process is killed outright (`kill -9`, the OOM killer) it cannot
stop its data plane workers. A worker left behind keeps serving the configuration it last
saw, and shares the data plane port (SO_REUSEPORT) with the workers of a restarted gateway.
So each worker

- asks the kernel to send it SIGTERM when its parent dies (`prctl(PR_SET_PDEATHSIG)`,
  Linux), and checks at once that the parent it was started by is still its parent (it may
  have died before the request was made);
- watches, as a fallback (another OS, a blocked signal), that its parent is alive: a
  thread checks every `CHECK_INTERVAL` seconds.

An orphaned worker stops accepting at once, gives the requests in flight `ORPHAN_GRACE`
seconds, and exits; if its event loop is stuck, the watch thread ends the process
`ORPHAN_DEADLINE` seconds after the parent was found gone.

The kernel sends the signal when the parent *thread* that started the worker exits, which
may be before the rest of the parent process is gone (its other threads, its open files).
So the signal alone is not taken as the parent's death: the parent is `dying()` once its
main thread has exited (a zombie) and `gone()` once the worker has been handed to another
parent, which happens after the last thread of the old one closed its files.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time
from collections.abc import Callable

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
CHECK_INTERVAL = 0.25  # seconds between two checks of the parent pid
ORPHAN_GRACE = 1.0  # seconds an orphaned worker gives the requests in flight
ORPHAN_DEADLINE = 5.0  # seconds after which an orphan exits whatever it is doing
ORPHAN_EXIT = 3  # exit code of a worker ended by the watch thread


def die_with_parent(sig: int = signal.SIGTERM) -> bool:
    """Have the kernel send `sig` to this process when its parent dies (Linux only);
    whether the request was accepted."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        prctl = libc.prctl
    except (OSError, AttributeError):
        return False
    prctl.restype = ctypes.c_int
    zero = ctypes.c_ulong(0)
    return prctl(ctypes.c_int(PR_SET_PDEATHSIG), ctypes.c_ulong(int(sig)), zero, zero, zero) == 0


class ParentWatch:
    """Calls `on_orphan` (from its own thread, once) when this process's parent is no
    longer `parent_pid`; `ORPHAN_DEADLINE` seconds later it ends the process unless
    `stop()` was called meanwhile."""

    def __init__(
        self,
        parent_pid: int,
        on_orphan: Callable[[], None],
        *,
        interval: float = CHECK_INTERVAL,
        deadline: float = ORPHAN_DEADLINE,
    ) -> None:
        self.parent_pid = parent_pid
        self._on_orphan = on_orphan
        self._interval = interval
        self._deadline = deadline
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="parent-watch", daemon=True)

    def gone(self) -> bool:
        """Whether the parent has exited altogether (its files closed, its locks dropped)."""
        return os.getppid() != self.parent_pid

    def dying(self) -> bool:
        """Whether the parent has exited or is exiting."""
        return self.gone() or _zombie(self.parent_pid)

    def wait_gone(self, timeout: float) -> bool:
        """Wait until the parent is `gone()` (at most `timeout` seconds); whether it is."""
        deadline = time.monotonic() + timeout
        while not self.gone():
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.01)
        return True

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()

    def _run(self) -> None:
        while not self._stopped.wait(self._interval):
            if self.dying():
                print(
                    f"gwconform worker {os.getpid()}: the gateway process {self.parent_pid} "
                    "is gone; stopping",
                    file=sys.stderr,
                    flush=True,
                )
                self._on_orphan()
                if not self._stopped.wait(self._deadline):
                    os._exit(ORPHAN_EXIT)
                return


def _zombie(pid: int) -> bool:
    """Whether `pid` has exited and waits to be reaped (Linux's /proc; False elsewhere)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read()
    except OSError:
        return False
    fields = stat[stat.rfind(b")") + 1 :].split()
    return bool(fields) and fields[0] in (b"Z", b"X")
