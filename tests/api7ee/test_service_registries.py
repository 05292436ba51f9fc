"""Service registry connections of a gateway group (reference level): CRUD and validation,
real probe status against the Nacos stand-in (up, down, never up), the bounded health-check
history, nodes rendered from the registry and re-rendered when it changes, last known nodes
kept through an outage, and deletion refused while a published service uses a connection.
A small Kubernetes API server stand-in checks the kubernetes type the same way."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from conformance.support.eventually import eventually
from conformance.support.kubernetes_standin import KubernetesStandIn
from conformance.support.nacos_standin import NacosStandIn, free_port
from reference_impl.api7ee import discovery_poller, service_discovery
from reference_impl.api7ee.cpstore import SERVICE_REGISTRIES

from .conftest import group_key, new_group, new_route, new_template, ok, publish

WAIT = 8.0


@pytest.fixture(autouse=True)
def _stop_poller(client) -> Iterator[None]:
    yield
    discovery_poller.stop_poller(client.app.state.api7ee)


@pytest.fixture
def nacos() -> Iterator[NacosStandIn]:
    with NacosStandIn() as server:
        yield server


def nacos_body(*hosts: str, **config: Any) -> dict[str, Any]:
    return {
        "name": "registry",
        "type": "nacos",
        "nacos_config": {"hosts": list(hosts), "fetch_interval": 1, **config},
        "health_check": {"probe_interval": 1, "probe_timeout": 2},
    }


def registries(group: dict[str, Any]) -> str:
    return f"/api/gateway_groups/{group['id']}/service_registries"


def connect(client, group: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    return ok(client.post(registries(group), json=body))["value"]


def status_of(client, group, registry) -> dict[str, Any]:
    return ok(client.get(f"{registries(group)}/{registry['id']}"))["value"]


def wait_status(client, group, registry, status: str) -> dict[str, Any]:
    def check() -> dict[str, Any]:
        shown = status_of(client, group, registry)
        assert shown["status"] == status, shown
        return shown

    return eventually(check, timeout=WAIT, interval=0.1)


def discovered(registry: dict[str, Any], service: str = "httpbin", **extra: Any):
    return {
        "type": "roundrobin",
        "discovery_type": "nacos",
        "service_name": f"{registry['id']}/public/DEFAULT_GROUP/{service}",
        **extra,
    }


def publish_discovered(client, group, registry, **extra: Any) -> dict[str, Any]:
    template = new_template(client, upstream=discovered(registry, **extra))
    new_route(client, template["id"], ["/hello"])
    ok(publish(client, group["id"], template["id"], "v1"))
    return template


def rendered_nodes(store, group, template) -> list[tuple[str, int, int]]:
    upstream = group_key(store, group, f"/services/{template['id']}")["upstream"]
    assert "service_name" not in upstream and "discovery_type" not in upstream
    return sorted((n["host"], n["port"], n["weight"]) for n in upstream["nodes"])


def wait_nodes(store, group, template, expected: list[tuple[str, int, int]]) -> None:
    def check() -> None:
        assert rendered_nodes(store, group, template) == expected

    eventually(check, timeout=WAIT, interval=0.1)


# --- CRUD and validation ------------------------------------------------------------------------
def test_crud_fills_defaults_and_lists(client, nacos):
    group = new_group(client)
    created = connect(client, group, {**nacos_body(nacos.url), "description": "first"})
    assert created["gateway_group_id"] == group["id"]
    assert created["status"] in ("connecting", "healthy")
    assert created["nacos_config"]["prefix"] == "/nacos/v1"
    assert created["nacos_config"]["default_weight"] == 100
    assert created["nacos_config"]["timeout"] == {"connect": 2, "send": 2, "read": 5}
    other = connect(client, group, {**nacos_body(nacos.url), "name": "second"})

    listing = ok(client.get(registries(group), params={"search": "second"}))
    assert [r["id"] for r in listing["list"]] == [other["id"]]
    assert ok(client.get(registries(group)))["total"] == 2

    update = {**nacos_body(nacos.url), "name": "renamed", **{"id": "ignored", "status": "x"}}
    updated = ok(client.put(f"{registries(group)}/{created['id']}", json=update))["value"]
    assert (updated["id"], updated["name"], updated["description"]) == (
        created["id"],
        "renamed",
        "",
    )
    assert updated["created_at"] == created["created_at"]

    assert client.delete(f"{registries(group)}/{created['id']}").status_code == 200
    assert client.get(f"{registries(group)}/{created['id']}").status_code == 404
    assert ok(client.get(registries(group)))["total"] == 1


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"name": "x", "type": "nacos"}, "nacos_config"),
        ({"name": "x", "type": "consul", "nacos_config": {"hosts": []}}, "type"),
        ({"type": "nacos", "nacos_config": {"hosts": ["http://127.0.0.1:1"]}}, "name"),
        (
            {"name": "x", "type": "nacos", "nacos_config": {"hosts": ["127.0.0.1:8848"]}},
            "nacos_config/hosts/0",
        ),
        (
            {
                "name": "x",
                "type": "nacos",
                "nacos_config": {"hosts": ["http://127.0.0.1:1"], "auth": {"username": "u"}},
            },
            "nacos_config/auth",
        ),
        (
            {
                "name": "x",
                "type": "kubernetes",
                "kubernetes_config": {"service": {"schema": "http", "host": "h", "port": "1"}},
                "nacos_config": {"hosts": ["http://127.0.0.1:1"]},
            },
            "nacos_config is not allowed",
        ),
        (
            {
                "name": "x",
                "type": "kubernetes",
                "kubernetes_config": {
                    "service": {"schema": "http", "host": "h", "port": "1"},
                    "namespace_selector": {"match": ["(unclosed"]},
                },
            },
            "namespace_selector/match",
        ),
        ({"name": "x" * 101, "type": "nacos", "nacos_config": {"hosts": []}}, "name"),
        (
            {
                "name": "x",
                "type": "kubernetes",
                "kubernetes_config": {
                    "service": {"schema": "https", "host": "h", "port": "6443"},
                    "client": {"token_file": "/var/run/secrets/../../etc/passwd"},
                },
            },
            "token_file",
        ),
        (
            {"name": "x", "type": "nacos", "nacos_config": {"hosts": ["http://127.0.0.1:70000"]}},
            "port 70000",
        ),
    ],
)
def test_invalid_bodies_are_refused_naming_the_field(client, body, fragment):
    group = new_group(client)
    response = client.post(registries(group), json=body)
    assert response.status_code == 400, response.text
    assert fragment in response.json()["error_msg"]


def test_unknown_group_and_registry_answer_404(client, nacos):
    group = new_group(client)
    assert client.get("/api/gateway_groups/nope/service_registries").status_code == 404
    assert client.get(f"{registries(group)}/nope").status_code == 404
    assert client.delete(f"{registries(group)}/nope").status_code == 404
    assert client.post(registries({"id": "nope"}), json=nacos_body(nacos.url)).status_code == 404


# --- status and history ---------------------------------------------------------------------------
def test_status_follows_the_registry_and_history_records_it(client, nacos):
    group = new_group(client)
    registry = connect(client, group, nacos_body(nacos.url))
    healthy = wait_status(client, group, registry, "healthy")
    assert isinstance(healthy["last_connect_time"], int)
    nacos.stop()
    lost = wait_status(client, group, registry, "lost_connection")
    assert lost["last_connect_time"] >= healthy["last_connect_time"]
    nacos.start()
    wait_status(client, group, registry, "healthy")

    path = f"{registries(group)}/{registry['id']}/health_check_history"
    history = ok(client.get(path, params={"direction": "asc"}))["list"]
    statuses = [h["status"] for h in history]
    assert "lost_connection" in statuses and statuses[0] == "healthy"
    assert all(h["service_registry_id"] == registry["id"] for h in history)
    assert all(h["hostname"] == nacos.url for h in history)
    only_lost = ok(client.get(path, params={"status": "lost_connection"}))["list"]
    assert only_lost and {h["status"] for h in only_lost} == {"lost_connection"}
    assert client.get(path, params={"status": "dead"}).status_code == 400


def test_a_registry_that_never_answers_is_lost_not_an_error(client):
    group = new_group(client)
    registry = connect(client, group, nacos_body(f"http://127.0.0.1:{free_port()}"))
    shown = wait_status(client, group, registry, "lost_connection")
    assert "last_connect_time" not in shown
    ns = f"{registries(group)}/{registry['id']}/nacos/namespaces"
    response = client.get(ns)
    assert response.status_code == 400
    assert "cannot be reached" in response.json()["error_msg"]


def test_history_is_bounded(client, nacos, monkeypatch):
    monkeypatch.setattr(service_discovery, "HISTORY_LIMIT", 5)
    group = new_group(client)
    body = {**nacos_body(nacos.url), "health_check": {"probe_interval": 3600}}
    registry = connect(client, group, body)
    api = client.app.state.api7ee
    stored = api.cp.get(SERVICE_REGISTRIES, group["id"], registry["id"])
    service_discovery.forget(registry["id"])
    for _ in range(12):
        service_discovery.probe(api, stored)
    history = ok(client.get(f"{registries(group)}/{registry['id']}/health_check_history"))
    assert history["total"] == 5


# --- discovery ------------------------------------------------------------------------------------
def test_published_service_gets_the_registry_nodes_and_follows_changes(client, store, nacos):
    nacos.register("httpbin", "127.0.0.1", 9001)
    nacos.register("httpbin", "127.0.0.1", 9009, healthy=False)
    group = new_group(client)
    registry = connect(client, group, nacos_body(nacos.url))
    template = publish_discovered(client, group, registry)
    assert rendered_nodes(store, group, template) == [("127.0.0.1", 9001, 1)]
    # the published service keeps the API7 shape
    shown = ok(client.get(f"/api/gateway_groups/{group['id']}/services/{template['id']}"))
    assert shown["value"]["upstream"]["discovery_type"] == "nacos"

    nacos.register("httpbin", "127.0.0.1", 9002, weight=3.0)
    wait_nodes(store, group, template, [("127.0.0.1", 9001, 1), ("127.0.0.1", 9002, 3)])
    nacos.deregister("httpbin", "127.0.0.1", 9001)
    wait_nodes(store, group, template, [("127.0.0.1", 9002, 3)])

    connected = ok(client.get(f"{registries(group)}/{registry['id']}/connected_services"))
    assert [s["id"] for s in connected["list"]] == [template["id"]]


def test_metadata_filter_selects_instances(client, store, nacos):
    nacos.register("httpbin", "127.0.0.1", 9001, metadata={"idc": "sh"})
    nacos.register("httpbin", "127.0.0.1", 9002, metadata={"idc": "bj"})
    group = new_group(client)
    registry = connect(client, group, nacos_body(nacos.url))
    template = publish_discovered(
        client, group, registry, discovery_args={"metadata": {"idc": "bj"}}
    )
    assert rendered_nodes(store, group, template) == [("127.0.0.1", 9002, 1)]
    base = f"{registries(group)}/{registry['id']}/nacos/namespaces/public/groups/DEFAULT_GROUP"
    meta = ok(client.get(f"{base}/services/httpbin/instances_metadata"))
    assert meta["value"] == {"idc": ["bj", "sh"]} and meta["total"] == 2


def test_an_outage_keeps_the_last_known_nodes(client, store, nacos):
    nacos.register("httpbin", "127.0.0.1", 9001)
    group = new_group(client)
    registry = connect(client, group, nacos_body(nacos.url))
    template = publish_discovered(client, group, registry)
    nacos.stop()
    wait_status(client, group, registry, "lost_connection")
    # a re-render while the registry is down (runtime configuration change) keeps the nodes
    patch = [{"op": "replace", "path": "/status", "value": 1}]
    runtime = f"/api/gateway_groups/{group['id']}/services/{template['id']}/runtime_configuration"
    ok(client.patch(runtime, json=patch))
    assert rendered_nodes(store, group, template) == [("127.0.0.1", 9001, 1)]


def test_a_registry_that_never_answered_renders_no_nodes(client, store):
    group = new_group(client)
    registry = connect(client, group, nacos_body(f"http://127.0.0.1:{free_port()}"))
    template = publish_discovered(client, group, registry)
    assert rendered_nodes(store, group, template) == []


def test_service_names_must_fit_a_registry_of_the_group(client, nacos):
    group, other = new_group(client), new_group(client, "g2")
    registry = connect(client, other, nacos_body(nacos.url))
    template = new_template(client, upstream=discovered(registry))
    response = publish(client, group["id"], template["id"], "v1")
    assert response.status_code == 400
    assert f"service registry {registry['id']} not found" in response.json()["error_msg"]

    mine = connect(client, group, nacos_body(nacos.url))
    bad = {**discovered(mine), "service_name": f"{mine['id']}/public/httpbin"}
    template = new_template(client, name="svc2", upstream=bad)
    response = publish(client, group["id"], template["id"], "v1")
    assert response.status_code == 400
    assert "<namespace>/<group>/<service>" in response.json()["error_msg"]

    unprefixed = {**discovered(mine), "service_name": "httpbin"}
    template = new_template(client, name="svc3", upstream=unprefixed)
    response = publish(client, group["id"], template["id"], "v1")
    assert response.status_code == 400
    assert "<ServiceRegistryID>/" in response.json()["error_msg"]


def test_delete_is_refused_while_a_published_service_uses_it(client, nacos):
    nacos.register("httpbin", "127.0.0.1", 9001)
    group = new_group(client)
    registry = connect(client, group, nacos_body(nacos.url))
    template = publish_discovered(client, group, registry)
    response = client.delete(f"{registries(group)}/{registry['id']}")
    assert response.status_code == 400
    assert template["id"] in response.json()["error_msg"]
    k8s = {
        "name": "k8s",
        "type": "kubernetes",
        "kubernetes_config": {"service": {"schema": "http", "host": "127.0.0.1", "port": "1"}},
    }
    response = client.put(f"{registries(group)}/{registry['id']}", json=k8s)
    assert response.status_code == 400
    assert "type cannot change" in response.json()["error_msg"]
    ok(client.delete(f"/api/gateway_groups/{group['id']}/services/{template['id']}"))
    assert client.delete(f"{registries(group)}/{registry['id']}").status_code == 200


def test_deleting_a_group_deletes_its_registries(client, nacos):
    group = new_group(client)
    registry = connect(client, group, nacos_body(nacos.url))
    ok(client.delete(f"/api/gateway_groups/{group['id']}"))
    api = client.app.state.api7ee
    assert api.cp.get(SERVICE_REGISTRIES, group["id"], registry["id"]) is None


def test_nacos_listings_and_login(client):
    with NacosStandIn(auth=("nacos", "secret")) as nacos:
        nacos.register("orders", "127.0.0.1", 9001, group="shop", namespace="dev")
        group = new_group(client)
        registry = connect(
            client,
            group,
            nacos_body(nacos.url, auth={"username": "nacos", "password": "secret"}),
        )
        base = f"{registries(group)}/{registry['id']}/nacos/namespaces"
        namespaces = ok(client.get(base))["list"]
        assert {n["namespace"] for n in namespaces} == {"public", "dev"}
        assert ok(client.get(f"{base}/dev/groups"))["list"] == ["shop"]
        assert ok(client.get(f"{base}/dev/groups/shop/services"))["list"] == ["orders"]
        k8s_only = f"{registries(group)}/{registry['id']}/kubernetes/internal_services"
        assert client.get(k8s_only).status_code == 400
        wrong = connect(client, group, nacos_body(nacos.url, auth={"token": "wrong"}))
        wait_status(client, group, wrong, "lost_connection")
        wait_status(client, group, registry, "healthy")


# --- kubernetes -------------------------------------------------------------------------------------
def test_kubernetes_registry_probes_lists_and_discovers(client, store):
    k8s = KubernetesStandIn("tok.en")
    try:
        k8s.endpoints[("apps", "web")] = [("127.0.0.1", 9100)]
        k8s.endpoints[("kube-system", "dns")] = [("127.0.0.1", 9200)]
        group = new_group(client)
        config = {
            "service": {"schema": "http", "host": "127.0.0.1", "port": str(k8s.port)},
            "client": {"token": "tok.en"},
            "namespace_selector": {"not_equal": "kube-system"},
        }
        body = {
            "name": "k8s",
            "type": "kubernetes",
            "kubernetes_config": config,
            "health_check": {"probe_interval": 1},
        }
        registry = connect(client, group, body)
        wait_status(client, group, registry, "healthy")
        internal = ok(
            client.get(f"{registries(group)}/{registry['id']}/kubernetes/internal_services")
        )
        assert internal["value"] == {"type": "kubernetes", "internal_services": {"apps": ["web"]}}

        upstream = {
            "type": "roundrobin",
            "discovery_type": "kubernetes",
            "service_name": f"{registry['id']}/apps/web:http",
        }
        template = new_template(client, upstream=upstream)
        new_route(client, template["id"], ["/k"])
        ok(publish(client, group["id"], template["id"], "v1"))
        assert rendered_nodes(store, group, template) == [("127.0.0.1", 9100, 50)]
        nacos_only = f"{registries(group)}/{registry['id']}/nacos/namespaces"
        assert client.get(nacos_only).status_code == 400

        wrong = {**body, "kubernetes_config": {**config, "client": {"token": "other"}}}
        ok(client.put(f"{registries(group)}/{registry['id']}", json=wrong))
        wait_status(client, group, registry, "lost_connection")
    finally:
        k8s.stop()


def test_every_user_of_a_discovered_service_follows_it(client, store, nacos):
    """Two published services naming the same Nacos service, and a published service's extra
    upstream (served under /apisix/admin), all get the registry's new nodes."""
    nacos.register("httpbin", "127.0.0.1", 9001)
    group = new_group(client)
    registry = connect(client, group, nacos_body(nacos.url))
    first = publish_discovered(client, group, registry)
    second = new_template(client, name="svc2", upstream=discovered(registry))
    new_route(client, second["id"], ["/second"])
    ok(publish(client, group["id"], second["id"], "v1"))
    extra = ok(
        client.post(
            f"/apisix/admin/services/{first['id']}/upstreams",
            params={"gateway_group_id": group["id"]},
            json={"name": "extra", **discovered(registry)},
        )
    )["value"]

    def extra_nodes() -> list[tuple[str, int]]:
        rendered = group_key(store, group, f"/upstreams/{extra['id']}")
        return sorted((n["host"], n["port"]) for n in rendered.get("nodes", []))

    eventually(lambda: _equal(extra_nodes(), [("127.0.0.1", 9001)]), timeout=WAIT, interval=0.1)
    nacos.register("httpbin", "127.0.0.1", 9002)
    both = [("127.0.0.1", 9001, 1), ("127.0.0.1", 9002, 1)]
    wait_nodes(store, group, first, both)
    wait_nodes(store, group, second, both)
    eventually(
        lambda: _equal(extra_nodes(), [("127.0.0.1", 9001), ("127.0.0.1", 9002)]),
        timeout=WAIT,
        interval=0.1,
    )


def _equal(got: Any, wanted: Any) -> None:
    assert got == wanted
