"""Upstreams of a published service (`/apisix/admin/services/{id}/upstreams`): stored with
the group's published service, rendered into the group's APISIX namespace, kept across
re-publishing and rollback, refused deletion while a route uses them, removed with the
service."""

from __future__ import annotations

from typing import Any

import pytest

from tests.admin.certs import cert_and_key

from .conftest import group_key, new_group, new_route, new_template, ok, publish

EXTRA = {
    "name": "canary",
    "desc": "the canary pool",
    "labels": {"track": "canary"},
    "nodes": [{"host": "127.0.0.1", "port": 1981, "weight": 1}],
    "timeout": {"connect": 3, "send": 3, "read": 3},
    "retries": 1,
}


@pytest.fixture
def published(client) -> dict[str, Any]:
    group = new_group(client)
    template = new_template(client)
    route = new_route(client, template["id"], ["/hello"])
    ok(publish(client, group["id"], template["id"], "v1"))
    base = f"/apisix/admin/services/{template['id']}/upstreams"
    return {
        "group": group,
        "template": template,
        "route": route,
        "base": base,
        "scope": {"gateway_group_id": group["id"]},
    }


def _create(client, published, body=None) -> dict[str, Any]:
    return ok(client.post(published["base"], params=published["scope"], json=body or EXTRA))[
        "value"
    ]


def test_create_renders_an_apisix_upstream_in_the_group(client, store, published):
    created = _create(client, published)
    assert created["name"] == "canary" and created["type"] == "roundrobin"
    assert created["nodes"] == [{"host": "127.0.0.1", "port": 1981, "weight": 1, "priority": 0}]
    assert created["created_at"] == created["updated_at"]
    rendered = group_key(store, published["group"], f"/upstreams/{created['id']}")
    assert rendered["nodes"] == created["nodes"] and rendered["scheme"] == "http"
    assert rendered["labels"] == {"track": "canary"} and rendered["timeout"]["read"] == 3
    listed = ok(client.get("/apisix/admin/upstreams", params=published["scope"]))
    assert [item["value"]["id"] for item in listed["list"]] == [created["id"]]
    # the default upstream of the service stays where it was
    service = group_key(store, published["group"], f"/services/{published['template']['id']}")
    assert service["upstream"]["nodes"][0]["port"] == 1980


def test_list_get_and_publish_info(client, published, ticking_clock):
    first = _create(client, published)
    second = _create(client, published, {**EXTRA, "name": "second"})
    listing = ok(client.get(published["base"], params=published["scope"]))
    assert listing["total"] == 2 and [u["id"] for u in listing["list"]] == [
        first["id"],
        second["id"],
    ]
    assert "service_version_id" not in listing["list"][0]
    with_info = ok(
        client.get(
            f"{published['base']}/{first['id']}",
            params={**published["scope"], "with_publish_info": "true"},
        )
    )["value"]
    assert with_info["service_id"] == published["template"]["id"]
    assert with_info["service_version_id"] and with_info["apisix_upstream_id"] == first["id"]
    for bad in ({"direction": "desc"}, {"order_by": "name"}, {"with_publish_info": "maybe"}):
        answer = client.get(published["base"], params={**published["scope"], **bad})
        assert answer.status_code == 400 and answer.json()["error_msg"]


def test_put_and_patch(client, store, published, ticking_clock):
    created = _create(client, published)
    url = f"{published['base']}/{created['id']}"
    replaced = ok(
        client.put(
            url,
            params=published["scope"],
            json={
                "nodes": [{"host": "127.0.0.2", "port": 1982, "weight": 5}],
                "type": "least_conn",
            },
        )
    )["value"]
    assert replaced["name"] == "default" and "desc" not in replaced
    assert replaced["created_at"] == created["created_at"] < replaced["updated_at"]
    patch = [{"op": "replace", "path": "/nodes/0/weight", "value": 9}]
    patched = ok(client.patch(url, params=published["scope"], json=patch))["value"]
    assert patched["nodes"][0]["weight"] == 9 and patched["type"] == "least_conn"
    rendered = group_key(store, published["group"], f"/upstreams/{created['id']}")
    assert rendered["type"] == "least_conn" and rendered["nodes"][0]["weight"] == 9
    assert rendered["create_time"] < rendered["update_time"]


def test_invalid_bodies_are_refused(client, published):
    created = _create(client, published)
    url = f"{published['base']}/{created['id']}"
    node = {"host": "127.0.0.1", "port": 80, "weight": 1}
    for body in (
        {},
        {"nodes": []},
        {"nodes": [{"host": "127.0.0.1", "port": 0, "weight": 1}]},
        {"nodes": [node], "type": "random"},
        {"nodes": [node], "unknown": 1},
        {"nodes": [node], "service_name": "svc", "discovery_type": "nacos"},
        {"nodes": [node], "type": "chash"},  # chash needs a key (APISIX's own check)
        {"nodes": [{"host": "bad host!", "port": 80, "weight": 1}]},
    ):
        for answer in (
            client.post(published["base"], params=published["scope"], json=body),
            client.put(url, params=published["scope"], json=body),
        ):
            assert answer.status_code == 400, (body, answer.text)
            assert answer.json()["error_msg"]
    bad_patch = [{"op": "remove", "path": "/nodes"}]
    assert client.patch(url, params=published["scope"], json=bad_patch).status_code == 400
    assert ok(client.get(url, params=published["scope"]))["value"] == created


def test_service_name_must_name_a_registry_of_the_group(client, published):
    # a service name without a "<registry id>/" prefix names no registry of the group
    body = {
        "name": "registry",
        "service_name": "httpbin",
        "discovery_type": "nacos",
        "discovery_args": {"metadata": {"idc": "shanghai"}},
    }
    answer = client.post(published["base"], params=published["scope"], json=body)
    assert answer.status_code == 400 and "httpbin" in answer.json()["error_msg"]
    assert client.get(published["base"], params=published["scope"]).json()["total"] == 0


def test_tls_verify_renders_as_apisix_tls(client, store, published):
    created = _create(client, published, {**EXTRA, "scheme": "https", "tls_verify": True})
    assert created["tls_verify"] is True
    rendered = group_key(store, published["group"], f"/upstreams/{created['id']}")
    assert rendered["tls"] == {"verify": True} and "tls_verify" not in rendered


def test_unknown_service_and_upstream(client, published):
    scope = published["scope"]
    assert (
        client.post("/apisix/admin/services/nope/upstreams", params=scope, json=EXTRA).status_code
        == 404
    )
    assert client.get("/apisix/admin/services/nope/upstreams", params=scope).status_code == 404
    for method in ("GET", "DELETE"):
        answer = client.request(method, f"{published['base']}/nope", params=scope)
        assert answer.status_code == 404 and "nope" in answer.json()["error_msg"]
    answer = client.put(f"{published['base']}/nope", params=scope, json=EXTRA)
    assert answer.status_code == 404


def test_default_group_without_the_argument(client, store):
    template = new_template(client)
    new_route(client, template["id"], ["/d"])
    ok(publish(client, "default", template["id"], "v1"))
    created = ok(client.post(f"/apisix/admin/services/{template['id']}/upstreams", json=EXTRA))[
        "value"
    ]
    assert store.get(f"/apisix/upstreams/{created['id']}").value["name"] == "canary"
    ok(client.delete(f"/api/gateway_groups/default/services/{template['id']}"))
    assert store.get(f"/apisix/upstreams/{created['id']}") is None


def test_survive_republish_and_rollback(client, store, published):
    created = _create(client, published)
    group, template = published["group"], published["template"]
    v1 = ok(client.get(f"/api/gateway_groups/{group['id']}/services/{template['id']}"))["value"]
    ok(publish(client, group["id"], template["id"], "v2"))
    ok(publish(client, group["id"], template["id"], service_version_id=v1["service_version_id"]))
    url = f"{published['base']}/{created['id']}"
    assert ok(client.get(url, params=published["scope"]))["value"] == created
    assert group_key(store, group, f"/upstreams/{created['id']}") is not None


def test_delete_refused_while_a_route_uses_it(client, store, published):
    created = _create(client, published)
    group, template, route = published["group"], published["template"], published["route"]
    split = {
        "traffic-split": {
            "rules": [{"weighted_upstreams": [{"upstream_id": created["id"], "weight": 1}]}]
        }
    }
    # a route of the group's APISIX namespace naming the upstream inside a plugin
    key = f"{group['prefix']}/routes/{route['id']}"
    store.put(key, {**store.get(key).value, "plugins": split})
    url = f"{published['base']}/{created['id']}"
    answer = client.delete(url, params=published["scope"])
    assert answer.status_code == 400 and route["id"] in answer.json()["error_msg"]
    ok(publish(client, group["id"], template["id"], "v2"))  # re-rendered without the reference
    assert ok(client.delete(url, params=published["scope"])) == {"value": {}}
    assert group_key(store, group, f"/upstreams/{created['id']}") is None
    assert client.get(url, params=published["scope"]).status_code == 404


def test_deleting_the_published_service_removes_its_upstreams(client, store, published):
    created = _create(client, published)
    group, template = published["group"], published["template"]
    ok(client.delete(f"/api/gateway_groups/{group['id']}/services/{template['id']}"))
    assert group_key(store, group, f"/upstreams/{created['id']}") is None
    ok(publish(client, group["id"], template["id"], "v9"))
    assert ok(client.get(published["base"], params=published["scope"]))["total"] == 0


def test_client_certificate_and_cas_render_as_apisix_tls(client, store, published):
    scope = published["scope"]
    cert, key = cert_and_key("client.example.com")
    cert_id = ok(
        client.post("/apisix/admin/certificates", params=scope, json={"cert": cert, "key": key})
    )["value"]["id"]
    ca_id = ok(client.post("/apisix/admin/ca_certificates", params=scope, json={"cert": cert}))[
        "value"
    ]["id"]
    body = {
        **EXTRA,
        "scheme": "https",
        "client_certificate": cert_id,
        "ca_certificates": [ca_id],
        "tls_verify": True,
    }
    created = _create(client, published, body)
    assert created["client_certificate"] == cert_id and created["ca_certificates"] == [ca_id]
    rendered = group_key(store, published["group"], f"/upstreams/{created['id']}")
    assert rendered["tls"]["client_cert"] == cert and rendered["tls"]["verify"] is True
    assert rendered["tls"]["client_key"] != key  # stored encrypted, as the Admin API does
    assert "client_certificate" not in rendered and "ca_certificates" not in rendered
    for wrong in ({"client_certificate": "missing"}, {"ca_certificates": ["missing"]}):
        answer = client.post(published["base"], params=scope, json={**EXTRA, **wrong})
        assert answer.status_code == 400 and "missing" in answer.json()["error_msg"]


def test_deprecated_tls_keeps_its_key_encrypted(client, store, published):
    cert, key = cert_and_key("legacy.example.com")
    created = _create(client, published, {**EXTRA, "tls": {"client_cert": cert, "client_key": key}})
    assert created["tls"]["client_cert"] == cert and created["tls"]["client_key"] != key
    url = f"{published['base']}/{created['id']}"
    patch = [{"op": "replace", "path": "/name", "value": "renamed"}]
    patched = ok(client.patch(url, params=published["scope"], json=patch))["value"]
    assert patched["name"] == "renamed" and patched["tls"]["client_key"] != key
    rendered = group_key(store, published["group"], f"/upstreams/{created['id']}")
    assert rendered["tls"]["client_cert"] == cert and rendered["tls"]["client_key"] != key
