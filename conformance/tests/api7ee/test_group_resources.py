"""Resources scoped to a gateway group — consumers and credentials, SSL certificates,
secret providers, global rules and plugin metadata — exist in that group only, and act on
that group's data plane only."""

from __future__ import annotations

import httpx

from conformance.registry import conformance_test
from conformance.support.certs import make_certificate
from conformance.support.ids import unique_id, unique_username
from conformance.support.traffic import Case, expect_cases

from .ee_client import body_of, upstream_of


def _created(response: httpx.Response) -> None:
    assert response.status_code in (200, 201), response.text


def _only_in(ee, path: str, group_id: str, other_id: str) -> None:
    assert ee.apisix("GET", path, group_id).status_code == 200, path
    assert ee.apisix("GET", path, other_id).status_code == 404, path


@conformance_test(
    name="ee-consumers-per-group",
    description="a key-auth consumer and credential of one gateway group authenticate there only",
    profile="api7ee",
    features=["ee-consumers"],
)
def test_consumers(ee, echoes, gw_target):
    (echo,) = echoes("echo")
    g1, g2 = ee.group(), ee.group()
    user, key = unique_username("ee"), unique_id("key")
    _created(ee.apisix("PUT", "/consumers", g1["id"], json={"username": user}))
    cred = {"plugins": {"key-auth": {"key": key}}}
    _created(
        ee.apisix("PUT", f"/consumers/{user}/credentials/{unique_id('cred')}", g1["id"], json=cred)
    )
    _only_in(ee, f"/consumers/{user}", g1["id"], g2["id"])
    template = ee.template(upstream=upstream_of(echo), plugins={"key-auth": {}})
    ee.route(template["id"], ["/private"])
    for group in (g1, g2):
        body_of(ee.publish(group["id"], template["id"]))
    with (
        httpx.Client(base_url=ee.data_plane_url(g1["id"]), timeout=5) as dp1,
        httpx.Client(base_url=ee.data_plane_url(g2["id"]), timeout=5) as dp2,
    ):
        expect_cases(
            dp1, [Case("/private", headers={"apikey": key}, backend="echo")], gw_target.timeouts
        )
        expect_cases(dp1, [Case("/private", status=401)], gw_target.timeouts)
        expect_cases(
            dp2, [Case("/private", headers={"apikey": key}, status=401)], gw_target.timeouts
        )
    ee.apisix("DELETE", f"/consumers/{user}", g1["id"])


@conformance_test(
    name="ee-global-rules-per-group",
    description="a global rule of one gateway group acts on that group's traffic only",
    profile="api7ee",
    features=["ee-global-rules"],
)
def test_global_rules(ee, echoes, gw_target):
    (echo,) = echoes("echo")
    g1, g2 = ee.group(), ee.group()
    rule_id = unique_id("gr")
    rule = {"plugins": {"response-rewrite": {"headers": {"set": {"X-Gwconform-Group": "one"}}}}}
    _created(ee.apisix("PUT", f"/global_rules/{rule_id}", g1["id"], json=rule))
    _only_in(ee, f"/global_rules/{rule_id}", g1["id"], g2["id"])
    template = ee.template(upstream=upstream_of(echo))
    ee.route(template["id"], ["/global"])
    for group in (g1, g2):
        body_of(ee.publish(group["id"], template["id"]))
    with (
        httpx.Client(base_url=ee.data_plane_url(g1["id"]), timeout=5) as dp1,
        httpx.Client(base_url=ee.data_plane_url(g2["id"]), timeout=5) as dp2,
    ):
        expect_cases(dp1, [Case("/global", backend="echo")], gw_target.timeouts)
        expect_cases(dp2, [Case("/global", backend="echo")], gw_target.timeouts)
        assert dp1.get("/global").headers.get("X-Gwconform-Group") == "one"
        assert "X-Gwconform-Group" not in dp2.get("/global").headers
    ee.apisix("DELETE", f"/global_rules/{rule_id}", g1["id"])


@conformance_test(
    name="ee-ssl-per-group",
    description="an SSL certificate stored in one gateway group is not visible in another",
    profile="api7ee",
    features=["ee-ssl"],
)
def test_ssl(ee):
    g1, g2 = ee.group(), ee.group()
    cert = make_certificate("ee.example.com")
    ssl_id = unique_id("ssl")
    body = {"cert": cert.cert_pem, "key": cert.key_pem, "snis": ["ee.example.com"]}
    _created(ee.apisix("PUT", f"/ssls/{ssl_id}", g1["id"], json=body))
    _only_in(ee, f"/ssls/{ssl_id}", g1["id"], g2["id"])
    shown = body_of(ee.apisix("GET", f"/ssls/{ssl_id}", g1["id"]))["value"]
    assert shown["snis"] == ["ee.example.com"] and shown.get("key") != cert.key_pem
    ee.apisix("DELETE", f"/ssls/{ssl_id}", g1["id"])


@conformance_test(
    name="ee-secrets-per-group",
    description="a secret provider stored in one gateway group is not visible in another",
    profile="api7ee",
    features=["ee-secrets"],
)
def test_secrets(ee):
    g1, g2 = ee.group(), ee.group()
    secret_id = unique_id("vault")
    body = {"uri": "http://127.0.0.1:8200", "prefix": "kv/apisix", "token": "gwconform"}
    _created(ee.apisix("PUT", f"/secrets/vault/{secret_id}", g1["id"], json=body))
    _only_in(ee, f"/secrets/vault/{secret_id}", g1["id"], g2["id"])
    ee.apisix("DELETE", f"/secrets/vault/{secret_id}", g1["id"])


@conformance_test(
    name="ee-plugin-metadata-per-group",
    description="plugin metadata stored in one gateway group is not visible in another",
    profile="api7ee",
    features=["ee-plugin-metadata"],
)
def test_plugin_metadata(ee):
    g1, g2 = ee.group(), ee.group()
    body = {"allow_origins": {"ee": "https://ee.example.com"}}
    _created(ee.apisix("PUT", "/plugin_metadata/cors", g1["id"], json=body))
    _only_in(ee, "/plugin_metadata/cors", g1["id"], g2["id"])
    ee.apisix("DELETE", "/plugin_metadata/cors", g1["id"])


@conformance_test(
    name="ee-consumers-dashboard-api",
    description="a consumer and credential created on /api/gateway_groups/{id} are the group's APISIX ones",
    profile="api7ee",
    features=["ee-dashboard-group-resources"],
)
def test_consumers_through_dashboard_api(ee, dashboard):
    group = ee.group()
    base = f"/gateway_groups/{group['id']}/consumers"
    user = unique_username("dash")
    created = body_of(dashboard.post(base, json={"username": user, "desc": "from /api"}))["value"]
    assert created["username"] == user
    cred = {"plugins": {"key-auth": {"key": unique_id("dash-key")}}}
    credential = body_of(dashboard.post(f"{base}/{user}/credentials", json=cred))["value"]
    listed = body_of(dashboard.get(f"{base}/{user}/credentials"))
    assert credential["id"] in [c["id"] for c in listed["list"]]
    via_apisix = body_of(ee.apisix("GET", f"/consumers/{user}", group["id"]))["value"]
    assert via_apisix["desc"] == "from /api"
    path = f"/consumers/{user}/credentials/{credential['id']}"
    assert ee.apisix("GET", path, group["id"]).status_code == 200
    body_of(dashboard.delete(f"{base}/{user}/credentials/{credential['id']}"))
    body_of(dashboard.delete(f"{base}/{user}"))
    assert dashboard.get(f"{base}/{user}").status_code == 404
