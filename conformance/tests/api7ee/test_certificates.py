"""API7 certificates, CA certificates and SNIs of a gateway group, served under
`/apisix/admin?gateway_group_id=` (API7 Enterprise 3.9.9): an SNI reaches the group's
APISIX-compatible SSL view, a certificate in use cannot be deleted, and the dashboard's usage
endpoint names the SNI using it. Everything runs in the default gateway group and is deleted
at the end of each test."""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

import pytest

from conformance.registry import conformance_test
from conformance.support.certs import make_certificate
from conformance.support.eventually import converge
from conformance.support.ids import unique_id

from .ee_client import Api7, body_of, items

GROUP = "default"


class Certificates:
    """Creates certificates, CA certificates and SNIs in a group; `cleanup` deletes them,
    SNIs first (a certificate in use cannot go)."""

    def __init__(self, ee: Api7, group_id: str) -> None:
        self.ee = ee
        self.group_id = group_id
        self.created: list[tuple[str, str]] = []

    def create(self, kind: str, body: dict[str, Any]) -> dict[str, Any]:
        made = body_of(self.ee.apisix("POST", f"/{kind}", self.group_id, json=body))["value"]
        self.created.append((kind, made["id"]))
        return made

    def cleanup(self) -> None:
        order = {"snis": 0, "certificates": 1, "ca_certificates": 2}
        for kind, obj_id in sorted(self.created, key=lambda item: order[item[0]]):
            self.ee.apisix("DELETE", f"/{kind}/{obj_id}", self.group_id)


@contextmanager
def certificates(ee: Api7) -> Iterator[Certificates]:
    made = Certificates(ee, GROUP)
    try:
        yield made
    finally:
        made.cleanup()


def _domain() -> str:
    return f"{unique_id('sni')}.gwconform.test"


def _ssl_snis(ee: Api7) -> list[list[str]]:
    listing = body_of(ee.apisix("GET", "/ssls", GROUP, params={"page_size": 500}))
    return [ssl.get("snis") or [ssl.get("sni")] for ssl in items(listing)]


@conformance_test(
    name="ee-sni-reaches-group-ssls",
    description="an SNI with a certificate and an mTLS CA shows up as an SSL for its domain in "
    "the group's APISIX-compatible view, and goes when the SNI is deleted",
    profile="api7ee",
    features=["ee-certificates"],
)
def test_sni_reaches_group_ssls(ee, gw_target):
    domain = _domain()
    tls, ca = make_certificate(domain), make_certificate(f"ca.{domain}")
    with certificates(ee) as made:
        cert = made.create(
            "certificates", {"name": "server", "cert": tls.cert_pem, "key": tls.key_pem}
        )
        assert "key" not in cert, "a certificate answer must not carry its private key"
        ca_cert = made.create("ca_certificates", {"name": "clients", "cert": ca.cert_pem})
        mtls = {"ca_certificates": [ca_cert["id"]]}
        sni = made.create(
            "snis", {"name": "site", "domain": domain, "certificates": [cert["id"]], "mtls": mtls}
        )
        assert sni["domain"] == domain and sni["certificates"] == [cert["id"]]

        def ssl_present() -> None:
            assert [domain] in _ssl_snis(ee), f"no SSL for {domain} in the group's ssls"

        converge(ssl_present, gw_target.timeouts)
        got = body_of(ee.apisix("GET", f"/certificates/{cert['id']}", GROUP))["value"]
        assert "key" not in got and got["cert"].strip() == tls.cert_pem.strip()
        body_of(ee.apisix("DELETE", f"/snis/{sni['id']}", GROUP))

        def ssl_gone() -> None:
            assert [domain] not in _ssl_snis(ee), f"the SSL for {domain} is still there"

        converge(ssl_gone, gw_target.timeouts)


@conformance_test(
    name="ee-certificate-in-use",
    description="deleting a certificate or CA certificate an SNI uses is refused with 400, and "
    "the certificate usage endpoint lists that SNI",
    profile="api7ee",
    features=["ee-certificates"],
)
def test_certificate_in_use(ee):
    domain = _domain()
    tls, ca = make_certificate(domain), make_certificate(f"ca.{domain}")
    with certificates(ee) as made:
        cert = made.create("certificates", {"cert": tls.cert_pem, "key": tls.key_pem})
        ca_cert = made.create("ca_certificates", {"cert": ca.cert_pem})
        mtls = {"ca_certificates": [ca_cert["id"]]}
        sni = made.create(
            "snis", {"name": "in-use", "domain": domain, "certificates": [cert["id"]], "mtls": mtls}
        )
        for kind, obj in (("certificates", cert), ("ca_certificates", ca_cert)):
            refused = ee.apisix("DELETE", f"/{kind}/{obj['id']}", GROUP)
            assert refused.status_code == 400, f"{kind} in use: {refused.status_code}"
            assert refused.json().get("error_msg"), "a refusal carries an error_msg"
        base = f"/gateway_groups/{GROUP}"
        usage = body_of(ee.client.get(f"{base}/certificates/{cert['id']}/usage"))
        assert sni["id"] in [row["id"] for row in usage["list"]], usage
        ca_usage = body_of(ee.client.get(f"{base}/ca_certificates/{ca_cert['id']}/usage"))
        assert sni["id"] in [row["id"] for row in ca_usage["list"]], ca_usage
        body_of(ee.apisix("DELETE", f"/snis/{sni['id']}", GROUP))
        body_of(ee.apisix("DELETE", f"/certificates/{cert['id']}", GROUP))
        after = ee.apisix("GET", f"/certificates/{cert['id']}", GROUP)
        assert after.status_code == 404


@conformance_test(
    name="ee-certificate-validation",
    description="a certificate whose private key does not match, an SNI naming an unknown "
    "certificate, and a CA certificate given as a secret reference are refused with a 4xx",
    profile="api7ee",
    features=["ee-certificates"],
)
def test_certificate_validation(ee):
    domain = _domain()
    tls, other = make_certificate(domain), make_certificate(f"other.{domain}")
    with certificates(ee):
        mismatched = ee.apisix(
            "POST", "/certificates", GROUP, json={"cert": tls.cert_pem, "key": other.key_pem}
        )
        assert mismatched.status_code == 400 and mismatched.json().get("error_msg")
        unknown = ee.apisix(
            "POST", "/snis", GROUP, json={"domain": domain, "certificates": [unique_id("nope")]}
        )
        assert 400 <= unknown.status_code < 500 and unknown.json().get("error_msg")
        reference = ee.apisix("POST", "/ca_certificates", GROUP, json={"cert": "$env://CA"})
        assert reference.status_code == 400


def _tls_url(ee: Api7) -> str | None:
    listing = body_of(ee.client.get(f"/gateway_groups/{GROUP}/instances"))
    for instance in listing["list"]:
        if instance.get("data_plane_tls_url"):
            return instance["data_plane_tls_url"]
    return None


def _https_status(url: str, domain: str, cert_pem: str, timeout: float) -> int:
    """The status of `GET /` over TLS with SNI `domain`, trusting only `cert_pem`: the
    handshake fails unless the gateway presents that certificate."""
    parts = urlsplit(url)
    context = ssl.create_default_context(cadata=cert_pem)
    request = f"GET / HTTP/1.1\r\nHost: {domain}\r\nConnection: close\r\n\r\n".encode()
    with (
        socket.create_connection((parts.hostname, parts.port), timeout=timeout) as raw,
        context.wrap_socket(raw, server_hostname=domain) as conn,
    ):
        conn.sendall(request)
        head = conn.recv(64).decode("latin-1")
    return int(head.split(" ", 2)[1])


@conformance_test(
    name="ee-sni-serves-its-certificate",
    description="an HTTPS request with the SNI's domain as server name gets the SNI's "
    "certificate from the gateway group's data plane",
    profile="api7ee",
    features=["ee-certificates"],
)
def test_sni_serves_its_certificate(ee, gw_target):
    url = _tls_url(ee)
    if url is None:
        pytest.skip("the gateway group's instance reports no TLS listener (data_plane_tls_url)")
    domain = _domain()
    tls = make_certificate(domain)
    with certificates(ee) as made:
        cert = made.create("certificates", {"cert": tls.cert_pem, "key": tls.key_pem})
        made.create("snis", {"domain": domain, "certificates": [cert["id"]]})

        def served() -> int:
            return _https_status(url, domain, tls.cert_pem, gw_target.timeout)

        status = converge(
            served, gw_target.timeouts, interval=0.2, retry_on=(ssl.SSLError, OSError)
        )
        assert 100 <= status < 600
