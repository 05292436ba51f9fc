"""Real Redis servers on loopback for the rate-limit plugins' `redis` and `redis-cluster`
policies: Debian's `redis-server` (and `redis-cli` to form a cluster), on free 127.0.0.1
ports, with their files in a temporary directory removed on stop.

    redis = RedisServer().start()             # redis.url == "redis://127.0.0.1:PORT"
    cluster = RedisClusterServers(3).start()  # cluster.nodes == ("127.0.0.1:P1", ...)
    ...
    redis.stop(); cluster.stop()
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

START_TIMEOUT = 15.0
STOP_TIMEOUT = 10.0


class RedisError(RuntimeError):
    """redis-server could not be found or started; the message is one line for the user."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _binary(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise RedisError(f"{name} not found on PATH (Debian: apt-get install redis-server)")
    return path


def _cli(port: int, *args: str, timeout: float = START_TIMEOUT) -> str:
    done = subprocess.run(
        [_binary("redis-cli"), "-h", "127.0.0.1", "-p", str(port), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return done.stdout.strip() if done.returncode == 0 else ""


class RedisServer:
    """One redis-server process (standalone, or a cluster-mode node)."""

    def __init__(self, *, cluster_mode: bool = False) -> None:
        self.port = free_port()
        self.cluster_mode = cluster_mode
        self._dir: tempfile.TemporaryDirectory[str] | None = None
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}"

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> RedisServer:
        self._dir = tempfile.TemporaryDirectory(prefix="gwconform-redis-")
        args = [
            _binary("redis-server"),
            "--bind", "127.0.0.1",
            "--port", str(self.port),
            "--dir", self._dir.name,
            "--save", "",
            "--appendonly", "no",
            "--protected-mode", "no",
            "--loglevel", "warning",
        ]  # fmt: skip
        if self.cluster_mode:  # the bus on a free port too, not the default port + 10000
            args += ["--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf"]
            args += ["--cluster-port", str(free_port())]
        log = Path(self._dir.name) / "redis.log"
        self._process = subprocess.Popen(args, stdout=log.open("wb"), stderr=subprocess.STDOUT)
        deadline = time.monotonic() + START_TIMEOUT
        while _cli(self.port, "PING") != "PONG":
            if self._process.poll() is not None or time.monotonic() > deadline:
                tail = log.read_text(errors="replace").strip().splitlines()[-1:] or ["no output"]
                self.stop()
                raise RedisError(f"redis-server on port {self.port} did not start: {tail[0]}")
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(STOP_TIMEOUT)
            self._process = None
        if self._dir is not None:
            self._dir.cleanup()
            self._dir = None


class RedisClusterServers:
    """`size` cluster-mode redis-server masters sharing the 16384 slots (no replicas)."""

    def __init__(self, size: int = 3) -> None:
        self.servers = [RedisServer(cluster_mode=True) for _ in range(size)]

    @property
    def nodes(self) -> tuple[str, ...]:
        return tuple(server.address for server in self.servers)

    def start(self) -> RedisClusterServers:
        try:
            for server in self.servers:
                server.start()
            created = subprocess.run(
                [_binary("redis-cli"), "--cluster", "create", *self.nodes, "--cluster-yes"],
                capture_output=True,
                text=True,
                timeout=START_TIMEOUT,
                check=False,
            )
            if created.returncode != 0:
                raise RedisError(f"redis-cli --cluster create failed: {created.stdout[-200:]}")
            self._wait_ok()
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_ok(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            states = [_cli(s.port, "CLUSTER", "INFO") for s in self.servers]
            if all("cluster_state:ok" in state for state in states):
                return
            time.sleep(0.1)
        raise RedisError("the redis cluster did not reach cluster_state:ok")

    def stop(self) -> None:
        for server in self.servers:
            server.stop()
