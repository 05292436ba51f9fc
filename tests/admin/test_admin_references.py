"""References: writes naming a missing object are refused; deleting an object still in
use is refused unless force=true."""

from __future__ import annotations

import pytest

from .certs import cert_and_key
from .conftest import UPSTREAM, put_ok


def test_seed_force_delete(api):
    put_ok(api, "/upstreams/1", {"nodes": {"127.0.0.1:8080": 1}, "type": "roundrobin"})
    route = api.put("/routes/1", json={"uri": "/*", "upstream_id": 1})
    assert route.status_code == 201
    assert route.json()["value"]["upstream_id"] == 1
    refused = {"error_msg": "can not delete this upstream, route [1] is still using it now"}
    plain = api.delete("/upstreams/1")
    assert (plain.status_code, plain.json()) == (400, refused)
    other = api.delete("/upstreams/1?force=anyvalue")
    assert (other.status_code, other.json()) == (400, refused)
    forced = api.delete("/upstreams/1?force=true")
    assert forced.status_code == 200
    assert forced.json() == {"deleted": "1", "key": "/apisix/upstreams/1"}


@pytest.mark.parametrize(
    "path, body, message",
    [
        (
            "/routes/1",
            {"uri": "/a", "upstream_id": "u9"},
            "failed to fetch upstream info by upstream id [u9], response code: 404",
        ),
        (
            "/routes/1",
            {"uri": "/a", "service_id": "s9"},
            "failed to fetch service info by service id [s9], response code: 404",
        ),
        (
            "/routes/1",
            {"uri": "/a", "upstream": UPSTREAM, "plugin_config_id": "p9"},
            "failed to fetch plugin config info by plugin config id [p9], response code: 404",
        ),
        (
            "/services/1",
            {"upstream_id": "u9"},
            "failed to fetch upstream info by upstream id [u9], response code: 404",
        ),
        (
            "/stream_routes/1",
            {"upstream_id": "u9"},
            "failed to fetch upstream info by upstream id [u9], response code: 404",
        ),
        (
            "/consumers",
            {"username": "jack", "group_id": "g9"},
            "failed to fetch consumer group info by consumer group id [g9], response code: 404",
        ),
        (
            "/upstreams/1",
            {**UPSTREAM, "tls": {"client_cert_id": "c9"}},
            "failed to fetch ssl info by ssl id [c9], response code: 404",
        ),
    ],
)
def test_missing_reference_is_400(api, path, body, message):
    resp = api.put(path, json=body)
    assert resp.status_code == 400
    assert resp.json() == {"error_msg": message}


def test_client_cert_id_must_name_a_client_ssl(api):
    cert, key = cert_and_key("client.test")
    put_ok(api, "/ssls/server", {"cert": cert, "key": key, "snis": ["client.test"]})
    wrong = api.put("/upstreams/1", json={**UPSTREAM, "tls": {"client_cert_id": "server"}})
    assert wrong.json() == {
        "error_msg": "failed to fetch ssl info by ssl id [server], wrong ssl type"
    }
    put_ok(api, "/ssls/client", {"cert": cert, "key": key, "type": "client"})
    ok = api.put("/upstreams/1", json={**UPSTREAM, "tls": {"client_cert_id": "client"}})
    assert ok.status_code == 201


def test_secret_reference_must_exist(api):
    body = {"username": "jack", "plugins": {"key-auth": {"key": "$secret://vault/v1/jack/key"}}}
    missing = api.put("/consumers", json=body)
    assert missing.status_code == 400
    assert missing.json() == {
        "error_msg": "failed to fetch secret info by secret id [vault/v1], response code: 404"
    }
    put_ok(api, "/secrets/vault/v1", {"uri": "http://127.0.0.1:8200", "prefix": "kv", "token": "t"})
    assert api.put("/consumers", json=body).status_code == 201


@pytest.mark.parametrize(
    "target, target_body, user, user_body, message",
    [
        (
            "/services/s1",
            {"upstream": UPSTREAM},
            "/routes/r1",
            {"uri": "/a", "service_id": "s1"},
            "can not delete this service directly, route [r1] is still using it now",
        ),
        (
            "/services/s1",
            {"upstream": UPSTREAM},
            "/stream_routes/r1",
            {"service_id": "s1"},
            "can not delete this service directly, stream_route [r1] is still using it now",
        ),
        (
            "/upstreams/u1",
            UPSTREAM,
            "/services/s1",
            {"upstream_id": "u1"},
            "can not delete this upstream, service [s1] is still using it now",
        ),
        (
            "/plugin_configs/p1",
            {"plugins": {"cors": {}}},
            "/routes/r1",
            {"uri": "/a", "upstream": UPSTREAM, "plugin_config_id": "p1"},
            "can not delete this plugin config, route [r1] is still using it now",
        ),
        (
            "/consumer_groups/g1",
            {"plugins": {"cors": {}}},
            "/consumers",
            {"username": "jack", "group_id": "g1"},
            "can not delete this consumer group, consumer [jack] is still using it now",
        ),
    ],
)
def test_delete_in_use_is_refused_unless_forced(api, target, target_body, user, user_body, message):
    put_ok(api, target, target_body)
    created = api.put(user, json=user_body)
    assert created.status_code == 201, created.text
    refused = api.delete(target)
    assert (refused.status_code, refused.json()) == (400, {"error_msg": message})
    assert api.get(target).status_code == 200
    assert api.delete(f"{target}?force=true").status_code == 200


def test_proto_in_use_by_grpc_transcode_is_refused_deletion(api):
    put_ok(api, "/protos/1", {"content": 'syntax = "proto3";'})
    transcode = {"proto_id": "1", "service": "helloworld.Greeter", "method": "SayHello"}
    put_ok(
        api,
        "/routes/r1",
        {"uri": "/hello", "plugins": {"grpc-transcode": transcode}, "upstream": UPSTREAM},
    )
    refused = api.delete("/protos/1")
    assert refused.json() == {
        "error_msg": "can not delete this proto, route [r1] is still using it now"
    }
    assert api.delete("/protos/1?force=true").status_code == 200


def test_upstream_named_by_traffic_split_is_in_use(api, store):
    put_ok(api, "/upstreams/u1", UPSTREAM)
    rule = {"weighted_upstreams": [{"upstream_id": "u1", "weight": 1}]}
    store.put("/apisix/routes/r1", {"id": "r1", "plugins": {"traffic-split": {"rules": [rule]}}})
    refused = api.delete("/upstreams/u1")
    assert refused.json() == {
        "error_msg": "can not delete this upstream, plugin in route [r1] is still using it now"
    }
