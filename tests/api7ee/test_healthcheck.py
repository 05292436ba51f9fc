"""Health of a published service's upstream nodes, end to end: the reference gateway
process, a gateway group's data plane probing a live and a dead node, its Control API, and
`/api/gateway_groups/{gid}/services/{sid}/healthcheck` plus the `unhealthy_nodes` filter."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from conformance.providers.embedded import ADMIN_KEY
from conformance.support.echo_upstream import EchoUpstream
from conformance.support.eventually import eventually

from .conftest import new_group, new_route, new_template, ok, publish
from .test_end_to_end import SERVE, Gateway

START_TIMEOUT = 30.0
HEALTH_TIMEOUT = 30.0  # a new data plane process, then probes every second
CHECKS = {
    "active": {
        "type": "http",
        "timeout": 1,
        "http_path": "/healthz",
        "healthy": {"interval": 1, "successes": 1},
        "unhealthy": {"interval": 1, "http_failures": 1, "tcp_failures": 1, "timeouts": 1},
    }
}


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    """`python -m reference_impl serve` (its Control API on a free port): a client of its
    admin port."""
    gw = Gateway(tmp_path_factory.mktemp("api7ee-health"), launcher=SERVE)
    api = httpx.Client(
        base_url=f"http://127.0.0.1:{gw.admin_port}", headers={"X-API-KEY": ADMIN_KEY}, timeout=10
    )
    yield api
    api.close()
    gw.stop()


@pytest.fixture
def nodes() -> Iterator[tuple[EchoUpstream, EchoUpstream]]:
    live, dead = EchoUpstream("live").start(), EchoUpstream("dead").start()
    dead.stop()  # its port stays reserved for it, with nothing listening
    yield live, dead
    live.stop()


def _upstream(*echoes: EchoUpstream, checks: dict | None = None) -> dict:
    nodes = []
    for echo in echoes:
        host, port = echo.node.rsplit(":", 1)
        nodes.append({"host": host, "port": int(port), "weight": 1})
    upstream: dict = {"type": "roundrobin", "nodes": nodes}
    if checks:
        upstream["checks"] = checks
    return upstream


def _statuses(answer: dict) -> dict[int, str]:
    return {node["port"]: node["status"] for node in answer["value"]["nodes"]}


def _listed(api: httpx.Client, group_id: str, wanted: str) -> set[str]:
    listing = api.get(
        f"/api/gateway_groups/{group_id}/services", params={"unhealthy_nodes": wanted}
    )
    body = ok(listing)
    return {item["id"] for item in body["list"]}


@pytest.mark.parametrize("group", ["new", "default"])
def test_dead_node_reported_unhealthy_and_filtered(
    gateway: httpx.Client, nodes, group: str
) -> None:
    api = gateway
    live, dead = nodes
    group_id = new_group(api, f"health-{group}")["id"] if group == "new" else "default"
    checked = new_template(api, f"checked-{group}", upstream=_upstream(live, dead, checks=CHECKS))
    plain = new_template(api, f"plain-{group}", upstream=_upstream(live))
    for template in (checked, plain):
        new_route(api, template["id"], [f"/{template['name']}"])
        ok(publish(api, group_id, template["id"], "v1"))
    path = f"/api/gateway_groups/{group_id}/services"
    live_port, dead_port = int(live.node.rsplit(":", 1)[1]), int(dead.node.rsplit(":", 1)[1])
    try:

        def reported() -> dict:
            answer = ok(api.get(f"{path}/{checked['id']}/healthcheck"))
            assert _statuses(answer) == {live_port: "healthy", dead_port: "unhealthy"}
            return answer

        answer = eventually(
            reported,
            timeout=HEALTH_TIMEOUT,
            interval=0.2,
            retry_on=(AssertionError, httpx.HTTPError),
        )
        assert answer["value"]["type"] == "http"
        node = answer["value"]["nodes"][0]
        assert set(node) == {"host", "port", "status", "counter"} and node["host"] == "127.0.0.1"

        assert ok(api.get(f"{path}/{plain['id']}/healthcheck")) == {"value": {"nodes": []}}
        assert _listed(api, group_id, "unhealthy_nodes_exists") == {checked["id"]}
        assert plain["id"] in _listed(api, group_id, "no_unhealthy_nodes")
        assert checked["id"] not in _listed(api, group_id, "no_unhealthy_nodes")

        unknown = api.get(f"{path}/{checked['id']}/healthcheck", params={"upstream_id": "nope"})
        assert unknown.status_code == 404 and "nope" in unknown.json()["error_msg"]
        bad = api.get(f"{path}/{checked['id']}/healthcheck", params={"upstream_id": "a b"})
        assert bad.status_code == 400 and bad.json()["error_msg"]
        bad_filter = api.get(path, params={"unhealthy_nodes": "sometimes"})
        assert bad_filter.status_code == 400 and "unhealthy_nodes" in bad_filter.json()["error_msg"]
        assert api.get(f"{path}/nope/healthcheck").status_code == 404
    finally:
        for template in (checked, plain):
            api.delete(f"{path}/{template['id']}")
            api.delete(f"/api/services/template/{template['id']}")
        if group == "new":
            api.delete(f"/api/gateway_groups/{group_id}")


def test_data_plane_not_answering_is_a_503(client) -> None:
    """In-process control plane without data plane processes: nothing answers for the group."""
    group = new_group(client, "no-data-plane")
    template = new_template(client, "svc-503")
    ok(publish(client, group["id"], template["id"], "v1"))
    path = f"/api/gateway_groups/{group['id']}/services"
    answer = client.get(f"{path}/{template['id']}/healthcheck")
    assert answer.status_code == 503
    assert "does not answer" in answer.json()["error_msg"]
    listing = client.get(path, params={"unhealthy_nodes": "unhealthy_nodes_exists"})
    assert listing.status_code == 503 and listing.json()["error_msg"]
    both = ["unhealthy_nodes_exists", "no_unhealthy_nodes"]  # keeps all: no need to ask
    assert len(ok(client.get(path, params={"unhealthy_nodes": both}))["list"]) == 1
