"""Certificates, CA certificates and SNIs per gateway group under `/apisix/admin`, the SSL
objects SNIs render into the group's APISIX namespace, usage and exists checks on `/api`,
and the interface published-service upstreams use (`upstream_tls`, `certificate_users`)."""

from __future__ import annotations

import pytest

from reference_impl.admin.ssl_crypto import Keyring
from reference_impl.api.errors import ApiError
from reference_impl.api7ee.cert_store import certificate_users
from reference_impl.api7ee.cpstore import ControlStore
from reference_impl.api7ee.sni_render import upstream_tls
from tests.admin.certs import cert_and_key

from .conftest import CONFIG, group_key, make_client, new_group, ok

SHOP = "shop.example.com"
RING = Keyring.from_config(CONFIG)


def _scope(group: dict | None) -> dict[str, str]:
    return {"gateway_group_id": group["id"]} if group else {}


def _certificate(client, group=None, names=(SHOP,), **extra):
    cert, key = cert_and_key(*names)
    body = {"name": "shop", "cert": cert, "key": key, **extra}
    return ok(client.post("/apisix/admin/certificates", params=_scope(group), json=body))["value"]


def _ca(client, group=None, name="ca.example.com"):
    cert, _ = cert_and_key(name)
    body = {"name": "ca", "cert": cert}
    return ok(client.post("/apisix/admin/ca_certificates", params=_scope(group), json=body))[
        "value"
    ]


def _sni(client, group, cert_ids, domain=SHOP, **extra):
    body = {"name": f"sni-{domain}", "domain": domain, "certificates": cert_ids, **extra}
    return client.post("/apisix/admin/snis", params=_scope(group), json=body)


@pytest.fixture(params=["default", "created"])
def group(request, client):
    """The default gateway group (no gateway_group_id needed) or a created one."""
    if request.param == "default":
        return None
    return new_group(client)


def _ssl(store, group, sni_id):
    prefix_group = group or {"prefix": "/apisix"}
    return group_key(store, prefix_group, f"/ssls/{sni_id}")


def test_certificate_crud_never_answers_the_key(client, store, group):
    cert, key = cert_and_key(SHOP)
    created = _certificate(client, group, labels={"env": "prod"})
    assert "key" not in created and created["cert"] == cert
    assert created["snis"] == [SHOP] and created["exptime"] == created["validity_end"]
    assert created["validity_start"] < created["exptime"]
    path = f"/apisix/admin/certificates/{created['id']}"
    scope = _scope(group)
    stored = store.get(
        f"/api7ee/cp/certificates/{(group or {'id': 'default'})['id']}/{created['id']}"
    )
    assert stored.value["key"] != key and RING.decrypt(stored.value["key"]) == key
    got = ok(client.get(path, params=scope))["value"]
    assert got == created
    listing = ok(client.get("/apisix/admin/certificates", params=scope))
    assert listing["total"] == 1 and "key" not in listing["list"][0]
    other_cert, other_key = cert_and_key("api.example.com")
    put = ok(client.put(path, params=scope, json={"cert": other_cert, "key": other_key}))["value"]
    assert put["snis"] == ["api.example.com"] and "name" not in put and "key" not in put
    assert put["created_at"] == created["created_at"]
    patch = [
        {"op": "replace", "path": "/cert", "value": cert},
        {"op": "add", "path": "/name", "value": "n"},
    ]
    refused = client.patch(path, params=scope, json=patch)  # the old key does not match cert
    assert refused.status_code == 400 and "does not match" in refused.json()["error_msg"]
    patched = ok(
        client.patch(path, params=scope, json=[{"op": "add", "path": "/desc", "value": "d"}])
    )
    assert patched["value"]["desc"] == "d" and "key" not in patched["value"]
    assert client.delete(path, params=scope).status_code == 200
    assert client.get(path, params=scope).status_code == 404


@pytest.mark.parametrize(
    "body, message",
    [
        (
            {
                "cert": "not a pem",
                "key": "-----BEGIN PRIVATE KEY-----\nx\n-----END PRIVATE KEY-----",
            },
            "parse cert",
        ),
        ({"cert": cert_and_key(SHOP)[0], "key": "garbage"}, "parse key"),
        (
            {"cert": cert_and_key(SHOP)[0], "key": cert_and_key("other.example.com")[1]},
            "does not match",
        ),
        ({"cert": cert_and_key(SHOP)[0]}, "key"),
        ({"cert": cert_and_key(SHOP)[0], "key": cert_and_key(SHOP)[1], "extra": 1}, "extra"),
    ],
)
def test_bad_certificates_are_refused(client, body, message):
    response = client.post("/apisix/admin/certificates", json=body)
    assert response.status_code == 400 and message in response.json()["error_msg"]


def test_secret_references_are_kept_as_given(client):
    body = {"cert": "$secret://vault/tls/cert", "key": "$env://SHOP_KEY"}
    created = ok(client.post("/apisix/admin/certificates", json=body))["value"]
    assert created["cert"] == body["cert"] and "exptime" not in created and "key" not in created


def test_ca_certificates_take_a_pem_only(client):
    ca = _ca(client)
    assert ca["snis"] == ["ca.example.com"] and "exptime" in ca
    refused = client.post("/apisix/admin/ca_certificates", json={"cert": "$secret://v/a/b"})
    assert refused.status_code == 400
    refused = client.post("/apisix/admin/ca_certificates", json={"cert": "-----BEGIN nonsense"})
    assert refused.status_code == 400 and "parse cert" in refused.json()["error_msg"]


def test_labels_are_ecma_non_space(client):
    """`^\\S+$` is ECMA-262: \\x1d and \\x1f are not white space there (a generated label)."""
    scope = {"gateway_group_id": "default"}
    label = {"k": "\u00df\x1d\x1f"}
    cert, _ = cert_and_key("ca.example.com")
    body = {"cert": cert, "labels": label}
    ca = ok(client.post("/apisix/admin/ca_certificates", params=scope, json=body))["value"]
    assert ca["labels"] == label
    server = _certificate(client)
    sni = ok(_sni(client, None, [server["id"]], labels=label))["value"]
    assert sni["labels"] == label
    refused = _sni(client, None, [server["id"]], domain="b.example.com", labels={"k": "a b"})
    assert refused.status_code == 400


def test_sni_renders_an_ssl_into_the_group(client, store, group):
    cert_record = _certificate(client, group)
    ca = _ca(client, group)
    mtls = {"ca_certificates": [ca["id"]], "depth": 2}
    sni = ok(_sni(client, group, [cert_record["id"]], mtls=mtls))["value"]
    assert sni["ssl_protocols"] == ["TLSv1.2", "TLSv1.3"]
    ssl = _ssl(store, group, sni["id"])
    cert, key = cert_and_key(SHOP)
    assert ssl["snis"] == [SHOP] and ssl["cert"] == cert and ssl["type"] == "server"
    assert ssl["key"] != key and RING.decrypt(ssl["key"]) == key  # stored as APISIX stores it
    assert ssl["client"]["depth"] == 2 and ssl["client"]["ca"].strip() == ca["cert"].strip()
    # the APISIX-compatible view of the group shows it, without the key
    ssls = ok(client.get("/apisix/admin/ssls", params=_scope(group)))["list"]
    shown = [item["value"] for item in ssls]
    assert [s["snis"] for s in shown] == [[SHOP]] and "key" not in shown[0]
    # updating the certificate re-renders the SNI
    new_cert, new_key = cert_and_key(SHOP, "www.shop.example.com")
    path = f"/apisix/admin/certificates/{cert_record['id']}"
    ok(client.put(path, params=_scope(group), json={"cert": new_cert, "key": new_key}))
    assert _ssl(store, group, sni["id"])["cert"] == new_cert
    # a certificate no longer covering the domain is refused while an SNI uses it
    other_cert, other_key = cert_and_key("other.example.com")
    refused = client.put(path, params=_scope(group), json={"cert": other_cert, "key": other_key})
    assert refused.status_code == 400 and "does not match" in refused.json()["error_msg"]
    assert _ssl(store, group, sni["id"])["cert"] == new_cert
    # updating the CA certificate re-renders the client CA
    ca2, _ = cert_and_key("ca2.example.com")
    ca_path = f"/apisix/admin/ca_certificates/{ca['id']}"
    ok(client.put(ca_path, params=_scope(group), json={"cert": ca2}))
    assert _ssl(store, group, sni["id"])["client"]["ca"].strip() == ca2.strip()
    # a JSON Patch of the SNI re-renders it; deleting it removes the SSL
    sni_path = f"/apisix/admin/snis/{sni['id']}"
    patch = [{"op": "replace", "path": "/ssl_protocols", "value": ["TLSv1.3"]}]
    ok(client.patch(sni_path, params=_scope(group), json=patch))
    assert _ssl(store, group, sni["id"])["ssl_protocols"] == ["TLSv1.3"]
    assert client.delete(sni_path, params=_scope(group)).status_code == 200
    assert _ssl(store, group, sni["id"]) is None


def test_sni_references_and_domains_are_checked(client):
    cert_record = _certificate(client)
    missing = _sni(client, None, ["nope"])
    assert missing.status_code == 404 and "certificate nope" in missing.json()["error_msg"]
    ca_missing = _sni(client, None, [cert_record["id"]], mtls={"ca_certificates": ["nope"]})
    assert ca_missing.status_code == 404 and "CA certificate nope" in ca_missing.json()["error_msg"]
    uncovered = _sni(client, None, [cert_record["id"]], domain="other.example.com")
    assert uncovered.status_code == 400 and "does not match" in uncovered.json()["error_msg"]
    empty = _sni(client, None, [])
    assert empty.status_code == 400
    ok(_sni(client, None, [cert_record["id"]]))
    twice = _sni(client, None, [cert_record["id"]])
    assert twice.status_code == 400 and "already served" in twice.json()["error_msg"]


def test_delete_in_use_is_refused_and_usage_names_the_sni(client, group):
    cert_record, ca = _certificate(client, group), _ca(client, group)
    sni = ok(_sni(client, group, [cert_record["id"]], mtls={"ca_certificates": [ca["id"]]}))
    sni = sni["value"]
    scope = _scope(group)
    for kind, obj in (("certificates", cert_record), ("ca_certificates", ca)):
        refused = client.delete(f"/apisix/admin/{kind}/{obj['id']}", params=scope)
        assert refused.status_code == 400
        assert f"sni [{sni['name']}] is still using it" in refused.json()["error_msg"]
    group_id = (group or {"id": "default"})["id"]
    base = f"/api/gateway_groups/{group_id}"
    usage = ok(client.get(f"{base}/certificates/{cert_record['id']}/usage"))
    assert usage["total"] == 1 and usage["list"][0]["id"] == sni["id"]
    assert usage["list"][0]["resource_type"] == "sni"
    upstream_only = ok(
        client.get(f"{base}/certificates/{cert_record['id']}/usage?resource_type=upstream")
    )
    assert upstream_only["total"] == 0
    ca_usage = ok(client.get(f"{base}/ca_certificates/{ca['id']}/usage"))
    assert [row["id"] for row in ca_usage["list"]] == [sni["id"]]
    bad = client.get(f"{base}/certificates/{cert_record['id']}/usage?resource_type=route")
    assert bad.status_code == 400
    assert client.get(f"{base}/certificates/nope/usage").status_code == 404
    ok(client.delete(f"/apisix/admin/snis/{sni['id']}", params=scope))
    assert (
        client.delete(f"/apisix/admin/certificates/{cert_record['id']}", params=scope).status_code
        == 200
    )
    assert (
        client.delete(f"/apisix/admin/ca_certificates/{ca['id']}", params=scope).status_code == 200
    )


def test_sni_usage_lists_covered_services(client):
    cert_record = _certificate(client, names=("*.example.com",))
    sni = ok(_sni(client, None, [cert_record["id"]], domain="*.example.com"))["value"]
    service = {
        "name": "shop",
        "hosts": ["shop.example.com"],
        "upstream": {"nodes": {"127.0.0.1:1980": 1}},
    }
    ok(client.put("/apisix/admin/services/s1", json=service), 201)
    ok(client.put("/apisix/admin/services/s2", json={**service, "hosts": ["shop.other.org"]}), 201)
    usage = ok(client.get(f"/api/gateway_groups/default/snis/{sni['id']}/usage"))
    assert [(r["resource_type"], r["id"]) for r in usage["list"]] == [("service", "s1")]


def test_exists_checks(client):
    cert_record = _certificate(client)
    ca = _ca(client)
    base = "/api/gateway_groups/default"
    cert, _ = cert_and_key(SHOP)
    found = ok(client.post(f"{base}/certificates/exists", json={"cert": cert}))["value"]
    assert found == {"exists": True, "id": cert_record["id"]}
    other, _ = cert_and_key("nowhere.example.com")
    assert ok(client.post(f"{base}/certificates/exists", json={"cert": other}))["value"] == {
        "exists": False
    }
    assert ok(client.post(f"{base}/ca_certificates/exists", json={"cert": ca["cert"]}))["value"][
        "exists"
    ]
    assert client.post(f"{base}/ca_certificates/exists", json={"cert": "junk"}).status_code == 400
    assert (
        client.post("/api/gateway_groups/nope/certificates/exists", json={"cert": cert}).status_code
        == 404
    )


def test_list_filters_and_paging(client):
    first = _certificate(client, names=("a.example.com",), name="a", labels={"team": "x"})
    second = _certificate(client, names=("b.example.com",), name="b")
    sni = ok(_sni(client, None, [second["id"]], domain="b.example.com"))["value"]
    url = "/apisix/admin/certificates"
    by_sni = ok(client.get(url, params={"sni_id": sni["id"]}))
    assert [c["id"] for c in by_sni["list"]] == [second["id"]]
    by_name = ok(client.get(url, params={"sni_name": "b.example.com"}))
    assert [c["id"] for c in by_name["list"]] == [second["id"]]
    by_label = ok(client.get(url, params={"labels[team]": "x"}))
    assert [c["id"] for c in by_label["list"]] == [first["id"]]
    ordered = ok(client.get(url, params={"order_by": "name", "direction": "asc", "page_size": 1}))
    assert ordered["total"] == 2 and [c["name"] for c in ordered["list"]] == ["a"]
    future = ok(client.get(url, params={"exptime": str(first["exptime"] + 1)}))
    assert future["total"] == 0
    assert client.get(url, params={"order_by": "updated_at"}).status_code == 400
    snis = ok(client.get("/apisix/admin/snis", params={"mtls_enabled": "false"}))
    assert snis["total"] == 1
    assert ok(client.get("/apisix/admin/snis", params={"mtls_enabled": "true"}))["total"] == 0
    assert ok(client.get("/apisix/admin/snis", params={"domain": "B.example.com"}))["total"] == 1


def test_group_admin_key_needs_no_gateway_group_id(client, store):
    group = new_group(client)
    key = ok(client.get(f"/api/gateway_groups/{group['id']}/admin_key"))["value"]["key"]
    with make_client(store, key) as scoped:
        created = _certificate(scoped)
        sni = ok(_sni(scoped, None, [created["id"]]))["value"]
    assert _ssl(store, group, sni["id"])["snis"] == [SHOP]
    assert ok(client.get("/apisix/admin/certificates"))["total"] == 0  # not the default group
    listed = ok(client.get("/apisix/admin/certificates", params=_scope(group)))
    assert [c["id"] for c in listed["list"]] == [created["id"]]


def test_upstream_tls_and_upstream_users(client, store):
    group = new_group(client)
    cp = client.app.state.api7ee.cp
    cert_record, ca = _certificate(client, group), _ca(client, group)
    upstream = {
        "client_certificate": cert_record["id"],
        "ca_certificates": [ca["id"]],
        "tls_verify": True,
    }
    fields = upstream_tls(cp, group["id"], upstream, RING)
    cert, key = cert_and_key(SHOP)
    assert fields == {"tls": {"client_cert": cert, "client_key": key, "verify": True}}
    with pytest.raises(ApiError) as unknown:
        upstream_tls(cp, group["id"], {"client_certificate": "nope"}, RING)
    assert unknown.value.status == 400
    with pytest.raises(ApiError):
        upstream_tls(cp, group["id"], {"ca_certificates": ["nope"]}, RING)
    # a published service's upstream naming them (as service_upstreams.py stores it)
    store.put(
        f"/api7ee/cp/service_upstreams/{group['id']}/svc1/up1",
        {"id": "up1", "name": "backend", **upstream, "created_at": 1, "updated_at": 2},
    )
    users = certificate_users(cp, group["id"])[cert_record["id"]]
    assert users == [
        {
            "resource_type": "upstream",
            "id": "up1",
            "name": "backend",
            "created_at": 1,
            "updated_at": 2,
            "service_id": "svc1",
        }
    ]
    scope = _scope(group)
    refused = client.delete(f"/apisix/admin/ca_certificates/{ca['id']}", params=scope)
    assert refused.status_code == 400 and "upstream [backend]" in refused.json()["error_msg"]
    base = f"/api/gateway_groups/{group['id']}/certificates/{cert_record['id']}/usage"
    assert ok(client.get(base, params={"resource_type": "upstream"}))["list"][0]["id"] == "up1"


def test_an_sni_never_takes_over_a_hand_written_ssl(client, store, monkeypatch):
    cert, key = cert_and_key(SHOP)
    hand_written = {"cert": cert, "key": key, "snis": [SHOP]}
    ok(client.put("/apisix/admin/ssls/taken", json=hand_written), 201)
    cert_record = _certificate(client)
    monkeypatch.setattr(ControlStore, "new_id", lambda self: "taken")
    refused = _sni(client, None, [cert_record["id"]])
    assert refused.status_code == 400 and "already has an SSL taken" in refused.json()["error_msg"]
    assert ok(client.get("/apisix/admin/snis"))["total"] == 0
    assert group_key(store, {"prefix": "/apisix"}, "/ssls/taken")["snis"] == [SHOP]
