"""Worker processes: sharing the port, restarted when they die, stopped gracefully; and the
whole gateway through `python -m reference_impl serve`."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import psutil
import pytest

from reference_impl.proxy.supervisor import Supervisor
from reference_impl.proxy.worker import WorkerSettings
from reference_impl.store.http_api import start_store_api
from reference_impl.store.memory import MemoryStore

from .support import PREFIX, free_port

ADMIN_KEY = "edd1c9f034335f136f87ad84b625c8f1"


def _listening_pids(port: int, pids: list[int]) -> set[int]:
    out = set()
    for pid in pids:
        for conn in psutil.Process(pid).net_connections(kind="tcp"):
            if conn.status == psutil.CONN_LISTEN and conn.laddr.port == port:
                out.add(pid)
    return out


def _wait_for(predicate, timeout: float = 15.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def _serves(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def test_workers_share_port_restart_and_stop_gracefully(loop_thread, upstreams):
    up = upstreams("a")
    store = MemoryStore()
    store.put(
        f"{PREFIX}/routes/1",
        {"id": "1", "uri": "/*", "upstream": {"type": "roundrobin", "nodes": {up.address: 1}}},
    )
    api = loop_thread.call(start_store_api(store))
    port = free_port()
    settings = WorkerSettings(
        node_listen=[("127.0.0.1", port)], store_url=api.url, store_token=api.token, grace_period=5
    )
    supervisor = Supervisor(settings, 2)
    loop_thread.call(supervisor.start())
    url = f"http://127.0.0.1:{port}/x"
    try:
        pids = [p.pid for p in supervisor.procs.values()]
        _wait_for(lambda: _listening_pids(port, pids) == set(pids), what="both workers listening")
        assert _serves(url)

        victim = pids[0]
        os.kill(victim, signal.SIGKILL)
        with httpx.Client() as client:  # the other worker keeps serving meanwhile
            assert all(client.get(url).status_code == 200 for _ in range(5))
        _wait_for(
            lambda: supervisor.restarts == 1 and supervisor.procs[0].pid != victim, what="restart"
        )
        new_pids = [p.pid for p in supervisor.procs.values()]
        _wait_for(
            lambda: _listening_pids(port, new_pids) == set(new_pids),
            what="restarted worker listening",
        )

        up.behave = lambda request: (200, 0.5, None)
        result: dict = {}
        slow = threading.Thread(target=lambda: result.update(r=httpx.get(url, timeout=5)))
        slow.start()
        _wait_for(lambda: len(up.requests) >= 7, what="slow request upstream")
        loop_thread.call(supervisor.stop(), timeout=20)
        slow.join(5)
        assert result["r"].status_code == 200  # finished within the grace period
        assert all(p.returncode is not None for p in supervisor.procs.values())
    finally:
        loop_thread.call(supervisor.stop(), timeout=20)
        loop_thread.call(api.stop())
        store.close()


def _admin_ready(admin: str) -> bool:
    try:
        return (
            httpx.get(
                f"{admin}/apisix/admin/routes", headers={"X-API-KEY": ADMIN_KEY}, timeout=1
            ).status_code
            == 200
        )
    except httpx.HTTPError:
        return False


def test_serve_runs_admin_and_data_plane(tmp_path: Path, upstreams):
    up = upstreams("a")
    admin_port, node_port, metrics_port = free_port(), free_port(), free_port()
    config = tmp_path / "config.yaml"
    config.write_text(
        "apisix:\n"
        f"  node_listen: [{{ip: 127.0.0.1, port: {node_port}}}]\n"
        "  ssl: {enable: false}\n"
        "  enable_control: false\n"
        "deployment:\n"
        "  admin:\n"
        f"    admin_listen: {{ip: 127.0.0.1, port: {admin_port}}}\n"
        "    allow_admin: [127.0.0.0/8]\n"
        "plugin_attr:\n"
        f"  prometheus: {{export_addr: {{ip: 127.0.0.1, port: {metrics_port}}}}}\n"
    )
    root = Path(__file__).resolve().parents[2]
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "reference_impl",
            "serve",
            "--config",
            str(config),
            "--workers",
            "1",
        ],
        cwd=root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    admin = f"http://127.0.0.1:{admin_port}"
    workers: list[psutil.Process] = []
    try:
        _wait_for(lambda: proc.poll() is None and _admin_ready(admin), what="admin API")
        response = httpx.put(
            f"{admin}/apisix/admin/routes/1",
            headers={"X-API-KEY": ADMIN_KEY},
            json={"uri": "/hello", "upstream": {"type": "roundrobin", "nodes": {up.address: 1}}},
        )
        if response.status_code >= 500:
            pytest.fail(f"admin API failed: {response.text}")
        _wait_for(lambda: _serves(f"http://127.0.0.1:{node_port}/hello"), what="route served")
        assert httpx.get(f"http://127.0.0.1:{node_port}/hello").json()["upstream"] == "a"
        workers = [
            p
            for p in psutil.Process(proc.pid).children()
            if "reference_impl.proxy.worker" in p.cmdline()
        ]
        assert len(workers) == 1
        metrics = httpx.get(f"http://127.0.0.1:{metrics_port}/apisix/prometheus/metrics")
        assert metrics.status_code == 200
        assert "apisix_http_requests_total" in metrics.text
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            code = proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
    assert code == 0
    assert not any(
        p.name() == "python"
        and "reference_impl.proxy.worker" in " ".join(p.cmdline())
        and p.ppid() == proc.pid
        for p in psutil.process_iter()
    )
