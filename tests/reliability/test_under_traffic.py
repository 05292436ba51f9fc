"""The data plane under steady traffic while the world around it changes: etcd stops and
comes back, routes change a hundred times a second, an upstream node dies. Every request of
the steady traffic is answered 200."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator

import pytest

from conformance.support.echo_upstream import EchoUpstream

from .served import ServedGateway
from .traffic import Traffic

OUTAGE = 3.0  # seconds etcd is down
CHURN_SECONDS, CHURN_RATE = 3.0, 100  # route changes per second
WORKERS = 2

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="Linux process semantics")


@pytest.fixture
def echo() -> Iterator[EchoUpstream]:
    with EchoUpstream("steady") as server:
        yield server


def _route(gateway: ServedGateway, route_id: str, body: dict) -> None:
    with gateway.admin(timeout=10) as admin:
        reply = admin.put(f"/apisix/admin/routes/{route_id}", json=body)
        assert reply.status_code in (200, 201), reply.text


def _served(gateway: ServedGateway, path: str, timeout: float = 10.0) -> None:
    """Wait until the data plane serves `path` (a write reaches the workers by a watch)."""
    deadline = time.monotonic() + timeout
    with Traffic(gateway.node_url + path, threads=1) as probe:
        while probe.total == 0 or probe.answers["200"] == 0:
            assert time.monotonic() < deadline, f"{path} is not served: {probe.answers}"
            time.sleep(0.05)


def test_etcd_outage_under_traffic_fails_no_request(tmp_path, etcd, echo):
    gateway = ServedGateway(tmp_path, workers=WORKERS, etcd_url=etcd.client_url)
    try:
        _route(gateway, "steady", {"uri": "/steady", "upstream": {"nodes": {echo.node: 1}}})
        _served(gateway, "/steady")
        with Traffic(gateway.node_url + "/steady") as traffic:
            time.sleep(0.5)
            etcd.stop()
            time.sleep(OUTAGE)
            etcd.start()
            time.sleep(0.5)
        # and the control plane is back: a new route reaches the data plane
        _route(gateway, "after", {"uri": "/after", "upstream": {"nodes": {echo.node: 1}}})
        _served(gateway, "/after", timeout=30)
    finally:
        gateway.stop()
    assert traffic.failures() == {}, traffic.answers
    assert traffic.total > 100
    print(f"etcd stopped {OUTAGE:.0f}s under traffic: {traffic.total} requests, all 200")


def test_route_churn_under_traffic_fails_no_request(tmp_path, echo):
    gateway = ServedGateway(tmp_path, workers=WORKERS)
    upstream = {"nodes": {echo.node: 1}}
    changes = 0
    try:
        _route(gateway, "steady", {"uri": "/steady", "upstream": upstream})
        _served(gateway, "/steady")
        with Traffic(gateway.node_url + "/steady") as traffic, gateway.admin() as admin:
            start = time.monotonic()
            while (elapsed := time.monotonic() - start) < CHURN_SECONDS:
                # the steady route itself changes too, and other routes come and go
                n = changes
                if n % 2:
                    reply = admin.delete(f"/apisix/admin/routes/churn{n % 10}")
                    assert reply.status_code in (200, 404), reply.text
                else:
                    body = {"uri": f"/churn/{n}", "upstream": upstream}
                    reply = admin.put(f"/apisix/admin/routes/churn{n % 10}", json=body)
                    assert reply.status_code in (200, 201), reply.text
                body = {"uri": "/steady", "upstream": upstream, "desc": f"change {n}"}
                assert admin.put("/apisix/admin/routes/steady", json=body).status_code == 200
                changes += 2
                time.sleep(max(0.0, changes / CHURN_RATE - elapsed))
    finally:
        gateway.stop()
    assert traffic.failures() == {}, traffic.answers
    assert changes >= CHURN_SECONDS * CHURN_RATE * 0.9, "the churn did not reach its rate"
    print(
        f"{changes} route changes in {CHURN_SECONDS:.0f}s under traffic: "
        f"{traffic.total} requests, all 200"
    )


def test_an_upstream_node_killed_under_traffic_fails_no_request(tmp_path, echo):
    """APISIX retries a failed attempt on another node (retries default to the number of
    nodes - 1), so losing one of two nodes costs no request."""
    gateway = ServedGateway(tmp_path, workers=WORKERS)
    with EchoUpstream("doomed") as doomed:
        try:
            upstream = {"nodes": {echo.node: 1, doomed.node: 1}}
            _route(gateway, "steady", {"uri": "/steady", "upstream": upstream})
            _served(gateway, "/steady")
            with Traffic(gateway.node_url + "/steady") as traffic:
                time.sleep(0.5)
                served_before = doomed.request_count
                doomed.stop()
                time.sleep(1.5)
        finally:
            gateway.stop()
    assert served_before > 0, "the doomed node had no share of the traffic"
    assert traffic.failures() == {}, traffic.answers
    print(
        f"one of two upstream nodes killed under traffic: {traffic.total} requests, all 200 "
        f"({served_before} served by the killed node before)"
    )
