"""HTTPS on the data plane: the certificate of each handshake is chosen by SNI from the SSL
objects, then requests are routed as on the plain port.

Source: APISIX docs `certificate.md` (SNI selection: an exact `snis` entry, else a wildcard
`*.example.com` covering one label; no matching certificate: the TLS handshake fails) and
Admin API 3.5 "SSL" (`client.ca`: mutual TLS, a client without a valid certificate is
refused). Needs the target's HTTPS data plane URL.
"""

from __future__ import annotations

import http.client
import json
import socket
import ssl
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from cryptography import x509

from conformance.registry import conformance_test
from conformance.support.certs import GeneratedCertificate, make_certificate
from conformance.support.dataplane_setup import echo_upstream, put
from conformance.support.eventually import converge


def _tls_address(gw_target) -> tuple[str, int]:
    url = getattr(gw_target, "data_plane_tls_url", None)
    if not url:
        pytest.skip("the target has no HTTPS data plane URL (data_plane_tls_url)")
    parts = urlsplit(url)
    return parts.hostname or "127.0.0.1", parts.port or 443


def _client_context(trusted: GeneratedCertificate, own: GeneratedCertificate | None = None):
    ctx = ssl.create_default_context(cadata=trusted.cert_pem)
    if own is not None:
        with tempfile.TemporaryDirectory() as workdir:
            path = Path(workdir) / "client.pem"
            path.write_text(own.cert_pem + own.key_pem, encoding="ascii")
            ctx.load_cert_chain(str(path))
    return ctx


def _https_get(address, sni: str, ctx: ssl.SSLContext, path: str) -> tuple[int, dict, bytes]:
    """GET over TLS with `sni` (also the Host); returns status, echo body and the server's
    certificate (DER)."""
    raw = socket.create_connection(address, timeout=5)
    with raw, ctx.wrap_socket(raw, server_hostname=sni) as sock:
        der = sock.getpeercert(binary_form=True) or b""
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {sni}\r\nConnection: close\r\n\r\n".encode())
        response = http.client.HTTPResponse(sock)
        response.begin()
        body = response.read()
    try:
        parsed = json.loads(body)
    except ValueError:
        parsed = {}
    return response.status, parsed if isinstance(parsed, dict) else {}, der


def _served_cert(der: bytes) -> str:
    return x509.load_der_x509_certificate(der).subject.rfc4514_string()


def _ssl_body(cert: GeneratedCertificate, snis: list[str], **extra) -> dict:
    return {"cert": cert.cert_pem, "key": cert.key_pem, "snis": snis, **extra}


def _wait_https(address, sni, ctx, path, backend, timeouts) -> tuple[int, dict, bytes]:
    def probe():
        try:
            result = _https_get(address, sni, ctx, path)
        except (OSError, http.client.HTTPException) as exc:
            raise AssertionError(f"https {sni}{path}: {type(exc).__name__}: {exc}") from None
        assert result[0] == 200 and result[1].get("server") == backend, result[:2]
        return result

    return converge(probe, timeouts)


@conformance_test(
    name="tls-sni-exact",
    description="a handshake with an SNI listed in an SSL object gets its certificate, and "
    "the request is routed by Host as on the plain port",
    profile="dataplane",
    features=["dp-tls"],
)
def test_sni_exact(admin, gw_target, echo, tag):
    address = _tls_address(gw_target)
    host = f"{tag}.example.test"
    cert = make_certificate(host)
    put(admin, f"/ssls/{tag}", _ssl_body(cert, [host]))
    put(
        admin,
        f"/routes/{tag}",
        {"uri": f"/{tag}/tls", "host": host, "upstream": echo_upstream(echo)},
    )
    _, body, der = _wait_https(
        address, host, _client_context(cert), f"/{tag}/tls", "echo", gw_target.timeouts
    )
    assert _served_cert(der) == f"CN={host}"
    assert body["headers"].get("x-forwarded-proto") == "https", body["headers"]


@conformance_test(
    name="tls-sni-wildcard",
    description="`*.domain` serves one more label (a.domain), not two (a.b.domain)",
    profile="dataplane",
    features=["dp-tls"],
)
def test_sni_wildcard(admin, gw_target, echo, tag):
    address = _tls_address(gw_target)
    domain = f"{tag}.wild.test"
    cert = make_certificate(f"*.{domain}")
    put(admin, f"/ssls/{tag}", _ssl_body(cert, [f"*.{domain}"]))
    put(admin, f"/routes/{tag}", {"uri": f"/{tag}/w", "upstream": echo_upstream(echo)})
    ctx = _client_context(cert)
    _wait_https(address, f"api.{domain}", ctx, f"/{tag}/w", "echo", gw_target.timeouts)
    ctx.check_hostname = False  # the certificate itself would not cover two labels either
    with pytest.raises((ssl.SSLError, ConnectionError)):
        _https_get(address, f"a.b.{domain}", ctx, f"/{tag}/w")


@conformance_test(
    name="tls-unknown-sni",
    description="a handshake whose SNI no SSL object covers fails",
    profile="dataplane",
    features=["dp-tls"],
)
def test_unknown_sni(admin, gw_target, tag):
    address = _tls_address(gw_target)
    known = f"{tag}.known.test"
    cert = make_certificate(known)
    put(admin, f"/ssls/{tag}", _ssl_body(cert, [known]))
    ctx = _client_context(cert)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with pytest.raises((ssl.SSLError, ConnectionError)):
        _https_get(address, f"{tag}.unknown.test", ctx, "/")


@conformance_test(
    name="tls-mtls-client-certificate",
    description="with `client.ca`, a client showing a certificate from that CA is served and "
    "one without a certificate is refused",
    profile="dataplane",
    features=["dp-tls"],
)
def test_mtls(admin, gw_target, echo, tag):
    address = _tls_address(gw_target)
    host = f"{tag}.mtls.test"
    server_cert, client_cert = make_certificate(host), make_certificate(f"client.{tag}.test")
    put(admin, f"/ssls/{tag}", _ssl_body(server_cert, [host], client={"ca": client_cert.cert_pem}))
    put(
        admin, f"/routes/{tag}", {"uri": f"/{tag}/m", "host": host, "upstream": echo_upstream(echo)}
    )
    with_cert = _client_context(server_cert, client_cert)
    _wait_https(address, host, with_cert, f"/{tag}/m", "echo", gw_target.timeouts)
    try:
        status, _, _ = _https_get(address, host, _client_context(server_cert), f"/{tag}/m")
    except (ssl.SSLError, ConnectionError, http.client.HTTPException):
        return  # refused in (or right after) the handshake
    # APISIX may also verify the client in the request phase and answer 400
    assert status == 400, f"a client without a certificate got {status}"


@conformance_test(
    name="tls-key-from-vault",
    description="an SSL object's key `$secret://vault/...` is read from Vault for the handshake",
    profile="dataplane",
    features=["dp-tls", "dp-secret-refs-vault"],
)
def test_key_from_vault(admin, gw_target, echo, vault, tag):
    # docs/en/latest/terminology/secret.md: references in an SSL object's cert and key are
    # resolved for the TLS handshake
    address = _tls_address(gw_target)
    host = f"{tag}.vault.test"
    cert = make_certificate(host)
    vault.put(f"kv/{tag}/tls", {"key": cert.key_pem})
    put(admin, f"/secrets/vault/{tag}", vault.secret_resource(f"kv/{tag}"))
    key = f"$secret://vault/{tag}/tls/key"
    put(admin, f"/ssls/{tag}", {"cert": cert.cert_pem, "key": key, "snis": [host]})
    route = {"uri": f"/{tag}/v", "host": host, "upstream": echo_upstream(echo)}
    put(admin, f"/routes/{tag}", route)
    _, _, der = _wait_https(
        address, host, _client_context(cert), f"/{tag}/v", "echo", gw_target.timeouts
    )
    assert _served_cert(der) == f"CN={host}"
