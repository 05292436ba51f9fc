"""HTTPS listeners: the certificate of each handshake chosen by SNI from the `ssls` objects.

As APISIX's `apisix/ssl/router/radixtree_sni.lua`: server certificates (`type` "server",
`status` 1) are looked up by the client's SNI, an exact name first, then a wildcard
`*.example.com` covering exactly one more label, then an SSL object whose SNI is `*`; no match
(or no SNI and no `fallback_sni`) fails the handshake. Each SSL object gets one
`ssl.SSLContext`, kept while the object is unchanged; the listener's context swaps it in from
its `sni_callback`. Private keys are stored encrypted and decrypted with the keyring.

An SSL object's own `ssl_protocols` narrows the listener's: OpenSSL has chosen the version
before the SNI callback runs, so a connection on another version is closed once the handshake
ends. mTLS (`client.ca`): OpenSSL keeps the verify mode of the listener's context when the SNI
callback swaps contexts (it only takes the certificates and the trust store of the new one),
so the listener asks every client for an optional certificate once an SSL object with a
client CA exists; the chosen context verifies a certificate sent against its own CA, and a
connection to such an SNI without one is closed as soon as the handshake ends.
"""

from __future__ import annotations

import asyncio
import os
import re
import ssl
import tempfile
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature

from .downstream import Plane
from .fingerprint import conf_fingerprint
from .h2_server import H2Connection
from .http_server import ClientConnection
from .left_out import LeftOut
from .plugin_api import Ctx
from .plugins.regex_util import compile_pattern

_VERSIONS = {
    "TLSv1": ssl.TLSVersion.TLSv1,
    "TLSv1.1": ssl.TLSVersion.TLSv1_1,
    "TLSv1.2": ssl.TLSVersion.TLSv1_2,
    "TLSv1.3": ssl.TLSVersion.TLSv1_3,
}
DEFAULT_PROTOCOLS = "TLSv1.2 TLSv1.3"
HANDSHAKE_TIMEOUT = 60.0  # nginx's client_header_timeout covers the handshake too


def protocol_range(protocols: str) -> tuple[ssl.TLSVersion, ssl.TLSVersion]:
    """The lowest and highest of nginx-style `ssl_protocols` ("TLSv1.2 TLSv1.3")."""
    names = protocols.split()
    unknown = [n for n in names if n not in _VERSIONS]
    if not names or unknown:
        raise ValueError(
            f"invalid ssl_protocols {protocols!r} (expected some of {', '.join(_VERSIONS)})"
        )
    versions = sorted(_VERSIONS[n] for n in names)
    return versions[0], versions[-1]


class CertContext(ssl.SSLContext):
    """The context of one SSL object. `verifies_clients`: it has a client CA (mTLS);
    `client_required`: connections must show a certificate (no `skip_mtls_uri_regex`);
    `skip_mtls`: the URI patterns requests without a client certificate may still use."""

    verifies_clients = False
    client_required = False
    protocols: frozenset[str] | None = None  # the object's own `ssl_protocols`
    skip_mtls: tuple[re.Pattern[str], ...] = ()
    client_depth = 1
    client_cas: tuple[x509.Certificate, ...] = ()

    def chain_too_deep(self, leaf_der: bytes) -> bool:
        """`client.depth` (nginx's ssl_verify_depth): at most that many CA certificates above
        the client's. Python's ssl can't set OpenSSL's verify depth, so the chain the handshake
        verified is walked again through `client.ca`; a chain through certificates the client
        sent itself (not in `client.ca`) is only counted as far as `client.ca` reaches."""
        current = x509.load_der_x509_certificate(leaf_der)
        above = 0
        while current.issuer != current.subject and above <= self.client_depth:
            issuer = next((ca for ca in self.client_cas if _issued_by(current, ca)), None)
            if issuer is None:
                break
            above += 1
            current = issuer
        return above > self.client_depth


def _issued_by(cert: x509.Certificate, ca: x509.Certificate) -> bool:
    if cert.issuer != ca.subject:
        return False
    try:
        cert.verify_directly_issued_by(ca)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def _load_pair(ctx: ssl.SSLContext, cert: str, key: str, workdir: str) -> None:
    """`load_cert_chain` reads files only: the PEM goes through a private file, removed at once."""
    fd, path = tempfile.mkstemp(dir=workdir, suffix=".pem")
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(cert.rstrip("\n") + "\n" + key)
        ctx.load_cert_chain(path)
    finally:
        os.unlink(path)


def _context_of(
    conf: dict[str, Any], keyring: Any, versions: tuple[ssl.TLSVersion, ssl.TLSVersion]
) -> CertContext:
    ctx = CertContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version, ctx.maximum_version = versions
    pairs = [(conf.get("cert"), conf.get("key"))]
    pairs += list(zip(conf.get("certs") or [], conf.get("keys") or [], strict=False))
    with tempfile.TemporaryDirectory(prefix="gwconform-tls-") as workdir:
        for cert, key in pairs:
            if not isinstance(cert, str) or not isinstance(key, str):
                raise ValueError("a certificate without its key")
            key_pem = keyring.decrypt_pkey(key)
            if key_pem is None:
                raise ValueError("the private key can't be decrypted with the keyring")
            _load_pair(ctx, cert, key_pem, workdir)
    if conf.get("ssl_protocols"):
        ctx.protocols = frozenset(conf["ssl_protocols"])
    client = conf.get("client")
    if isinstance(client, dict) and client.get("ca"):
        ctx.load_verify_locations(cadata=client["ca"])
        ctx.verify_mode = ssl.CERT_OPTIONAL  # what `getpeercert` reads; the handshake verifies
        ctx.verifies_clients = True
        ctx.skip_mtls = tuple(
            compile_pattern(p, "jo") for p in client.get("skip_mtls_uri_regex") or ()
        )
        ctx.client_required = not ctx.skip_mtls
        ctx.client_depth = int(client.get("depth", 1))
        ctx.client_cas = tuple(x509.load_pem_x509_certificates(client["ca"].encode()))
    return ctx


def _snis(conf: dict[str, Any]) -> list[str]:
    names = conf.get("snis") or ([conf["sni"]] if conf.get("sni") else [])
    return [str(n).lower().rstrip(".") for n in names]


def _entry(
    conf: dict[str, Any],
    reusable: dict[str, CertContext],
    keyring: Any,
    versions: tuple[ssl.TLSVersion, ssl.TLSVersion],
) -> tuple[str, CertContext, list[str]]:
    """An SSL object's fingerprint, context (the previous generation's while the conf is
    unchanged) and server names."""
    fingerprint = conf_fingerprint(conf)
    ctx = reusable.get(fingerprint) or _context_of(conf, keyring, versions)
    return fingerprint, ctx, _snis(conf)


class SniCertificates:
    """The server certificates of one config generation, by SNI."""

    def __init__(
        self,
        ssls: dict[str, dict[str, Any]],
        keyring: Any,
        versions: tuple[ssl.TLSVersion, ssl.TLSVersion],
        previous: SniCertificates | None = None,
        left_out: LeftOut | None = None,
    ) -> None:
        """An SSL object whose certificate, key or SNIs cannot be used is left out
        (`left_out`)."""
        self.exact: dict[str, CertContext] = {}
        self.wildcard: dict[str, CertContext] = {}  # "example.com" for "*.example.com"
        self.catch_all: CertContext | None = None
        self.mtls = False
        self._by_print: dict[str, CertContext] = {}
        reusable = previous._by_print if previous is not None else {}
        left_out = left_out if left_out is not None else LeftOut()
        for ssl_id, conf in sorted(ssls.items()):
            if conf.get("type", "server") != "server" or conf.get("status", 1) != 1:
                continue
            entry = left_out.compile("ssls", ssl_id, _entry, conf, reusable, keyring, versions)
            if entry is None:
                continue
            fingerprint, ctx, names = entry
            self._by_print[fingerprint] = ctx
            self.mtls = self.mtls or ctx.verifies_clients
            for name in names:
                if name == "*":
                    self.catch_all = self.catch_all or ctx
                elif name.startswith("*."):
                    self.wildcard.setdefault(name[2:], ctx)
                else:
                    self.exact.setdefault(name, ctx)

    def contexts(self) -> list[CertContext]:
        return list(self._by_print.values())

    def lookup(self, server_name: str) -> CertContext | None:
        name = server_name.lower().rstrip(".")
        ctx = self.exact.get(name)
        if ctx is not None:
            return ctx
        _, dot, parent = name.partition(".")
        if dot:
            ctx = self.wildcard.get(parent)
            if ctx is not None:
                return ctx
        return self.catch_all


class TlsListener:
    """The context HTTPS listeners are created with; `update()` on every config change."""

    def __init__(
        self, protocols: str, keyring: Any, fallback_sni: str | None = None, http2: bool = True
    ) -> None:
        self.versions = protocol_range(protocols)
        self.keyring = keyring
        self.fallback_sni = fallback_sni
        # ALPN: the context a handshake switches to (by SNI) is the one that answers it
        self.alpn = ["h2", "http/1.1"] if http2 else ["http/1.1"]
        self.certificates = SniCertificates({}, keyring, self.versions)
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.minimum_version, self.context.maximum_version = self.versions
        self.context.set_alpn_protocols(self.alpn)
        self.context.sni_callback = self._select

    def update(self, ssls: dict[str, dict[str, Any]], left_out: LeftOut | None = None) -> None:
        certificates = SniCertificates(
            ssls, self.keyring, self.versions, self.certificates, left_out
        )
        for ctx in certificates.contexts():
            ctx.set_alpn_protocols(self.alpn)
        self.certificates = certificates
        # see the module docstring: the listener's verify mode is the one every handshake gets
        self.context.verify_mode = ssl.CERT_OPTIONAL if certificates.mtls else ssl.CERT_NONE

    def _select(self, sslobj: Any, server_name: str | None, _: ssl.SSLContext) -> int | None:
        name = server_name or self.fallback_sni
        ctx = self.certificates.lookup(name) if name else None
        if ctx is None or name is None:
            return ssl.ALERT_DESCRIPTION_HANDSHAKE_FAILURE
        sslobj.context = ctx
        sslobj.gw_sni = name.lower()  # read back by the connection (TlsClientConnection)
        return None


@dataclass(frozen=True)
class Handshake:
    """What a finished handshake on a TLS listener settled (HTTPS or TLS over TCP):
    the chosen SSL object's context and SNI, whether a client certificate passed, and
    `refused`: an mTLS SNI without a client certificate, or a protocol version the SSL
    object does not allow (the connection is closed)."""

    cert_ctx: CertContext | None = None
    sni: str = ""
    client_verified: bool = False
    refused: bool = False

    @classmethod
    def of(cls, transport: asyncio.BaseTransport) -> Handshake:
        sslobj = transport.get_extra_info("ssl_object")
        ctx = sslobj.context if sslobj is not None else None
        if not isinstance(ctx, CertContext):
            return cls()
        peer = sslobj.getpeercert(True)
        verified = bool(peer) and not ctx.chain_too_deep(peer)
        refused = (ctx.client_required and not verified) or (
            ctx.protocols is not None and sslobj.version() not in ctx.protocols
        )
        return cls(ctx, getattr(sslobj, "gw_sni", ""), verified, refused)


class TlsClientConnection(ClientConnection):
    """A connection of an HTTPS listener: `$scheme` is https; an mTLS SNI without a client
    certificate is refused right after the handshake, and while SSL objects with a client CA
    exist, each request is checked as APISIX's `verify_https_client` does (400)."""

    scheme = "https"
    scheme_bytes = b"https"

    def __init__(self, plane: Plane, listener: TlsListener) -> None:
        super().__init__(plane)
        self.listener = listener
        self.sni = ""
        self.cert_ctx: CertContext | None = None
        self.client_verified = False  # a client certificate passed the handshake

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        handshake = Handshake.of(transport)
        self.cert_ctx, self.sni = handshake.cert_ctx, handshake.sni
        self.client_verified = handshake.client_verified
        if handshake.refused:
            transport.abort()  # type: ignore[attr-defined]
            return
        sslobj = transport.get_extra_info("ssl_object")
        if sslobj is not None and sslobj.selected_alpn_protocol() == "h2":
            H2Connection(self, self.plane, b"")

    @property
    def client_checks(self) -> bool:
        return self.listener.certificates.mtls

    def refuses(self, ctx: Ctx) -> bool:
        """A request APISIX answers with 400: no client certificate on a URI outside
        `skip_mtls_uri_regex`, or a Host whose SSL object verifies clients but is not the SNI."""
        own = self.cert_ctx
        if own is not None and own.skip_mtls and not self.client_verified:
            uri = ctx.var("uri") or ""
            if not any(p.search(uri) for p in own.skip_mtls):
                return True
        host = (ctx.var("host") or "").lower()
        by_host = self.listener.certificates.lookup(host) if host else None
        return by_host is not None and by_host.verifies_clients and host != self.sni
