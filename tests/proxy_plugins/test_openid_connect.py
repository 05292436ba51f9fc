from __future__ import annotations

import asyncio
import base64
import json
import time
from http.server import BaseHTTPRequestHandler

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from conformance.support.loopback_http import HandlerServer
from conformance.support.oidc_provider import OidcProvider
from reference_impl.proxy.phases import PluginConfError, instantiate
from reference_impl.proxy.plugins import PLUGIN_CLASSES, PluginEnv

KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
PUBLIC_PEM = (
    KEY.public_key()
    .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    .decode()
)
BASE = {
    "client_id": "c",
    "client_secret": "s",
    "discovery": "http://127.0.0.1:9/d",
    "bearer_only": True,
}


def _run(conf, ctx):
    plugin = PLUGIN_CLASSES["openid-connect"]({**BASE, **conf}, PluginEnv([], {}, {}))
    return asyncio.run(plugin.rewrite(ctx))


def _bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def test_public_key_verification_and_headers(make_ctx):
    now = int(time.time())
    token = jwt.encode({"sub": "jack", "exp": now + 60}, KEY, "RS256")
    ctx = make_ctx(headers=_bearer(token))
    assert _run({"public_key": PUBLIC_PEM}, ctx) is None
    assert ctx.upstream_headers["X-Access-Token"] == token
    assert json.loads(base64.b64decode(ctx.upstream_headers["X-Userinfo"]))["sub"] == "jack"

    ctx = make_ctx(headers=_bearer(token))
    conf = {"public_key": PUBLIC_PEM, "access_token_in_authorization_header": True}
    assert _run({**conf, "set_userinfo_header": False}, ctx) is None
    assert "Authorization" not in ctx.upstream_headers  # the client's stays
    assert "X-Userinfo" not in ctx.upstream_headers


@pytest.mark.parametrize(
    "claims",
    [{"exp": -60}, {"nbf": 600}, {"iat": 600}],
    ids=["expired", "not-yet-valid", "issued-in-the-future"],
)
def test_time_claims(make_ctx, claims):
    now = int(time.time())
    token = jwt.encode({"sub": "x", **{k: now + v for k, v in claims.items()}}, KEY, "RS256")
    response = _run({"public_key": PUBLIC_PEM}, make_ctx(headers=_bearer(token)))
    assert response.status == 401
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_unexpected_algorithm_and_missing_token(make_ctx):
    token = jwt.encode({"sub": "x"}, "a-shared-secret-of-enough-length!", "HS256")
    response = _run({"public_key": PUBLIC_PEM}, make_ctx(headers=_bearer(token)))
    assert 'unexpected algorithm \\"HS256\\"' in json.dumps(response.headers)
    missing = _run({"public_key": PUBLIC_PEM, "realm": "r"}, make_ctx())
    assert (missing.status, missing.headers) == (401, {"WWW-Authenticate": 'Bearer realm="r"'})
    assert (
        _run({"public_key": PUBLIC_PEM}, make_ctx(headers={"authorization": "Bearer"})).status
        == 400
    )


def test_jwks_and_discovery_are_cached(make_ctx):
    with OidcProvider("c", "s") as provider:
        id_token = provider.login("alice")["id_token"]
        conf = {"discovery": provider.discovery, "use_jwks": True}
        assert _run(conf, make_ctx(headers=_bearer(id_token))) is None
    # the provider is gone: the cached discovery document and JWKS still verify
    assert _run(conf, make_ctx(headers=_bearer(id_token))) is None


class _Introspection(HandlerServer):
    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    def handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                server.calls += 1
                body = self.rfile.read(int(self.headers["Content-Length"])).decode()
                active = body == "token=good" and self.headers["Authorization"] == "Basic Yzpz"
                answer = {"active": active, "sub": "jack", "exp": int(time.time()) + 60}
                data = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: object) -> None:
                pass

        return Handler


def test_introspection_cached_until_exp(make_ctx):
    with _Introspection() as endpoint:
        conf = {"introspection_endpoint": endpoint.url + "/introspect"}
        assert _run(conf, make_ctx(headers=_bearer("good"))) is None
        assert _run(conf, make_ctx(headers=_bearer("good"))) is None
        assert endpoint.calls == 1
        response = _run(conf, make_ctx(headers=_bearer("bad")))
        assert 'error_description="invalid token"' in response.headers["WWW-Authenticate"]


def test_code_flow_is_refused():
    conf = {**BASE, "bearer_only": False}
    with pytest.raises(PluginConfError, match="bearer_only false is not supported"):
        instantiate({"openid-connect": conf}, PLUGIN_CLASSES, None)
