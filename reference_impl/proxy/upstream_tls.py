"""TLS towards an upstream (`scheme` https/grpcs): the client certificate an upstream `tls`
presents (`client_cert`/`client_key`, or the client SSL object `client_cert_id` names) and,
with `tls.verify`, verification of the upstream's certificate against the trusted CAs
(`apisix.ssl.ssl_trusted_certificate`: a PEM file, or "system").

Without `tls.verify` the upstream's certificate is not checked (nginx's `proxy_ssl_verify
off`, which APISIX keeps).
"""

from __future__ import annotations

import ssl
import tempfile
from dataclasses import dataclass, field
from typing import Any

from .cert_chain import load_pair

SYSTEM_TRUST = "system"


@dataclass
class UpstreamTlsEnv:
    """What upstream TLS contexts are built from besides the upstream conf: the keyring that
    decrypts stored private keys, the SSL objects of the generation, the trusted CAs."""

    keyring: Any = None  # admin.ssl_crypto.Keyring; None: keys are stored in clear
    ssls: dict[str, dict[str, Any]] = field(default_factory=dict)
    trusted_certificate: str = SYSTEM_TRUST

    def client_ssl(self, conf: dict[str, Any]) -> dict[str, Any] | None:
        """The client SSL object an upstream's `tls.client_cert_id` names (None if none)."""
        ssl_id = (conf.get("tls") or {}).get("client_cert_id")
        return None if ssl_id is None else self.ssls.get(str(ssl_id))


_UNVERIFIED: dict[bool, ssl.SSLContext] = {}  # by whether it offers h2


def unverified_context(h2: bool = False) -> ssl.SSLContext:
    """The shared context of upstreams with neither a client certificate nor `verify`
    (`h2`: offering HTTP/2 through ALPN, for grpcs upstreams)."""
    ctx = _UNVERIFIED.get(h2)
    if ctx is None:
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        if h2:
            ctx.set_alpn_protocols(["h2"])
        _UNVERIFIED[h2] = ctx
    return ctx


def upstream_tls_context(
    conf: dict[str, Any], env: UpstreamTlsEnv, h2: bool = False
) -> ssl.SSLContext:
    """The context connections to a TLS upstream use (`h2`: offering HTTP/2 through ALPN);
    ValueError when the client certificate it names is missing or its key can't be
    decrypted (the upstream is left out)."""
    tls = conf.get("tls") or {}
    pair = _client_pair(tls, env)
    if pair is None and not tls.get("verify"):
        return unverified_context(h2)
    ctx = ssl.create_default_context()
    if h2:
        ctx.set_alpn_protocols(["h2"])
    if tls.get("verify"):
        if env.trusted_certificate != SYSTEM_TRUST:
            ctx.load_verify_locations(cafile=env.trusted_certificate)
    else:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    if pair is not None:
        with tempfile.TemporaryDirectory(prefix="gwconform-upstream-tls-") as workdir:
            load_pair(ctx, pair[0], pair[1], workdir)
    return ctx


def _client_pair(tls: dict[str, Any], env: UpstreamTlsEnv) -> tuple[str, str] | None:
    if tls.get("client_cert_id") is not None:
        obj = env.client_ssl({"tls": tls})
        if obj is None or obj.get("type") != "client":
            raise ValueError(f"no client SSL object [{tls['client_cert_id']}]")
        cert, key = obj.get("cert"), obj.get("key")
    else:
        cert, key = tls.get("client_cert"), tls.get("client_key")
    if not isinstance(cert, str) or not isinstance(key, str):
        return None
    plain = key if env.keyring is None else env.keyring.decrypt_pkey(key)
    if plain is None:
        raise ValueError("the client certificate's key can't be decrypted with the keyring")
    return cert, plain
