from __future__ import annotations

import asyncio
import base64
import json
import time
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qsl, urlsplit

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from conformance.support.loopback_http import HandlerServer
from conformance.support.oidc_provider import OidcProvider
from reference_impl.proxy.plugins import PLUGIN_CLASSES, PluginEnv
from reference_impl.schema import check_plugin

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


def _code_flow(conf):
    checked = check_plugin("openid-connect", {**BASE, "bearer_only": False, **conf})
    return PLUGIN_CLASSES["openid-connect"](checked, PluginEnv([], {}, {}))


def _cookie(response) -> dict[str, str]:
    return {"cookie": response.headers["Set-Cookie"].split(";", 1)[0]}


def test_code_flow_login_session_and_logout(make_ctx):
    with OidcProvider("c", "s") as provider:
        plugin = _code_flow({"discovery": provider.discovery, "redirect_uri": "/cb"})
        start = asyncio.run(plugin.rewrite(make_ctx(target="/app?x=1")))
        assert start.status == 302
        location = urlsplit(start.headers["Location"])
        params = dict(parse_qsl(location.query))
        assert location.path == "/oauth2/authorize"
        assert params["redirect_uri"] == "http://localhost/cb"
        assert params["response_type"] == "code" and params["scope"] == "openid"
        consent = httpx.post(start.headers["Location"], data={"sub": "alice"})
        callback = urlsplit(consent.headers["location"])
        assert callback.path == "/cb"
        # a forged state is APISIX's 500
        forged = make_ctx(target="/cb?code=x&state=y", headers=_cookie(start))
        assert asyncio.run(plugin.rewrite(forged)).status == 500
        back = make_ctx(target=f"/cb?{callback.query}", headers=_cookie(start))
        done = asyncio.run(plugin.rewrite(back))
        assert (done.status, done.headers["Location"]) == (302, "/app?x=1")
        ctx = make_ctx(target="/app?x=1", headers=_cookie(done))
        assert asyncio.run(plugin.rewrite(ctx)) is None
        id_token = json.loads(base64.b64decode(ctx.upstream_headers["X-ID-Token"]))
        assert id_token["sub"] == "alice" and id_token["aud"] == ["c"]
        assert json.loads(base64.b64decode(ctx.upstream_headers["X-Userinfo"]))["sub"] == "alice"
        assert ctx.upstream_headers["X-Access-Token"]
        # another secret cannot read the session: the request is sent to the provider again
        other = _code_flow({"discovery": provider.discovery, "redirect_uri": "/cb"})
        assert asyncio.run(other.rewrite(make_ctx(headers=_cookie(done)))).status == 302
        out = asyncio.run(plugin.rewrite(make_ctx(target="/logout", headers=_cookie(done))))
        assert out.status == 302 and "/oauth2/end_session?id_token_hint=" in out.headers["Location"]
        assert out.headers["Set-Cookie"].startswith("session=;")


@pytest.mark.parametrize(("action", "status"), [("deny", 401), ("pass", None), ("auth", 302)])
def test_code_flow_unauth_action(make_ctx, action, status):
    with OidcProvider("c", "s") as provider:
        conf = {"discovery": provider.discovery, "redirect_uri": "/cb", "unauth_action": action}
        plugin = _code_flow(conf)
        answer = asyncio.run(plugin.rewrite(make_ctx(target="/app")))
        assert (answer.status if answer else None) == status


def test_code_flow_callback_without_session_or_code(make_ctx):
    plugin = _code_flow({"redirect_uri": "http://gw/cb"})
    assert asyncio.run(plugin.rewrite(make_ctx(target="/cb?code=1&state=2"))).status == 500
    # with redirect_uri unset, every request is one to the redirect_uri (APISIX 3.5)
    assert asyncio.run(_code_flow({}).rewrite(make_ctx(target="/app"))).status == 500
