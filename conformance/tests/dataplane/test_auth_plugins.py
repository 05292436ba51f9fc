"""Authentication plugins on real traffic: key-auth, basic-auth, jwt-auth, consumer-restriction.

Sources: APISIX plugin docs and apisix/plugins/*.lua: key-auth reads the `apikey` header or
query argument by default and answers 401 with {"message": ...} when the key is missing or
unknown; `hide_credentials` strips it before the upstream. basic-auth answers 401
"Missing authorization in request" with a `WWW-Authenticate: Basic ...` header. jwt-auth
reads `Authorization` (with or without "Bearer "), the `jwt` query argument or cookie, checks
the HS256 signature with the consumer's secret and the `key` claim, and answers 401 "Missing
JWT token in request" without a token. consumer-restriction answers 403
{"message": "The consumer_name is forbidden."} to consumers outside its whitelist.
"""

from __future__ import annotations

import base64
import time

import jwt

from conformance.registry import conformance_test
from conformance.support.dataplane_setup import echo_upstream, put, wait_served
from conformance.support.ids import unique_username
from conformance.support.traffic import Case, check, expect_cases


def _consumer(admin, plugins: dict) -> str:
    username = unique_username("dp")
    put(admin, "/consumers", {"username": username, "plugins": plugins})
    return username


def _message(response) -> str:
    body = response.json()
    assert isinstance(body.get("message"), str) and body["message"], body
    return body["message"]


@conformance_test(
    name="key-auth",
    description="key-auth lets a consumer's key in (header or query) and answers 401 otherwise",
    profile="dataplane",
    features=["dp-key-auth"],
)
def test_key_auth(admin, dataplane, gw_target, echo, tag):
    key = f"key-{tag}"
    _consumer(admin, {"key-auth": {"key": key}})
    path = f"/{tag}/ka"
    put(
        admin,
        f"/routes/{tag}",
        {"uri": path, "plugins": {"key-auth": {}}, "upstream": echo_upstream(echo)},
    )
    expect_cases(
        dataplane,
        [
            Case(path, headers={"apikey": key}, backend="echo"),
            Case(f"{path}?apikey={key}", backend="echo"),
            Case(path, status=401),
            Case(path, headers={"apikey": key + "-wrong"}, status=401),
        ],
        gw_target.timeouts,
    )
    missing = dataplane.get(path)
    assert "API key" in _message(missing)
    _message(dataplane.get(path, headers={"apikey": "nope"}))
    # hide_credentials defaults to false: the upstream sees the key
    seen = dataplane.get(path, headers={"apikey": key}).json()
    assert seen["headers"]["apikey"] == key


@conformance_test(
    name="key-auth-options",
    description="key-auth honours a custom header name and hide_credentials",
    profile="dataplane",
    features=["dp-key-auth"],
)
def test_key_auth_options(admin, dataplane, gw_target, echo, tag):
    key = f"key-{tag}"
    _consumer(admin, {"key-auth": {"key": key}})
    path = f"/{tag}/kh"
    plugins = {"key-auth": {"header": "X-Gw-Key", "hide_credentials": True}}
    put(admin, f"/routes/{tag}", {"uri": path, "plugins": plugins, "upstream": echo_upstream(echo)})
    response = wait_served(dataplane, path, "echo", gw_target.timeouts, headers={"X-Gw-Key": key})
    assert "x-gw-key" not in response.json()["headers"]
    check(dataplane, Case(path, headers={"apikey": key}, status=401))


@conformance_test(
    name="basic-auth",
    description="basic-auth admits the consumer's credentials and answers 401 with WWW-Authenticate otherwise",
    profile="dataplane",
    features=["dp-basic-auth"],
)
def test_basic_auth(admin, dataplane, gw_target, echo, tag):
    user, password = f"u-{tag}", "s3cret"
    _consumer(admin, {"basic-auth": {"username": user, "password": password}})
    path = f"/{tag}/ba"
    put(
        admin,
        f"/routes/{tag}",
        {"uri": path, "plugins": {"basic-auth": {}}, "upstream": echo_upstream(echo)},
    )

    def basic(u: str, p: str) -> dict[str, str]:
        return {"Authorization": "Basic " + base64.b64encode(f"{u}:{p}".encode()).decode()}

    expect_cases(
        dataplane,
        [
            Case(path, headers=basic(user, password), backend="echo"),
            Case(path, status=401),
            Case(path, headers=basic(user, "wrong"), status=401),
            Case(path, headers=basic("nobody-" + tag, password), status=401),
        ],
        gw_target.timeouts,
    )
    missing = dataplane.get(path)
    assert _message(missing) == "Missing authorization in request"
    assert missing.headers.get("www-authenticate", "").lower().startswith("basic")
    _message(dataplane.get(path, headers=basic(user, "wrong")))


@conformance_test(
    name="jwt-auth",
    description="jwt-auth admits HS256 tokens signed with the consumer's secret, and 401s the rest",
    profile="dataplane",
    features=["dp-jwt-auth"],
)
def test_jwt_auth(admin, dataplane, gw_target, echo, tag):
    key, secret = f"jwt-{tag}", f"secret-{tag}-0123456789abcdef"
    _consumer(admin, {"jwt-auth": {"key": key, "secret": secret}})
    path = f"/{tag}/jwt"
    put(
        admin,
        f"/routes/{tag}",
        {"uri": path, "plugins": {"jwt-auth": {}}, "upstream": echo_upstream(echo)},
    )
    now = int(time.time())
    good = jwt.encode({"key": key, "exp": now + 300}, secret, algorithm="HS256")
    forged = jwt.encode({"key": key, "exp": now + 300}, secret + "x", algorithm="HS256")
    expired = jwt.encode({"key": key, "exp": now - 300}, secret, algorithm="HS256")
    stranger = jwt.encode({"key": key + "-other", "exp": now + 300}, secret, algorithm="HS256")
    expect_cases(
        dataplane,
        [
            Case(path, headers={"Authorization": f"Bearer {good}"}, backend="echo"),
            Case(path, headers={"Authorization": good}, backend="echo"),
            Case(f"{path}?jwt={good}", backend="echo"),
            Case(path, headers={"Cookie": f"jwt={good}"}, backend="echo"),
            Case(path, status=401),
            Case(path, headers={"Authorization": f"Bearer {forged}"}, status=401),
            Case(path, headers={"Authorization": f"Bearer {expired}"}, status=401),
            Case(path, headers={"Authorization": f"Bearer {stranger}"}, status=401),
            Case(path, headers={"Authorization": "Bearer not.a.token"}, status=401),
        ],
        gw_target.timeouts,
    )
    assert _message(dataplane.get(path)) == "Missing JWT token in request"


@conformance_test(
    name="consumer-restriction",
    description="consumer-restriction lets whitelisted consumers through and answers 403 to others",
    profile="dataplane",
    features=["dp-consumer-restriction", "dp-key-auth"],
)
def test_consumer_restriction(admin, dataplane, gw_target, echo, tag):
    allowed = _consumer(admin, {"key-auth": {"key": f"in-{tag}"}})
    _consumer(admin, {"key-auth": {"key": f"out-{tag}"}})
    path = f"/{tag}/cr"
    plugins = {"key-auth": {}, "consumer-restriction": {"whitelist": [allowed]}}
    put(admin, f"/routes/{tag}", {"uri": path, "plugins": plugins, "upstream": echo_upstream(echo)})
    expect_cases(
        dataplane,
        [
            Case(path, headers={"apikey": f"in-{tag}"}, backend="echo"),
            Case(path, headers={"apikey": f"out-{tag}"}, status=403),
            Case(path, status=401),
        ],
        gw_target.timeouts,
    )
    refused = dataplane.get(path, headers={"apikey": f"out-{tag}"})
    assert refused.json() == {"message": "The consumer_name is forbidden."}
