"""Authentication and authorization plugins that ask someone else, on real traffic:
forward-auth (an authorization service the test starts).

Sources: APISIX 3.5 plugin docs and apisix/plugins/*.lua. forward-auth (access phase): the
authorization service gets X-Forwarded-Proto/-Method/-Host/-Uri/-For and the client headers
named in `request_headers`; an answer below 300 lets the request through with the
`upstream_headers` of the answer added, any other answer goes back to the client with its
status, body and `client_headers`; an unreachable service is a 403 unless
`allow_degradation`. hmac-auth (a consumer plugin, 3.5 form): the signature is the
base64 HMAC (the consumer's `algorithm`, hmac-sha256 by default) with `secret_key` of
"METHOD\nURI\ncanonical query\naccess_key\nDate\n" plus "name:value\n" per signed
header, the query's arguments sorted by name and URI-escaped; parameters in the X-HMAC-*
headers or `Authorization: hmac-auth-v1#key#signature#algorithm#date#headers`; a failure is
401 {"message": "client request can't be validated"}; X-HMAC-SIGNATURE, -ALGORITHM and
-SIGNED-HEADERS are removed unless `keep_headers`; `clock_skew` > 0 checks the Date.
authz-casbin: the Casbin model and policy decide (the request header named by `username`,
"anonymous" without it; the URI; the method); a denial is 403 {"message": "Access Denied"}.
ldap-auth (a consumer plugin; a real LDAP server the test starts): Basic credentials bound
as `uid=username,base_dn` (uid "cn" by default); the consumer whose `user_dn` is that DN is
attached; 401 {"message": "Missing authorization in request"} with `WWW-Authenticate: Basic`
without credentials, "Invalid authorization in request" for a malformed header, "Invalid
user authorization" when the bind fails or no consumer has the DN. openid-connect with
`bearer_only` (a real OpenID provider the test starts): the token of `Authorization: Bearer`
or `X-Access-Token` is verified against `public_key`, the provider's JWKS (`use_jwks`, found
through `discovery`) or its introspection endpoint; valid, the upstream gets it in
X-Access-Token and the claims base64-encoded in X-Userinfo; missing, 401 with
`WWW-Authenticate: Bearer realm="apisix"`; invalid, 401 with `error="invalid_token"` in it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import socket
import time
from email.utils import formatdate
from urllib.parse import parse_qsl, quote

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from conformance.registry import conformance_test
from conformance.support.auth_service import AuthService
from conformance.support.dataplane_setup import plugin_route, put, wait_served
from conformance.support.ids import unique_username
from conformance.support.ldap_directory import LdapDirectory
from conformance.support.oidc_provider import OidcProvider
from conformance.support.traffic import Case, expect_cases


def _closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}/auth"


@conformance_test(
    name="forward-auth",
    description="forward-auth lets through what the authorization service allows and relays its refusals",
    profile="dataplane",
    features=["dp-plugin-forward-auth"],
)
def test_forward_auth(admin, dataplane, gw_target, echo, tag):
    with AuthService(token=f"t-{tag}", user=f"user-{tag}") as service:
        conf = {
            "uri": service.auth_url,
            "request_headers": ["Authorization"],
            "upstream_headers": ["X-User-ID"],
            "client_headers": ["X-Reason"],
        }
        path = plugin_route(admin, echo, tag, "fa", {"forward-auth": conf})
        good = {"Authorization": f"Bearer t-{tag}"}
        expect_cases(
            dataplane,
            [
                Case(path, headers=good, backend="echo"),
                Case(path, status=403),
                Case(path, headers={"Authorization": "Bearer wrong"}, status=403),
            ],
            gw_target.timeouts,
        )
        seen = dataplane.get(f"{path}?q=1", headers=good).json()["headers"]
        assert seen.get("x-user-id") == f"user-{tag}", seen
        asked = service.seen[-1]
        assert asked.get("x-forwarded-method") == "GET", asked
        assert asked.get("x-forwarded-uri") == f"{path}?q=1", asked
        assert asked.get("x-forwarded-proto") == "http", asked
        assert asked.get("x-forwarded-host"), asked
        assert asked.get("x-forwarded-for"), asked

        refused = dataplane.get(path, headers={"Authorization": "Bearer wrong"})
        assert refused.status_code == 403
        assert refused.text == "denied by auth service"
        assert refused.headers.get("x-reason") == "bad token"

    down = _closed_port_url()
    strict = plugin_route(admin, echo, tag, "down", {"forward-auth": {"uri": down}})
    lenient = plugin_route(
        admin, echo, tag, "degrade", {"forward-auth": {"uri": down, "allow_degradation": True}}
    )
    wait_served(dataplane, strict, None, gw_target.timeouts, status=403)
    wait_served(dataplane, lenient, "echo", gw_target.timeouts)


def _hmac_headers(
    key: str, secret: str, method: str, target: str, signed: dict[str, str], date: str
) -> dict[str, str]:
    """The X-HMAC-* headers signing a request as the hmac-auth docs describe."""
    path, _, query = target.partition("?")
    pairs = sorted(parse_qsl(query, keep_blank_values=True))
    canonical = "&".join(f"{quote(k, safe='-._~')}={quote(v, safe='-._~')}" for k, v in pairs)
    lines = [method, path, canonical, key, date, *(f"{k}:{v}" for k, v in signed.items())]
    digest = hmac.new(secret.encode(), ("\n".join(lines) + "\n").encode(), hashlib.sha256)
    return {
        "X-HMAC-SIGNATURE": base64.b64encode(digest.digest()).decode(),
        "X-HMAC-ALGORITHM": "hmac-sha256",
        "X-HMAC-ACCESS-KEY": key,
        "Date": date,
        "X-HMAC-SIGNED-HEADERS": ";".join(signed),
        **signed,
    }


@conformance_test(
    name="hmac-auth",
    description="hmac-auth admits requests signed with the consumer's secret and 401s the rest",
    profile="dataplane",
    features=["dp-plugin-hmac-auth"],
)
def test_hmac_auth(admin, dataplane, gw_target, echo, tag):
    key, secret = f"ak-{tag}", f"sk-{tag}"
    strict_key = f"ak2-{tag}"
    consumers = {
        key: {"access_key": key, "secret_key": secret, "signed_headers": ["x-custom-a"]},
        strict_key: {"access_key": strict_key, "secret_key": secret, "clock_skew": 60},
    }
    for conf in consumers.values():
        put(
            admin, "/consumers", {"username": unique_username("hm"), "plugins": {"hmac-auth": conf}}
        )
    path = plugin_route(admin, echo, tag, "hmac", {"hmac-auth": {}})
    target = f"{path}?name=james&age=36&list=a%2Cb"
    now = formatdate(usegmt=True)
    signed = _hmac_headers(key, secret, "GET", target, {"x-custom-a": "test"}, now)
    wait_served(dataplane, target, "echo", gw_target.timeouts, headers=signed)

    seen = dataplane.get(target, headers=signed).json()["headers"]
    assert "x-hmac-signature" not in seen and "x-hmac-algorithm" not in seen, seen
    assert "x-hmac-signed-headers" not in seen, seen

    authorization = "#".join(
        ["hmac-auth-v1", key, signed["X-HMAC-SIGNATURE"], "hmac-sha256", now, "x-custom-a"]
    )
    by_authorization = {"Authorization": authorization, "x-custom-a": "test"}
    assert dataplane.get(target, headers=by_authorization).json()["server"] == "echo"

    stale = formatdate(time.time() - 3600, usegmt=True)
    rejected = [
        {},
        _hmac_headers(key, secret + "x", "GET", target, {"x-custom-a": "test"}, now),
        {**signed, "x-custom-a": "changed"},
        _hmac_headers(key, secret, "GET", target, {"x-other": "1"}, now),
        _hmac_headers(strict_key, secret, "GET", target, {}, stale),
    ]
    for headers in rejected:
        response = dataplane.get(target, headers=headers)
        assert response.status_code == 401, (headers, response.text)
        assert response.json() == {"message": "client request can't be validated"}
    fresh = _hmac_headers(strict_key, secret, "GET", target, {}, now)
    assert dataplane.get(target, headers=fresh).json()["server"] == "echo"


CASBIN_MODEL = """[request_definition]
r = sub, obj, act

[policy_definition]
p = sub, obj, act

[role_definition]
g = _, _

[policy_effect]
e = some(where (p.eft == allow))

[matchers]
m = (g(r.sub, p.sub) || keyMatch(r.sub, p.sub)) && keyMatch(r.obj, p.obj) && keyMatch(r.act, p.act)"""


@conformance_test(
    name="authz-casbin",
    description="authz-casbin lets through what the Casbin model and policy allow and 403s the rest",
    profile="dataplane",
    features=["dp-plugin-authz-casbin"],
)
def test_authz_casbin(admin, dataplane, gw_target, echo, tag):
    base = f"/{tag}/casbin"
    policy = "\n".join(
        [
            f"p, *, {base}/open, GET",
            f"p, bob, {base}/bob/*, GET",
            "p, admin, *, *",
            "g, alice, admin",
        ]
    )
    conf = {"model": CASBIN_MODEL, "policy": policy, "username": "user"}
    plugin_route(admin, echo, tag, "casbin", {"authz-casbin": conf})
    expect_cases(
        dataplane,
        [
            Case(f"{base}/open", backend="echo"),
            Case(f"{base}/open", method="POST", status=403),
            Case(f"{base}/other", status=403),
            Case(f"{base}/other", method="DELETE", headers={"user": "alice"}, backend="echo"),
            Case(f"{base}/bob/1", headers={"user": "bob"}, backend="echo"),
            Case(f"{base}/other", headers={"user": "bob"}, status=403),
        ],
        gw_target.timeouts,
    )
    denied = dataplane.get(f"{base}/other", headers={"user": "bob"})
    assert denied.json() == {"message": "Access Denied"}


def _basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


@conformance_test(
    name="ldap-auth",
    description="ldap-auth admits users who bind to the LDAP server as a consumer's user_dn",
    profile="dataplane",
    features=["dp-plugin-ldap-auth"],
)
def test_ldap_auth(admin, dataplane, gw_target, echo, tag):
    base_dn = f"ou={tag},dc=example,dc=org"
    users = {"member": "member-pw", "stranger": "stranger-pw"}
    with LdapDirectory(base_dn, users) as directory:
        username = unique_username("ldap")
        put(
            admin,
            "/consumers",
            {"username": username, "plugins": {"ldap-auth": {"user_dn": f"cn=member,{base_dn}"}}},
        )
        conf = {"base_dn": base_dn, "ldap_uri": directory.uri}
        path = plugin_route(admin, echo, tag, "ldap", {"ldap-auth": conf})
        wait_served(
            dataplane, path, "echo", gw_target.timeouts, headers=_basic("member", "member-pw")
        )

        rejected = [
            ({}, "Missing authorization in request"),
            ({"Authorization": "Bearer x"}, "Invalid authorization in request"),
            (_basic("member", "wrong"), "Invalid user authorization"),
            (_basic("nobody", "member-pw"), "Invalid user authorization"),
            (_basic("stranger", "stranger-pw"), "Invalid user authorization"),
        ]
        for headers, message in rejected:
            response = dataplane.get(path, headers=headers)
            assert response.status_code == 401, (headers, response.text)
            assert response.json() == {"message": message}, headers
        missing = dataplane.get(path)
        assert missing.headers.get("www-authenticate", "").startswith("Basic"), missing.headers


def _userinfo(seen_headers: dict[str, str]) -> dict:
    return json.loads(base64.b64decode(seen_headers["x-userinfo"]))


def _rsa_pair() -> tuple[rsa.RSAPrivateKey, str]:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private, public.decode()


def _assert_invalid_token(response) -> None:
    assert response.status_code == 401, response.text
    challenge = response.headers.get("www-authenticate", "")
    assert challenge.startswith('Bearer realm="apisix"'), challenge
    assert 'error="invalid_token"' in challenge, challenge


@conformance_test(
    name="openid-connect",
    description="openid-connect verifies bearer tokens by JWKS, public key and introspection",
    profile="dataplane",
    features=["dp-plugin-openid-connect"],
)
def test_openid_connect(admin, dataplane, gw_target, echo, tag):
    client_id, client_secret = f"client-{tag}", f"secret-{tag}"
    with OidcProvider(client_id, client_secret) as provider:
        tokens = provider.login(f"alice-{tag}")
        base = {
            "client_id": client_id,
            "client_secret": client_secret,
            "discovery": provider.discovery,
            "bearer_only": True,
        }
        private, public_pem = _rsa_pair()
        other, _ = _rsa_pair()
        routes = {
            "jwks": {**base, "use_jwks": True},
            "pubkey": {**base, "public_key": public_pem},
            "introspect": {**base, "introspection_endpoint": provider.introspection_endpoint},
        }
        paths = {
            name: plugin_route(admin, echo, tag, name, {"openid-connect": conf})
            for name, conf in routes.items()
        }
        id_token, access_token = tokens["id_token"], tokens["access_token"]

        def bearer(token: str) -> dict[str, str]:
            return {"Authorization": f"Bearer {token}"}

        # JWKS from discovery: the provider's ID token is a JWT it signed
        seen = wait_served(
            dataplane, paths["jwks"], "echo", gw_target.timeouts, headers=bearer(id_token)
        ).json()["headers"]
        assert seen.get("x-access-token") == id_token, seen
        assert _userinfo(seen)["sub"] == f"alice-{tag}"
        by_header = dataplane.get(paths["jwks"], headers={"X-Access-Token": id_token})
        assert by_header.json()["server"] == "echo"
        missing = dataplane.get(paths["jwks"])
        assert missing.status_code == 401
        assert missing.headers.get("www-authenticate") == 'Bearer realm="apisix"'
        forged = jwt.encode(
            jwt.decode(id_token, options={"verify_signature": False}), other, "RS256"
        )
        _assert_invalid_token(dataplane.get(paths["jwks"], headers=bearer(forged)))
        assert dataplane.get(paths["jwks"], headers={"Authorization": "Bearer"}).status_code == 400

        # public_key
        now = int(time.time())
        claims = {"sub": f"bob-{tag}", "iat": now, "exp": now + 300}
        signed = jwt.encode(claims, private, "RS256")
        seen = wait_served(
            dataplane, paths["pubkey"], "echo", gw_target.timeouts, headers=bearer(signed)
        ).json()["headers"]
        assert _userinfo(seen)["sub"] == f"bob-{tag}"
        expired = jwt.encode({**claims, "exp": now - 300}, private, "RS256")
        for token in (expired, jwt.encode(claims, other, "RS256")):
            _assert_invalid_token(dataplane.get(paths["pubkey"], headers=bearer(token)))

        # introspection: the provider says whether its opaque access token is active
        seen = wait_served(
            dataplane, paths["introspect"], "echo", gw_target.timeouts, headers=bearer(access_token)
        ).json()["headers"]
        info = _userinfo(seen)
        assert info["active"] is True and info["sub"] == f"alice-{tag}", info
        asked = provider.introspections
        _assert_invalid_token(dataplane.get(paths["introspect"], headers=bearer("not-a-token")))
        assert provider.introspections > asked
