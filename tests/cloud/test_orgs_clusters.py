"""Organizations, billing without a payment provider, clusters and their sub-resources."""

from __future__ import annotations

import re

import pytest
import yaml
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec

from .conftest import Cloud

ID = re.compile(r"^[1-9][0-9]*$")


def test_default_organization_and_cluster_exist(cloud: Cloud) -> None:
    org = cloud.ok(cloud.http.get(f"/orgs/{cloud.org_id}"))
    assert org["name"] == "default"
    cluster = cloud.ok(cloud.http.get(f"/clusters/{cloud.cluster_id}"))
    assert cluster["org_id"] == cloud.org_id and cluster["status"] == 3
    assert ID.match(org["id"]) and ID.match(cluster["id"])


def test_create_get_delete_organization(cloud: Cloud) -> None:
    org = cloud.ok(cloud.http.post("/orgs", json={"name": "acme"}))
    assert ID.match(org["id"]) and org["name"] == "acme"
    assert org["created_at"] == org["updated_at"]
    assert cloud.ok(cloud.http.get(f"/orgs/{org['id']}")) == org
    assert org["id"] in cloud.ok(cloud.http.get("/user/me"))["org_ids"]
    assert cloud.ok(cloud.http.delete(f"/orgs/{org['id']}")) is None
    Cloud.fails(cloud.http.get(f"/orgs/{org['id']}"), 404, 5)
    Cloud.fails(cloud.http.delete(f"/orgs/{org['id']}"), 404, 5)


@pytest.mark.parametrize(
    "name", ["", "x" * 33, "two words", " ", "tab\there", "end\n", "\u3000", 7, None]
)
def test_organization_name_constraints(cloud: Cloud, name) -> None:
    assert "name" in Cloud.fails(cloud.http.post("/orgs", json={"name": name}), 400, 3)


@pytest.mark.parametrize("name", ["\u00bb\x1e", "x\x85", "\u00e9t\u00e9"])
def test_organization_names_follow_ecma_regex_white_space(cloud: Cloud, name) -> None:
    """`^\\S+$` is an ECMA-262 pattern: \\x1e and \\x85 are not white space there."""
    assert cloud.ok(cloud.http.post("/orgs", json={"name": name}))["name"] == name


def test_organization_names_are_unique(cloud: Cloud) -> None:
    cloud.ok(cloud.http.post("/orgs", json={"name": "x" * 32}))
    Cloud.fails(cloud.http.post("/orgs", json={"name": "x" * 32}), 409, 6)


@pytest.mark.parametrize("bad", ["0", "012", "abc", "-1", "1.5"])
def test_malformed_ids_are_a_400_unknown_ones_a_404(cloud: Cloud, bad: str) -> None:
    assert "^[1-9][0-9]*$" in Cloud.fails(cloud.http.get(f"/orgs/{bad}"), 400, 3)
    assert "^[1-9][0-9]*$" in Cloud.fails(cloud.http.get(f"/clusters/{bad}"), 400, 3)
    Cloud.fails(cloud.http.get("/orgs/999"), 404, 5)
    Cloud.fails(cloud.http.get("/clusters/999/apps"), 404, 5)


def test_initialize_creates_an_organization_with_a_cluster(cloud: Cloud) -> None:
    body = cloud.http.post("/orgs/initialize", json={"name": "newco"}).json()
    assert body["status"]["code"] == 0 and "payload" not in body
    orgs = [
        cloud.ok(cloud.http.get(f"/orgs/{i}"))
        for i in cloud.ok(cloud.http.get("/user/me"))["org_ids"]
    ]
    newco = next(o for o in orgs if o["name"] == "newco")
    clusters = cloud.ok(cloud.http.get(f"/orgs/{newco['id']}/clusters"))
    assert clusters["count"] == 1


def test_billing_answers_without_a_payment_provider(cloud: Cloud) -> None:
    org = cloud.org_id
    Cloud.fails(cloud.http.post(f"/orgs/{org}/subscriptions", json={"plan": ""}), 400, 3)
    Cloud.fails(cloud.http.post(f"/orgs/{org}/subscriptions", json={"plan": "gold"}), 400, 3)
    body = cloud.http.post(f"/orgs/{org}/subscriptions", json={"plan": "pro"}).json()
    assert body["payload"]["plan"] == "pro" and "no payment provider" in body["warning"]
    assert cloud.ok(cloud.http.get(f"/orgs/{org}"))["subscription_started_at"]
    invoice = cloud.http.get(f"/orgs/{org}/upcoming_invoice").json()
    assert invoice["payload"]["amount_due"] == 0 and invoice["payload"]["plan"] == "pro"
    assert "no payment provider" in invoice["warning"]
    portal = cloud.http.get(f"/orgs/{org}/billing_portal").json()
    assert portal["status"]["code"] == 0 and "payload" not in portal
    assert "no customer portal" in portal["warning"]


def test_available_plugins(cloud: Cloud) -> None:
    plugins = cloud.ok(cloud.http.get(f"/orgs/{cloud.org_id}/plugins"))
    names = [p["name"] for p in plugins["list"]]
    assert "key-auth" in names and "proxy-rewrite" in names
    assert plugins["count"] == len(names)


def test_cluster_create_list_and_paging(cloud: Cloud) -> None:
    org = cloud.ok(cloud.http.post("/orgs", json={"name": "paged"}))["id"]
    made = [
        cloud.ok(cloud.http.post(f"/orgs/{org}/clusters", json={"name": f"c{i}"})) for i in range(3)
    ]
    unnamed = cloud.ok(cloud.http.post(f"/orgs/{org}/clusters"))
    assert unnamed["name"] == f"cluster-{unnamed['id']}"
    listed = cloud.ok(cloud.http.get(f"/orgs/{org}/clusters", params={"page_size": 2}))
    assert listed["count"] == 4 and len(listed["list"]) == 2
    assert listed["list"][0]["id"] == unnamed["id"], "newest first by default (DESC updated_at)"
    asc = cloud.ok(
        cloud.http.get(
            f"/orgs/{org}/clusters", params={"direction": "asc", "order_by": "created_at"}
        )
    )
    assert [c["id"] for c in asc["list"][:3]] == [c["id"] for c in made]
    second = cloud.ok(cloud.http.get(f"/orgs/{org}/clusters", params={"page_size": 3, "page": 2}))
    assert len(second["list"]) == 1
    for params in ({"page": 0}, {"page_size": "x"}, {"direction": "UP"}, {"order_by": "name"}):
        Cloud.fails(cloud.http.get(f"/orgs/{org}/clusters", params=params), 400, 3)


def test_cluster_settings_and_plugins_update(cloud: Cloud) -> None:
    path = f"/clusters/{cloud.cluster_id}"
    before = cloud.ok(cloud.http.get(path))
    change = {"client_settings": {"maximum_request_body_size": 1024}}
    assert cloud.ok(cloud.http.patch(f"{path}/config", json=change)) is None
    after = cloud.ok(cloud.http.get(path))
    assert after["settings"]["client_settings"]["maximum_request_body_size"] == 1024
    assert (
        after["settings"]["observability_settings"] == before["settings"]["observability_settings"]
    )
    assert after["config_version"] == before["config_version"] + 1
    bad = {"client_settings": {"maximum_request_body_size": -1}}
    Cloud.fails(cloud.http.patch(f"{path}/config", json=bad), 400, 3)
    Cloud.fails(cloud.http.patch(f"{path}/config", json={"unknown": {}}), 400, 3)
    cloud.ok(cloud.http.patch(f"{path}/plugins", json={"acl": {"allow": ["a"]}, "logging": {}}))
    cloud.ok(cloud.http.patch(f"{path}/plugins", json={"logging": None}))
    assert cloud.ok(cloud.http.get(path))["policies"] == {"acl": {"allow": ["a"]}}


def test_gateway_instances(cloud: Cloud) -> None:
    own = cloud.ok(cloud.http.get(f"/clusters/{cloud.cluster_id}/instances"))
    assert own["count"] == 1 and own["list"][0]["status"] == "Healthy"
    other = cloud.ok(cloud.http.post(f"/orgs/{cloud.org_id}/clusters", json={}))
    assert cloud.ok(cloud.http.get(f"/clusters/{other['id']}/instances")) == {
        "list": [],
        "count": 0,
    }


@pytest.mark.parametrize("config_type", ["apisix", "helm"])
def test_startup_config_template(cloud: Cloud, config_type: str) -> None:
    path = f"/clusters/{cloud.cluster_id}/startup_config_tpl/{config_type}"
    document = yaml.safe_load(cloud.ok(cloud.http.get(path))["configuration"])
    assert isinstance(document, dict) and document


def test_startup_config_template_type_is_checked(cloud: Cloud) -> None:
    path = f"/clusters/{cloud.cluster_id}/startup_config_tpl/nginx"
    Cloud.fails(cloud.http.get(path), 400, 3)


def test_gateway_certificate_is_signed_by_the_cluster_ca(cloud: Cloud) -> None:
    path = f"/clusters/{cloud.cluster_id}/gateway_certificate"
    first, second = cloud.ok(cloud.http.get(path)), cloud.ok(cloud.http.get(path))
    assert first["ca_certificate"] == second["ca_certificate"], "one CA per cluster"
    assert first["certificate"] != second["certificate"]
    ca = x509.load_pem_x509_certificate(first["ca_certificate"].encode())
    cert = x509.load_pem_x509_certificate(first["certificate"].encode())
    cert.verify_directly_issued_by(ca)
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    usage = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert x509.oid.ExtendedKeyUsageOID.CLIENT_AUTH in usage
    from cryptography.hazmat.primitives import serialization

    key = serialization.load_pem_private_key(first["private_key"].encode(), password=None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    assert key.public_key().public_numbers() == cert.public_key().public_numbers()
    stored = cloud.store.get(f"/gwconform/cloud/cluster_cas/{cloud.cluster_id}").value
    assert not stored["key"].startswith("-----"), "the CA key is stored encrypted"
    other = cloud.ok(cloud.http.post(f"/orgs/{cloud.org_id}/clusters", json={}))
    elsewhere = cloud.ok(cloud.http.get(f"/clusters/{other['id']}/gateway_certificate"))
    assert elsewhere["ca_certificate"] != first["ca_certificate"]


def test_deleting_an_organization_removes_its_clusters(cloud: Cloud, make_app) -> None:
    org = cloud.ok(cloud.http.post("/orgs", json={"name": "gone"}))["id"]
    cluster = cloud.ok(cloud.http.post(f"/orgs/{org}/clusters", json={}))["id"]
    make_app("a", cluster_id=cluster)
    cloud.ok(cloud.http.delete(f"/orgs/{org}"))
    Cloud.fails(cloud.http.get(f"/clusters/{cluster}"), 404, 5)
    kvs, _ = cloud.store.range("/gwconform/cloud/apps/")
    assert kvs == []
    kvs, _ = cloud.store.range(f"/gwconform/cloud/dataplane/{cluster}/")
    assert kvs == []


def test_deleting_the_default_organization_makes_a_new_served_cluster(
    cloud: Cloud, make_app
) -> None:
    app = make_app()
    cloud.ok(
        cloud.http.post(f"/apps/{app['id']}/apis", json={"name": "a", "paths": [{"path": "/a"}]})
    )
    assert cloud.apisix("routes")
    cloud.ok(cloud.http.delete(f"/orgs/{cloud.org_id}"))
    assert cloud.apisix("routes") == {} and cloud.apisix("upstreams") == {}
    me = cloud.ok(cloud.http.get("/user/me"))
    assert me["org_ids"] and cloud.org_id not in me["org_ids"]
    clusters = cloud.ok(cloud.http.get(f"/orgs/{me['org_ids'][0]}/clusters"))["list"]
    served = [
        c for c in clusters if cloud.ok(cloud.http.get(f"/clusters/{c['id']}/instances"))["count"]
    ]
    assert len(served) == 1 and served[0]["id"] != cloud.cluster_id
