"""Clusters: create, get, list, settings and plugins updates, instances, startup
configuration templates and gateway client certificates."""

from __future__ import annotations

import yaml
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from conformance.registry import conformance_test

from .envelope import ID, payload, refused


@conformance_test(
    name="cloud-cluster-create-get-list",
    description="a cluster created in an organization is listed there and read back by id",
    profile="api7cloud",
    features=["cloud-clusters"],
)
def test_cluster_create_get_list(cloud, org) -> None:
    made = [payload(cloud.post(f"/orgs/{org['id']}/clusters", json={})) for _ in range(3)]
    for cluster in made:
        assert ID.match(cluster["id"]) and cluster["org_id"] == org["id"]
        assert payload(cloud.get(f"/clusters/{cluster['id']}"))["id"] == cluster["id"]
    listed = payload(cloud.get(f"/orgs/{org['id']}/clusters", params={"page_size": 2}))
    assert listed["count"] == 3 and len(listed["list"]) == 2
    rest = payload(cloud.get(f"/orgs/{org['id']}/clusters", params={"page_size": 2, "page": 2}))
    ids = {c["id"] for c in listed["list"]} | {c["id"] for c in rest["list"]}
    assert ids == {c["id"] for c in made}
    refused(cloud.get(f"/orgs/{org['id']}/clusters", params={"direction": "sideways"}), 400)


@conformance_test(
    name="cloud-cluster-settings",
    description="PATCH /clusters/{id}/config merges settings; unknown or invalid ones are a 400",
    profile="api7cloud",
    features=["cloud-clusters"],
)
def test_cluster_settings(cloud, cluster) -> None:
    path = f"/clusters/{cluster['id']}"
    payload(
        cloud.patch(f"{path}/config", json={"client_settings": {"maximum_request_body_size": 4096}})
    )
    settings = payload(cloud.get(path))["settings"]
    assert settings["client_settings"]["maximum_request_body_size"] == 4096
    refused(
        cloud.patch(f"{path}/config", json={"client_settings": {"maximum_request_body_size": -1}}),
        400,
    )
    payload(cloud.patch(f"{path}/plugins", json={"acl": {"allow": ["10.0.0.0/8"]}}))


@conformance_test(
    name="cloud-cluster-instances-and-template",
    description="instances list in the list envelope; startup templates are YAML for apisix and helm",
    profile="api7cloud",
    features=["cloud-clusters"],
)
def test_instances_and_templates(cloud, cluster) -> None:
    instances = payload(cloud.get(f"/clusters/{cluster['id']}/instances"))
    assert isinstance(instances["list"], list)
    for config_type in ("apisix", "helm"):
        text = payload(cloud.get(f"/clusters/{cluster['id']}/startup_config_tpl/{config_type}"))
        assert isinstance(yaml.safe_load(text["configuration"]), dict)
    refused(cloud.get(f"/clusters/{cluster['id']}/startup_config_tpl/nginx"), 400, 404)


@conformance_test(
    name="cloud-cluster-gateway-certificate",
    description="the gateway certificate is a client certificate signed by the cluster's CA",
    profile="api7cloud",
    features=["cloud-clusters"],
)
def test_gateway_certificate(cloud, cluster) -> None:
    bundle = payload(cloud.get(f"/clusters/{cluster['id']}/gateway_certificate"))
    ca = x509.load_pem_x509_certificate(bundle["ca_certificate"].encode())
    cert = x509.load_pem_x509_certificate(bundle["certificate"].encode())
    cert.verify_directly_issued_by(ca)
    key = serialization.load_pem_private_key(bundle["private_key"].encode(), password=None)
    public = serialization.PublicFormat.SubjectPublicKeyInfo
    der = serialization.Encoding.DER
    assert key.public_key().public_bytes(der, public) == cert.public_key().public_bytes(der, public)
    again = payload(cloud.get(f"/clusters/{cluster['id']}/gateway_certificate"))
    assert again["ca_certificate"] == bundle["ca_certificate"]
