"""Certificates: create, get, list; key pair and length constraints."""

from __future__ import annotations

from conformance.registry import conformance_test
from conformance.support.certs import make_certificate

from .envelope import ID, payload, refused


@conformance_test(
    name="cloud-certificate-create-get-list",
    description="a certificate is created from PEM, its details (SNIs, validity) read and listed",
    profile="api7cloud",
    features=["cloud-certificates"],
)
def test_certificate_create_get_list(cloud, cluster) -> None:
    generated = make_certificate("cloud.example.com", "www.cloud.example.com")
    certs = f"/clusters/{cluster['id']}/certificates"
    body = {"certificate": generated.cert_pem, "private_key": generated.key_pem}
    cert = payload(cloud.post(certs, json=body))
    assert ID.match(cert["id"]) and set(cert["snis"]) == set(generated.hosts)
    assert "private_key" not in cert
    shown = payload(cloud.get(f"{certs}/{cert['id']}"))
    assert shown["id"] == cert["id"] and shown["not_after"] == cert["not_after"]
    assert [c["id"] for c in payload(cloud.get(certs))["list"]] == [cert["id"]]


@conformance_test(
    name="cloud-certificate-constraints",
    description="a key that does not match, or PEM shorter than 128 characters, is a 400",
    profile="api7cloud",
    features=["cloud-validation"],
)
def test_certificate_constraints(cloud, cluster) -> None:
    one, two = make_certificate("a.example.com"), make_certificate("b.example.com")
    certs = f"/clusters/{cluster['id']}/certificates"
    refused(cloud.post(certs, json={"certificate": one.cert_pem, "private_key": two.key_pem}), 400)
    refused(cloud.post(certs, json={"certificate": "short", "private_key": one.key_pem}), 400)
    refused(cloud.post(certs, json={"certificate": one.cert_pem}), 400)
    assert payload(cloud.get(certs))["count"] == 0
