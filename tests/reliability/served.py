"""`gwconform serve` in a process of its own, as an operator runs it: the reliability tests
kill it, restart it, stop its etcd and load it, then read what survived through its APIs."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
import psutil
import yaml

from conformance.providers.embedded import ADMIN_KEY, free_port, gateway_config, server_command

START_TIMEOUT = 30.0
ADMIN_HEADERS = {"X-API-KEY": ADMIN_KEY}


def answers(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
        return True
    return False


class ServedGateway:
    """A gateway on free loopback ports (kept across restarts), started at construction.

    `etcd_url`: the store is that etcd (else memory, persisted in `data_dir` if given);
    `config`: merged over the generated config.yaml, key by key at the top level;
    `tmpdir`: its TMPDIR (where data planes keep their shared folders).
    """

    def __init__(
        self,
        workdir: Path,
        *,
        workers: int = 1,
        etcd_url: str | None = None,
        data_dir: Path | None = None,
        config: dict[str, Any] | None = None,
        tmpdir: Path | None = None,
        ports: tuple[int, int, int, int] | None = None,
    ) -> None:
        self.workdir = workdir
        self.ports = ports or (free_port(), free_port(), free_port(), free_port())
        admin, node, stream, metrics = self.ports
        settings = gateway_config(admin, node, stream, metrics, etcd_url=etcd_url)
        settings["nginx_config"] = {"worker_processes": workers}
        for key, value in (config or {}).items():
            settings[key] = {**settings.get(key, {}), **value}
        self.config_path = workdir / "config.yaml"
        self.config_path.write_text(yaml.safe_dump(settings), encoding="utf-8")
        self.args = ["--config", str(self.config_path)]
        if data_dir is not None:
            self.args += ["--data-dir", str(data_dir)]
        self.env = {**os.environ, **({"TMPDIR": str(tmpdir)} if tmpdir else {})}
        self.admin_url = f"http://127.0.0.1:{admin}"
        self.node_url = f"http://127.0.0.1:{node}"
        self.node_port = node
        self.proc: subprocess.Popen[bytes] | None = None
        self.start()

    def start(self) -> None:
        with (self.workdir / "stderr").open("ab") as stderr:
            self.proc = subprocess.Popen(
                server_command(*self.args), env=self.env,
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=stderr,
            )  # fmt: skip
        deadline = time.monotonic() + START_TIMEOUT
        while not (self._admin_ok() and answers(self.node_port)):
            assert self.proc.poll() is None, (
                f"the gateway exited ({self.proc.returncode}): {self.stderr_tail()}"
            )
            assert time.monotonic() < deadline, f"the gateway did not start: {self.stderr_tail()}"
            time.sleep(0.05)

    def stderr_tail(self, lines: int = 5) -> str:
        text = (self.workdir / "stderr").read_text(errors="replace")
        return " | ".join(text.strip().splitlines()[-lines:])

    def _admin_ok(self) -> bool:
        with contextlib.suppress(httpx.HTTPError):
            reply = httpx.get(f"{self.admin_url}/apisix/admin/routes", headers=ADMIN_HEADERS)
            return reply.status_code == 200
        return False

    def admin(self, **kwargs: Any) -> httpx.Client:
        """A keep-alive client of the Admin API."""
        return httpx.Client(base_url=self.admin_url, headers=ADMIN_HEADERS, **kwargs)

    def started(self) -> list[psutil.Process]:
        assert self.proc is not None
        return psutil.Process(self.proc.pid).children(recursive=True)

    def kill(self) -> None:
        """`kill -9` of the main process (what the OOM killer does)."""
        assert self.proc is not None
        self.proc.kill()
        self.proc.wait()

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
