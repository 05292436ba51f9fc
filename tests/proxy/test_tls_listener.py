"""The HTTPS listener: certificates chosen by SNI from the `ssls` objects (exact, wildcard),
unknown names refused in the handshake, certificate changes without restart, mTLS, and the
same HTTP handling as the plain port (routing, keep-alive, `$scheme`)."""

from __future__ import annotations

import asyncio
import datetime
import http.client
import json
import socket
import ssl
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from conformance.support.h2_client import h2_request
from reference_impl.admin.ssl_crypto import DEFAULT_KEYRING, Keyring
from reference_impl.proxy.worker import Worker, WorkerSettings
from reference_impl.store.memory import MemoryStore

from .support import PREFIX, LoopThread, free_port


@dataclass(frozen=True)
class Issued:
    cert_pem: str
    key_pem: str
    serial: int


class TestCa:
    """A CA made for the test, issuing server and client certificates."""

    __test__ = False

    def __init__(self, name: str = "gwconform test CA", parent: TestCa | None = None) -> None:
        """A root CA, or with `parent` an intermediate CA it issues."""
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
        signer = parent or self
        self.cert = signer._build(self.name, self.key.public_key(), ca=True, names=())
        self.pem = self.cert.public_bytes(serialization.Encoding.PEM).decode()

    def _build(self, subject, public_key, ca: bool, names: tuple[str, ...]) -> x509.Certificate:
        now = datetime.datetime.now(datetime.UTC)
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(self.name)
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=2))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        )
        if names:
            builder = builder.add_extension(
                x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False
            )
        return builder.sign(self.key, hashes.SHA256())

    def issue(self, *names: str) -> Issued:
        key = ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])])
        cert = self._build(subject, key.public_key(), ca=False, names=names)
        key_pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()
        cert_pem = cert.public_bytes(serialization.Encoding.PEM).decode()
        return Issued(cert_pem, key_pem, cert.serial_number)


class TlsGateway:
    """A data plane worker with a plain and an HTTPS port, fed by an in-process MemoryStore."""

    def __init__(
        self,
        protocols: str = "TLSv1.2 TLSv1.3",
        fallback_sni: str | None = None,
        http2: bool = True,
    ) -> None:
        self.store = MemoryStore()
        self.lt = LoopThread()
        self.port, self.tls_port = free_port(), free_port()
        settings = WorkerSettings(
            node_listen=[("127.0.0.1", self.port)],
            tls_listen=[("127.0.0.1", self.tls_port)],
            ssl_protocols=protocols,
            fallback_sni=fallback_sni,
            grace_period=1.0,
            enable_http2=http2,
        )
        self.worker = Worker(settings, self.store)
        self._task = asyncio.run_coroutine_threadsafe(self.worker.run(), self.lt.loop)
        deadline = time.monotonic() + 10
        while not self.worker.ready.is_set():
            assert time.monotonic() < deadline, "the gateway did not start"
            time.sleep(0.01)
        self.keyring = Keyring(DEFAULT_KEYRING)

    def put(self, kind: str, ident: str, value: dict) -> None:
        self.store.put(f"{PREFIX}/{kind}/{ident}", {"id": ident, **value})
        self.wait_config()

    def delete(self, kind: str, ident: str) -> None:
        self.store.delete(f"{PREFIX}/{kind}/{ident}")
        self.wait_config()

    def put_ssl(self, ident: str, issued: Issued, snis: list[str], **extra) -> None:
        """Stored as the Admin API stores it: the private key encrypted with the keyring."""
        value = {
            "type": "server",
            "status": 1,
            "cert": issued.cert_pem,
            "key": self.keyring.encrypt(issued.key_pem),
            "snis": snis,
            **extra,
        }
        self.put("ssls", ident, value)

    def wait_config(self) -> None:
        target = self.store.revision
        deadline = time.monotonic() + 5
        while self.worker.feed is None or self.worker.feed.revision < target:
            assert time.monotonic() < deadline, "the config change was not applied"
            time.sleep(0.001)

    def stop(self) -> None:
        self.lt.loop.call_soon_threadsafe(self.worker.stop)
        self._task.result(10)
        self.store.close()
        self.lt.stop()


@pytest.fixture(scope="module")
def ca() -> TestCa:
    return TestCa()


@pytest.fixture
def tls_gateway() -> Iterator[TlsGateway]:
    gw = TlsGateway()
    yield gw
    gw.stop()


def client_context(ca: TestCa, cert: Issued | None = None, tmp_path=None) -> ssl.SSLContext:
    ctx = ssl.create_default_context(cadata=ca.pem)
    if cert is not None:
        path = tmp_path / f"client-{cert.serial}.pem"
        path.write_text(cert.cert_pem + cert.key_pem)
        ctx.load_cert_chain(str(path))
    return ctx


def connect(port: int, sni: str, ctx: ssl.SSLContext) -> ssl.SSLSocket:
    raw = socket.create_connection(("127.0.0.1", port), timeout=5)
    try:
        return ctx.wrap_socket(raw, server_hostname=sni)
    except BaseException:
        raw.close()
        raise


def get(sock: socket.socket, path: str, host: str) -> tuple[int, dict]:
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
    response = http.client.HTTPResponse(sock)
    response.begin()
    body = response.read()
    return response.status, json.loads(body) if body.startswith(b"{") else {"raw": body}


def served_serial(sock: ssl.SSLSocket) -> int:
    der = sock.getpeercert(binary_form=True)
    return x509.load_der_x509_certificate(der).serial_number


def _route(up, host: str | None = None, uri: str = "/hello") -> dict:
    route = {"uri": uri, "upstream": {"type": "roundrobin", "nodes": {up.address: 1}}}
    if host:
        route["host"] = host
    return route


def test_sni_selects_exact_then_wildcard(tls_gateway, ca, upstreams):
    up = upstreams("echo")
    exact, wildcard = ca.issue("api.example.test"), ca.issue("*.example.test")
    tls_gateway.put_ssl("exact", exact, ["api.example.test"])
    tls_gateway.put_ssl("wild", wildcard, ["*.example.test"])
    tls_gateway.put("routes", "1", _route(up))
    ctx = client_context(ca)
    with connect(tls_gateway.tls_port, "api.example.test", ctx) as sock:
        assert served_serial(sock) == exact.serial
        status, body = get(sock, "/hello", "api.example.test")
    assert status == 200 and body["upstream"] == "echo"
    assert body["headers"]["x-forwarded-proto"] == "https"
    with connect(tls_gateway.tls_port, "www.example.test", ctx) as sock:
        assert served_serial(sock) == wildcard.serial
    # a wildcard covers one label only: the handshake finds no certificate
    with pytest.raises(ssl.SSLError):
        connect(tls_gateway.tls_port, "a.b.example.test", ctx)


def test_unknown_sni_fails_the_handshake(tls_gateway, ca):
    tls_gateway.put_ssl("one", ca.issue("known.test"), ["known.test"])
    with pytest.raises(ssl.SSLError):
        connect(tls_gateway.tls_port, "unknown.test", client_context(ca))


def test_certificate_update_without_restart(tls_gateway, ca, upstreams):
    first, second = ca.issue("rotate.test"), ca.issue("rotate.test")
    tls_gateway.put_ssl("rot", first, ["rotate.test"])
    ctx = client_context(ca)
    with connect(tls_gateway.tls_port, "rotate.test", ctx) as sock:
        assert served_serial(sock) == first.serial
    tls_gateway.put_ssl("rot", second, ["rotate.test"])
    with connect(tls_gateway.tls_port, "rotate.test", ctx) as sock:
        assert served_serial(sock) == second.serial
    tls_gateway.delete("ssls", "rot")
    with pytest.raises(ssl.SSLError):
        connect(tls_gateway.tls_port, "rotate.test", ctx)


def test_keep_alive_and_host_routing_over_tls(tls_gateway, ca, upstreams):
    a, b = upstreams("a"), upstreams("b")
    tls_gateway.put_ssl("wild", ca.issue("*.site.test"), ["*.site.test"])
    tls_gateway.put("routes", "a", _route(a, host="a.site.test"))
    tls_gateway.put("routes", "b", _route(b, host="b.site.test"))
    with connect(tls_gateway.tls_port, "a.site.test", client_context(ca)) as sock:
        for _ in range(3):
            status, body = get(sock, "/hello", "a.site.test")
            assert (status, body["upstream"]) == (200, "a")
        status, body = get(sock, "/hello", "b.site.test")  # routed by Host, as on plain ports
        assert (status, body["upstream"]) == (200, "b")
    assert len(a.requests) == 3 and len(b.requests) == 1


def test_mtls_requires_a_client_certificate(tls_gateway, ca, upstreams, tmp_path):
    up = upstreams("secure")
    tls_gateway.put_ssl(
        "mtls", ca.issue("mtls.test"), ["mtls.test"], client={"ca": ca.pem, "depth": 1}
    )
    tls_gateway.put("routes", "1", _route(up))
    good = client_context(ca, ca.issue("client.test"), tmp_path)
    with connect(tls_gateway.tls_port, "mtls.test", good) as sock:
        status, body = get(sock, "/hello", "mtls.test")
    assert (status, body["upstream"]) == (200, "secure")

    def refused(ctx: ssl.SSLContext) -> None:
        failures = (ssl.SSLError, ConnectionError, http.client.HTTPException, OSError)
        with pytest.raises(failures), connect(tls_gateway.tls_port, "mtls.test", ctx) as sock:
            get(sock, "/hello", "mtls.test")

    refused(client_context(ca))  # no certificate
    stranger = TestCa("another CA")
    refused(client_context(ca, stranger.issue("client.test"), tmp_path))  # not from client.ca
    assert len(up.requests) == 1


def test_ssl_protocols_are_honoured(ca):
    gw = TlsGateway(protocols="TLSv1.3")
    try:
        gw.put_ssl("one", ca.issue("v13.test"), ["v13.test"])
        old = client_context(ca)
        old.maximum_version = ssl.TLSVersion.TLSv1_2
        with pytest.raises(ssl.SSLError):
            connect(gw.tls_port, "v13.test", old)
        with connect(gw.tls_port, "v13.test", client_context(ca)) as sock:
            assert sock.version() == "TLSv1.3"
    finally:
        gw.stop()


def test_mtls_host_must_be_the_sni(tls_gateway, ca, upstreams, tmp_path):
    up = upstreams("secure")
    tls_gateway.put_ssl("mtls", ca.issue("*.mtls.test"), ["*.mtls.test"], client={"ca": ca.pem})
    tls_gateway.put("routes", "1", _route(up))
    good = client_context(ca, ca.issue("client.test"), tmp_path)
    with connect(tls_gateway.tls_port, "a.mtls.test", good) as sock:
        assert get(sock, "/hello", "a.mtls.test")[0] == 200
        # verified for SNI a.mtls.test, asking for b.mtls.test: APISIX answers 400
        assert get(sock, "/hello", "b.mtls.test")[0] == 400
    assert len(up.requests) == 1


def test_skip_mtls_uri_regex(tls_gateway, ca, upstreams, tmp_path):
    up = upstreams("open")
    client = {"ca": ca.pem, "skip_mtls_uri_regex": ["^/public/.*"]}
    tls_gateway.put_ssl("mtls", ca.issue("skip.test"), ["skip.test"], client=client)
    tls_gateway.put("routes", "1", _route(up, uri="/*"))
    with connect(tls_gateway.tls_port, "skip.test", client_context(ca)) as sock:
        assert get(sock, "/public/page", "skip.test")[0] == 200
        assert get(sock, "/private", "skip.test")[0] == 400
    good = client_context(ca, ca.issue("client.test"), tmp_path)
    with connect(tls_gateway.tls_port, "skip.test", good) as sock:
        assert get(sock, "/private", "skip.test")[0] == 200
    assert [r["url"] for r in up.requests] == ["/public/page", "/private"]


def test_no_sni_uses_fallback_sni(ca):
    gw = TlsGateway(fallback_sni="fallback.test")
    try:
        issued = ca.issue("fallback.test")
        gw.put_ssl("fb", issued, ["fallback.test"])
        ctx = client_context(ca)
        ctx.check_hostname = False
        raw = socket.create_connection(("127.0.0.1", gw.tls_port), timeout=5)
        with raw, ctx.wrap_socket(raw) as sock:  # no server_hostname: no SNI sent
            assert served_serial(sock) == issued.serial
    finally:
        gw.stop()


def test_no_sni_without_fallback_fails(tls_gateway, ca):
    tls_gateway.put_ssl("one", ca.issue("named.test"), ["named.test"])
    ctx = client_context(ca)
    ctx.check_hostname = False
    raw = socket.create_connection(("127.0.0.1", tls_gateway.tls_port), timeout=5)
    with raw, pytest.raises(ssl.SSLError):
        ctx.wrap_socket(raw)


def test_ssl_object_protocols_narrow_the_listener(tls_gateway, ca, upstreams):
    up = upstreams("v13")
    tls_gateway.put_ssl("v13", ca.issue("only13.test"), ["only13.test"], ssl_protocols=["TLSv1.3"])
    tls_gateway.put("routes", "1", _route(up))
    old = client_context(ca)
    old.maximum_version = ssl.TLSVersion.TLSv1_2
    failures = (ssl.SSLError, ConnectionError, http.client.HTTPException)
    with pytest.raises(failures), connect(tls_gateway.tls_port, "only13.test", old) as sock:
        get(sock, "/hello", "only13.test")
    with connect(tls_gateway.tls_port, "only13.test", client_context(ca)) as sock:
        assert get(sock, "/hello", "only13.test")[0] == 200


@pytest.mark.parametrize(("depth", "served"), [(1, False), (2, True)])
def test_mtls_client_depth(tls_gateway, ca, upstreams, tmp_path, depth, served):
    up = upstreams("deep")
    intermediate = TestCa("gwconform intermediate CA", parent=ca)
    client = {"ca": intermediate.pem + ca.pem, "depth": depth}
    tls_gateway.put_ssl("mtls", ca.issue("deep.test"), ["deep.test"], client=client)
    tls_gateway.put("routes", "1", _route(up))
    # leaf <- intermediate <- root: two CA certificates above the client's
    ctx = client_context(ca, intermediate.issue("client.test"), tmp_path)
    failures = (ssl.SSLError, ConnectionError, http.client.HTTPException)
    if served:
        with connect(tls_gateway.tls_port, "deep.test", ctx) as sock:
            assert get(sock, "/hello", "deep.test")[0] == 200
    else:
        with pytest.raises(failures), connect(tls_gateway.tls_port, "deep.test", ctx) as sock:
            get(sock, "/hello", "deep.test")
        assert up.requests == []


def test_alpn_chooses_h2_and_routes_as_http1(tls_gateway, ca, upstreams):
    up = upstreams("echo")
    tls_gateway.put_ssl("1", ca.issue("api.example.test"), ["api.example.test"])
    tls_gateway.put("routes", "1", _route(up))
    ctx = client_context(ca)
    ctx.set_alpn_protocols(["h2", "http/1.1"])
    with connect(tls_gateway.tls_port, "api.example.test", ctx) as sock:
        assert sock.selected_alpn_protocol() == "h2"
        answer = h2_request(sock, "/hello", "api.example.test", scheme="https")
    body = json.loads(answer.body)
    assert answer.status == 200 and body["upstream"] == "echo"
    assert body["headers"]["x-forwarded-proto"] == "https"
    assert body["headers"]["host"] == "api.example.test"


def test_alpn_without_http2_settles_on_http1(ca, upstreams):
    gw = TlsGateway(http2=False)
    try:
        up = upstreams("echo")
        gw.put_ssl("1", ca.issue("api.example.test"), ["api.example.test"])
        gw.put("routes", "1", _route(up))
        ctx = client_context(ca)
        ctx.set_alpn_protocols(["h2", "http/1.1"])
        with connect(gw.tls_port, "api.example.test", ctx) as sock:
            assert sock.selected_alpn_protocol() == "http/1.1"
            status, body = get(sock, "/hello", "api.example.test")
        assert status == 200 and body["upstream"] == "echo"
    finally:
        gw.stop()
