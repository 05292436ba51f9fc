"""API7 Enterprise service registry connections on real traffic: a gateway group connected to
a Nacos registry routes a published service to the instances registered there, follows
registrations and deregistrations, lists the service among the registry's connected
services, and refuses to disconnect the registry while the service uses it.

The registry is the suite's loopback Nacos stand-in (conformance/support/nacos_standin.py):
a real Nacos cannot run here. Everything else — control plane, data plane, upstreams — is
the target's own."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from conformance.registry import conformance_test
from conformance.support.eventually import converge
from conformance.support.nacos_standin import NacosStandIn
from conformance.support.traffic import Case, count_backends, expect_cases

from .ee_client import body_of, items

SERVICE = "gwconform-echo"


@pytest.fixture
def nacos() -> Iterator[NacosStandIn]:
    with NacosStandIn() as server:
        yield server


def register(nacos: NacosStandIn, echo) -> None:
    host, port = echo.node.rsplit(":", 1)
    nacos.register(SERVICE, host, int(port))


def deregister(nacos: NacosStandIn, echo) -> None:
    host, port = echo.node.rsplit(":", 1)
    nacos.deregister(SERVICE, host, int(port))


@conformance_test(
    name="ee-service-registry-nacos-discovery",
    description="a published service whose upstream names a Nacos service reaches the "
    "instances registered there and follows (de)registrations",
    profile="api7ee",
    features=["ee-service-registries", "ee-publishing"],
)
def test_nacos_discovery(ee, dashboard, echoes, nacos, gw_target):
    alpha, beta = echoes("alpha", "beta")
    register(nacos, alpha)
    group = ee.group()
    registries = f"/gateway_groups/{group['id']}/service_registries"
    body = {
        "name": "nacos-standin",
        "type": "nacos",
        "nacos_config": {"hosts": [nacos.url], "fetch_interval": 1},
        "health_check": {"probe_interval": 1, "probe_timeout": 2},
    }
    registry = body_of(dashboard.post(registries, json=body))["value"]
    assert registry["type"] == "nacos" and registry["nacos_config"]["hosts"] == [nacos.url]
    item = f"{registries}/{registry['id']}"

    def healthy() -> None:
        shown = body_of(dashboard.get(item))["value"]
        assert shown["status"] == "healthy", shown

    timeouts = gw_target.timeouts
    polled = timeouts.apply + timeouts.registry_poll
    converge(healthy, timeouts, within=polled, interval=0.2)

    upstream = {
        "type": "roundrobin",
        "discovery_type": "nacos",
        "service_name": f"{registry['id']}/public/DEFAULT_GROUP/{SERVICE}",
    }
    template = ee.template(upstream=upstream)
    ee.route(template["id"], ["/discovered"])
    body_of(ee.publish(group["id"], template["id"]))

    with httpx.Client(base_url=ee.data_plane_url(group["id"]), timeout=5) as dp:
        expect_cases(dp, [Case("/discovered", backend="alpha")], timeouts, within=polled)

        register(nacos, beta)

        def both() -> None:
            assert set(count_backends(dp, "/discovered", 8)) == {"alpha", "beta"}

        converge(both, timeouts, within=polled, interval=0.2)

        deregister(nacos, alpha)

        def only_beta() -> None:
            assert set(count_backends(dp, "/discovered", 6)) == {"beta"}

        converge(only_beta, timeouts, within=polled, interval=0.2)

    connected = items(body_of(dashboard.get(f"{item}/connected_services")))
    assert [s["id"] for s in connected] == [template["id"]]
    refused = dashboard.delete(item)
    assert refused.status_code == 400 and refused.json()["error_msg"]

    body_of(dashboard.delete(f"/gateway_groups/{group['id']}/services/{template['id']}"))
    assert items(body_of(dashboard.get(f"{item}/connected_services"))) == []
    body_of(dashboard.delete(item))
    assert dashboard.get(item).status_code == 404


@conformance_test(
    name="ee-service-registry-status",
    description="a registry connection is healthy while its registry answers and "
    "lost_connection once it stops, with both in its health-check history",
    profile="api7ee",
    features=["ee-service-registries"],
)
def test_registry_status_and_history(ee, dashboard, nacos, gw_target):
    group = ee.group()
    registries = f"/gateway_groups/{group['id']}/service_registries"
    body = {
        "name": "nacos-standin",
        "type": "nacos",
        "nacos_config": {"hosts": [nacos.url]},
        "health_check": {"probe_interval": 1, "probe_timeout": 1},
    }
    registry = body_of(dashboard.post(registries, json=body))["value"]
    item = f"{registries}/{registry['id']}"
    timeouts = gw_target.timeouts

    def status_is(wanted: str):
        def check() -> dict:
            shown = body_of(dashboard.get(item))["value"]
            assert shown["status"] == wanted, shown
            return shown

        return converge(
            check, timeouts, within=timeouts.apply + timeouts.registry_poll, interval=0.2
        )

    assert isinstance(status_is("healthy")["last_connect_time"], int)
    nacos.stop()
    status_is("lost_connection")
    history = items(body_of(dashboard.get(f"{item}/health_check_history")))
    assert {"healthy", "lost_connection"} <= {h["status"] for h in history}
    lost = items(
        body_of(dashboard.get(f"{item}/health_check_history", params={"status": "lost_connection"}))
    )
    assert lost and all(h["status"] == "lost_connection" for h in lost)
    body_of(dashboard.delete(item))
