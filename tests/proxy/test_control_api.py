"""The Control API's health checks: workers publish what their checkers see, the supervisor
combines the workers and serves `GET /v1/healthcheck[/{kind}/{id}]` (APISIX's shape)."""

from __future__ import annotations

import json
import socket
import time

import httpx
import pytest

from reference_impl.config import ConfigError, build_config
from reference_impl.proxy.control_api import answer_healthcheck
from reference_impl.proxy.health_report import combine, read_worker_reports
from reference_impl.proxy.healthcheck import HealthChecker
from reference_impl.proxy.nodes import Node
from reference_impl.proxy.supervisor import Supervisor
from reference_impl.proxy.worker import WorkerSettings
from reference_impl.store.http_api import start_store_api
from reference_impl.store.memory import MemoryStore

from .support import PREFIX, free_port

CHECKS = {
    "active": {
        "type": "http",
        "timeout": 0.5,
        "http_path": "/status",
        "healthy": {"interval": 0.2, "successes": 1},
        "unhealthy": {"interval": 0.2, "http_failures": 1, "tcp_failures": 1, "timeouts": 1},
    }
}
WAIT = 15.0  # seconds: probes every 0.2 s, a report rewritten within a second


def _eventually(check, timeout: float = WAIT):
    deadline = time.monotonic() + timeout
    while True:
        try:
            return check()
        except (AssertionError, httpx.HTTPError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def _statuses(info: dict) -> dict[int, str]:
    assert "nodes" in info, info  # not reported (yet)
    return {node["port"]: node["status"] for node in info["nodes"]}


@pytest.fixture
def node(loop_thread, upstreams):
    """A 2-worker data plane over a store with checked upstreams: `u1` (an upstream object),
    route `r2`'s inline upstream and service `s1`'s, each over a live and a dead node."""
    live = upstreams("live")
    # bound but not listening: connections are refused, and the port cannot be handed out
    # as the ephemeral port of a probe (which would connect the probe to itself)
    dead_socket = socket.socket()
    dead_socket.bind(("127.0.0.1", 0))
    dead = dead_socket.getsockname()[1]
    nodes = {live.address: 1, f"127.0.0.1:{dead}": 1}
    store = MemoryStore()
    upstream = {"type": "roundrobin", "nodes": nodes, "checks": CHECKS}
    store.put(f"{PREFIX}/upstreams/u1", {"id": "u1", **upstream})
    store.put(f"{PREFIX}/services/s1", {"id": "s1", "upstream": upstream})
    store.put(f"{PREFIX}/routes/r1", {"id": "r1", "uri": "/r1", "upstream_id": "u1"})
    store.put(f"{PREFIX}/routes/r2", {"id": "r2", "uri": "/r2", "upstream": upstream})
    store.put(f"{PREFIX}/routes/r3", {"id": "r3", "uri": "/r3", "service_id": "s1"})
    store.put(  # not checked: not reported
        f"{PREFIX}/routes/r4",
        {"id": "r4", "uri": "/r4", "upstream": {"type": "roundrobin", "nodes": nodes}},
    )
    api = loop_thread.call(start_store_api(store))
    settings = WorkerSettings(
        node_listen=[("127.0.0.1", free_port())], store_url=api.url, store_token=api.token
    )
    supervisor = Supervisor(settings, 2, control_addr=("127.0.0.1", 0))
    loop_thread.call(supervisor.start())
    assert supervisor.control_address is not None
    host, port = supervisor.control_address
    yield {
        "url": f"http://{host}:{port}",
        "live": live.port,
        "dead": dead,
        "supervisor": supervisor,
        "store": store,
    }
    loop_thread.call(supervisor.stop(), timeout=30)
    loop_thread.call(api.stop())
    store.close()
    dead_socket.close()


def test_dead_node_reported_unhealthy_by_every_checked_resource(node):
    url, live, dead = node["url"], node["live"], node["dead"]

    def all_reported() -> list:
        listing = httpx.get(f"{url}/v1/healthcheck", timeout=2).json()
        assert sorted(info["name"] for info in listing) == [
            "/apisix/routes/r2",
            "/apisix/services/s1",
            "/apisix/upstreams/u1",
        ]
        for info in listing:
            assert info["type"] == "http"
            assert _statuses(info) == {live: "healthy", dead: "unhealthy"}, info
        return listing

    listing = _eventually(all_reported)

    def dead_node_of_u1() -> dict:
        one = httpx.get(f"{url}/v1/healthcheck/upstreams/u1", timeout=2)
        assert one.status_code == 200
        assert one.json()["name"] == "/apisix/upstreams/u1"
        dead_node = next(n for n in one.json()["nodes"] if n["port"] == dead)
        # once both workers have published, the summed counters keep the failure of each
        assert dead_node["counter"]["tcp_failure"] == 2, dead_node
        return dead_node

    dead_node = _eventually(dead_node_of_u1)
    assert dead_node["ip"] == "127.0.0.1"
    assert set(dead_node["counter"]) == {
        "success",
        "http_failure",
        "tcp_failure",
        "timeout_failure",
    }
    assert len(listing) == 3


def test_both_workers_publish_and_agree(node):
    directory = node["supervisor"].shared_dir

    def both() -> None:
        reports = read_worker_reports(directory)
        assert sorted(r["worker"] for r in reports) == [0, 1]
        for report in reports:
            u1 = next(c for c in report["checkers"] if c["id"] == "u1")
            assert _statuses(u1)[node["dead"]] == "unhealthy"

    _eventually(both)


def test_node_back_up_is_reported_healthy(node, upstreams):
    url, dead = node["url"], node["dead"]
    _eventually(
        lambda: _check(
            _statuses(httpx.get(f"{url}/v1/healthcheck/routes/r2", timeout=2).json())[dead]
            == "unhealthy"
        )
    )
    # point the route at a live node on the port that was dead: a new checker, all healthy
    other = upstreams("other")
    nodes = {f"127.0.0.1:{node['live']}": 1, other.address: 1}
    node["store"].put(
        f"{PREFIX}/routes/r2",
        {"id": "r2", "uri": "/r2", "upstream": {"nodes": nodes, "checks": CHECKS}},
    )

    def recovered() -> None:
        info = httpx.get(f"{url}/v1/healthcheck/routes/r2", timeout=2).json()
        assert set(_statuses(info).values()) == {"healthy"}
        assert other.port in _statuses(info)

    _eventually(recovered)


def _check(condition: bool) -> None:
    assert condition


def test_unknown_resources_and_source_types(node):
    url = node["url"]
    unknown = httpx.get(f"{url}/v1/healthcheck/upstreams/nope", timeout=2)
    assert unknown.status_code == 404
    assert unknown.json() == {"error_msg": "upstreams[nope] not found"}
    unchecked = httpx.get(f"{url}/v1/healthcheck/routes/r4", timeout=2)
    assert unchecked.status_code == 404
    bad_type = httpx.get(f"{url}/v1/healthcheck/consumers/x", timeout=2)
    assert bad_type.status_code == 400
    assert bad_type.json() == {"error_msg": "invalid src type consumers"}
    missing = httpx.get(f"{url}/v1/healthcheck/routes", timeout=2)
    assert missing.status_code == 404
    assert json.loads(missing.text)["error_msg"] == "missing src id for src type routes"
    assert httpx.get(f"{url}/v1/other", timeout=2).status_code == 404


# --- combining workers (the rule in health_report.py) ---------------------------------------
def _report(worker: int, statuses: list[str], failures: int = 0) -> dict:
    nodes = [
        {
            "ip": "10.0.0.1",
            "port": 80 + i,
            "hostname": "10.0.0.1",
            "status": status,
            "counter": {"success": 0, "http_failure": failures, "tcp_failure": 0},
        }
        for i, status in enumerate(statuses)
    ]
    checker = {"kind": "upstreams", "id": "1", "name": "/apisix/upstreams/1", "type": "http"}
    return {"worker": worker, "checkers": [{**checker, "nodes": nodes}]}


def test_workers_that_agree_give_their_status():
    merged = combine([_report(0, ["healthy", "unhealthy"]), _report(1, ["healthy", "unhealthy"])])
    info = merged[("upstreams", "1")]
    assert [n["status"] for n in info["nodes"]] == ["healthy", "unhealthy"]
    assert info["name"] == "/apisix/upstreams/1" and info["type"] == "http"


def test_workers_that_differ_give_the_majority_as_mostly():
    two = combine([_report(0, ["healthy"]), _report(1, ["unhealthy"], failures=2)])
    node = two[("upstreams", "1")]["nodes"][0]
    assert node["status"] == "mostly_unhealthy"  # half of them took it out: not "healthy"
    assert node["counter"]["http_failure"] == 2 and node["counter"]["timeout_failure"] == 0
    three = combine(
        [_report(0, ["healthy"]), _report(1, ["mostly_healthy"]), _report(2, ["unhealthy"])]
    )
    assert three[("upstreams", "1")]["nodes"][0]["status"] == "mostly_healthy"


def test_resource_known_to_one_worker_only_is_reported():
    other = _report(1, ["healthy"])
    other["checkers"][0].update(kind="routes", id="7", name="/apisix/routes/7")
    merged = combine([_report(0, ["unhealthy"]), other])
    assert set(merged) == {("upstreams", "1"), ("routes", "7")}
    status, listing = answer_healthcheck("/v1/healthcheck", lambda: merged)
    assert status == 200 and [i["name"] for i in listing] == [
        "/apisix/routes/7",
        "/apisix/upstreams/1",
    ]


# --- one checker's statuses (lua-resty-healthcheck's four) ----------------------------------
def test_checker_status_follows_its_counters():
    nodes = [Node("127.0.0.1", 1980, 1)]
    passive = {
        "healthy": {"http_statuses": [200], "successes": 2},
        "unhealthy": {"http_statuses": [500], "http_failures": 2},
    }
    checker = HealthChecker({"passive": passive}, nodes)
    flips = []
    checker.on_flip = lambda: flips.append(nodes[0].healthy)

    def status() -> str:
        return checker.report()[0]["status"]

    assert status() == "healthy" and checker.check_type() == "http"
    checker.observe_status(nodes[0], 500)
    assert status() == "mostly_healthy"
    checker.observe_status(nodes[0], 500)
    assert status() == "unhealthy" and checker.report()[0]["counter"]["http_failure"] == 2
    checker.observe_status(nodes[0], 200)
    assert status() == "mostly_unhealthy"
    checker.observe_status(nodes[0], 200)
    assert status() == "healthy" and flips == [False, True]


# --- configuration ----------------------------------------------------------------------------
def test_control_settings():
    assert build_config({}).control_listen.port == 9090  # type: ignore[union-attr]
    assert build_config({"apisix": {"enable_control": False}}).control_listen is None
    listen = build_config({"apisix": {"control": {"ip": "127.0.0.2", "port": 0}}}).control_listen
    assert listen is not None and (listen.ip, listen.port) == ("127.0.0.2", 0)
    with pytest.raises(ConfigError, match=r"apisix\.control\.port"):
        build_config({"apisix": {"control": {"port": 70000}}})
    with pytest.raises(ConfigError, match=r"apisix\.enable_control"):
        build_config({"apisix": {"enable_control": "yes"}})
