"""The node's Prometheus export: the supervisor serves what its workers record, on the
configured address, and goes on without it when that port is taken."""

from __future__ import annotations

import socket
import time

import httpx
import pytest

from reference_impl.config import ConfigError, build_config
from reference_impl.proxy.supervisor import Supervisor
from reference_impl.proxy.worker import WorkerSettings
from reference_impl.server import metrics_export_addr
from reference_impl.store.http_api import start_store_api
from reference_impl.store.memory import MemoryStore

from .support import PREFIX, free_port

METRICS_PATH = "/apisix/prometheus/metrics"


def _wait_for(predicate, timeout: float = 15.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def _get(url: str) -> httpx.Response | None:
    try:
        return httpx.get(url, timeout=2)
    except httpx.HTTPError:
        return None


@pytest.fixture
def node(loop_thread, upstreams):
    """A store with a prometheus route, its store API, and a function starting supervisors."""
    up = upstreams("a")
    store = MemoryStore()
    store.put(
        f"{PREFIX}/routes/m1",
        {
            "id": "m1",
            "uri": "/m",
            "plugins": {"prometheus": {}},
            "upstream": {"type": "roundrobin", "nodes": {up.address: 1}},
        },
    )
    api = loop_thread.call(start_store_api(store))
    started: list[Supervisor] = []

    def start(metrics_addr: tuple[str, int]) -> tuple[Supervisor, str]:
        port = free_port()
        settings = WorkerSettings(
            node_listen=[("127.0.0.1", port)], store_url=api.url, store_token=api.token
        )
        supervisor = Supervisor(settings, 2, metrics_addr)
        started.append(supervisor)
        loop_thread.call(supervisor.start())
        url = f"http://127.0.0.1:{port}/m"
        _wait_for(lambda: (r := _get(url)) is not None and r.status_code == 200, what="serving")
        return supervisor, url

    yield start
    for supervisor in started:
        loop_thread.call(supervisor.stop(), timeout=30)
    loop_thread.call(api.stop())
    store.close()


def _route_count(text: str) -> float:
    return sum(
        float(line.rpartition(" ")[2])
        for line in text.splitlines()
        if line.startswith("apisix_http_status{") and 'route="m1"' in line and 'code="200"' in line
    )


def test_supervisor_serves_the_workers_summed_metrics(node):
    metrics_port = free_port()
    supervisor, url = node(("127.0.0.1", metrics_port))
    with httpx.Client() as client:  # new connections spread over both workers
        for _ in range(10):
            assert client.get(url, headers={"Connection": "close"}).status_code == 200
    metrics_url = f"http://127.0.0.1:{metrics_port}{METRICS_PATH}"
    _wait_for(lambda: _route_count(_get(metrics_url).text) >= 11, what="11 requests counted")
    text = _get(metrics_url).text
    assert "# TYPE apisix_http_status counter" in text
    assert "apisix_http_requests_total " in text
    assert _get(f"http://127.0.0.1:{metrics_port}/other").status_code == 404
    assert supervisor.exporter is not None


def test_taken_metrics_port_leaves_the_gateway_serving(node, capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        supervisor, url = node(("127.0.0.1", port))
        assert supervisor.exporter is None
        assert httpx.get(url).status_code == 200
    lines = [x for x in capsys.readouterr().err.splitlines() if "prometheus" in x]
    assert len(lines) == 1 and str(port) in lines[0]


def test_export_addr_from_config():
    shape = {"plugin_attr": {"prometheus": {"export_addr": {"ip": "127.0.0.1", "port": 9555}}}}
    assert metrics_export_addr(build_config(shape).raw) == ("127.0.0.1", 9555)
    assert metrics_export_addr(build_config({}).raw) == ("127.0.0.1", 9091)
    off = {"plugin_attr": {"prometheus": {"enable_export_server": False}}}
    assert metrics_export_addr(build_config(off).raw) is None
    bad = {"plugin_attr": {"prometheus": {"export_addr": {"port": "many"}}}}
    with pytest.raises(ConfigError, match="export_addr"):
        metrics_export_addr(build_config(bad).raw)
