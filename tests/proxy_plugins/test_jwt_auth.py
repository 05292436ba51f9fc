from __future__ import annotations

import asyncio
import base64
import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from reference_impl.proxy.plugins import PLUGIN_CLASSES, PluginEnv

SECRET = "my-secret-key-of-sufficient-length!"


def _pem_pair(private_key):
    private = private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public = (
        private_key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


RSA_PRIVATE, RSA_PUBLIC = _pem_pair(rsa.generate_private_key(public_exponent=65537, key_size=2048))
EC_PRIVATE, EC_PUBLIC = _pem_pair(ec.generate_private_key(ec.SECP256R1()))
B64_SECRET = base64.b64encode(b"binary\x00secret-with-32-bytes-long!").decode()

CONSUMERS = [
    {"username": "hs", "plugins": {"jwt-auth": {"key": "user-hs", "secret": SECRET}}},
    {
        "username": "rs",
        "plugins": {"jwt-auth": {"key": "user-rs", "algorithm": "RS256", "public_key": RSA_PUBLIC}},
    },
    {
        "username": "es",
        "plugins": {"jwt-auth": {"key": "user-es", "algorithm": "ES256", "public_key": EC_PUBLIC}},
    },
    {
        "username": "b64",
        "plugins": {"jwt-auth": {"key": "user-b64", "secret": B64_SECRET, "base64_secret": True}},
    },
    {
        "username": "grace",
        "plugins": {
            "jwt-auth": {"key": "user-grace", "secret": SECRET, "lifetime_grace_period": 60}
        },
    },
]


def _token(payload, key=SECRET, algorithm="HS256"):
    return jwt.encode(payload, key, algorithm=algorithm)


def _run(ctx, conf=None):
    base = {"header": "authorization", "query": "jwt", "cookie": "jwt", "hide_credentials": False}
    plugin = PLUGIN_CLASSES["jwt-auth"]({**base, **(conf or {})}, PluginEnv(CONSUMERS, {}, {}))
    return asyncio.run(plugin.rewrite(ctx))


def _later(seconds):
    return int(time.time()) + seconds


@pytest.mark.parametrize(
    ("key", "algorithm", "consumer"),
    [
        (SECRET, "HS256", "user-hs"),
        (RSA_PRIVATE, "RS256", "user-rs"),
        (EC_PRIVATE, "ES256", "user-es"),
        (base64.b64decode(B64_SECRET), "HS256", "user-b64"),
    ],
    ids=["hs256", "rs256", "es256", "hs256-base64-secret"],  # the keys are made per run
)
def test_valid_tokens(make_ctx, key, algorithm, consumer):
    token = _token({"key": consumer, "exp": _later(60)}, key, algorithm)
    ctx = make_ctx("GET", "/", headers={"Authorization": "Bearer " + token})
    assert _run(ctx) is None
    assert ctx.consumer["plugins"]["jwt-auth"]["key"] == consumer


def test_token_from_query_and_cookie(make_ctx):
    token = _token({"key": "user-hs"})
    assert _run(make_ctx("GET", "/?jwt=" + token)) is None
    ctx = make_ctx("GET", "/", headers={"Cookie": f"a=1; jwt={token}; b=2"})
    assert _run(ctx, {"hide_credentials": True}) is None
    assert ctx.consumer_name == "hs"
    assert ctx.upstream_headers["Cookie"] == "a=1; b=2"


def test_hide_credentials_header(make_ctx):
    ctx = make_ctx("GET", "/", headers={"Authorization": _token({"key": "user-hs"})})
    assert _run(ctx, {"hide_credentials": True}) is None
    assert ctx.upstream_headers == {"authorization": None}


@pytest.mark.parametrize(
    ("make_token", "message"),
    [
        (lambda: None, "Missing JWT token in request"),
        (lambda: "not-a-jwt", "JWT token invalid"),
        (lambda: _token({"sub": "x"}), "missing user key in JWT token"),
        (lambda: _token({"key": "nobody"}), "Invalid user key in JWT token"),
        (
            lambda: _token({"key": "user-hs"}, key="another-secret-of-sufficient-len"),
            "failed to verify jwt",
        ),
        # times are taken when the test runs, not when it is collected
        (lambda: _token({"key": "user-hs", "exp": _later(-10)}), "failed to verify jwt"),
        (lambda: _token({"key": "user-hs", "nbf": _later(120)}), "failed to verify jwt"),
        (lambda: _token({"key": "user-hs", "exp": "soon"}), "failed to verify jwt"),
        (lambda: _token({"key": "user-rs"}, SECRET, "HS256"), "failed to verify jwt"),
    ],
    ids=[
        "missing",
        "not-a-jwt",
        "no-key-claim",
        "unknown-key",
        "wrong-secret",
        "expired",
        "not-yet-valid",
        "bad-exp",
        "wrong-algorithm",
    ],
)
def test_rejections(make_ctx, make_token, message):
    token = make_token()
    headers = {"Authorization": token} if token else {}
    response = _run(make_ctx("GET", "/", headers=headers))
    assert (response.status, response.body) == (401, {"message": message})
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="jwt"'


def test_grace_period_accepts_recently_expired(make_ctx):
    token = _token({"key": "user-grace", "exp": _later(-30)})
    assert _run(make_ctx("GET", "/", headers={"Authorization": token})) is None
    expired = _token({"key": "user-grace", "exp": _later(-90)})
    assert _run(make_ctx("GET", "/", headers={"Authorization": expired})).status == 401


def test_listed_claims_are_required(make_ctx):
    token = _token({"key": "user-hs"})
    conf = {"claims_to_verify": ["exp"]}
    response = _run(make_ctx("GET", "/", headers={"Authorization": token}), conf)
    assert (response.status, response.body) == (401, {"message": "failed to verify jwt"})
    valid = _token({"key": "user-hs", "exp": _later(30)})
    assert _run(make_ctx("GET", "/", headers={"Authorization": valid}), conf) is None
