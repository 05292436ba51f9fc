"""Plugins that screen requests: ua-restriction, referer-restriction, uri-blocker, csrf,
request-validation.

Sources: APISIX 3.5 plugin docs and apisix/plugins/*.lua. ua-restriction: `allowlist` /
`denylist` regexes over User-Agent, 403 `{"message": "Not allowed"}` (default message), a
missing User-Agent refused unless `bypass_missing`. referer-restriction: `whitelist` /
`blacklist` hosts (`*.host` for subdomains), 403 `{"message": "Your referer host is not
allowed"}`. uri-blocker: `block_rules` regexes over `request_uri` (path and query),
`rejected_code` (403) with `{"error_msg": rejected_msg}` when a message is set,
`case_insensitive`. csrf: a token cookie named `apisix-csrf-token` on every response; other
methods than GET/HEAD/OPTIONS need the token in the header of that name and the cookie, 401
`{"error_msg": ...}` otherwise. request-validation: `header_schema` checked against the
(lower-case) request headers, `rejected_code` (400) with the schema error or `rejected_msg`.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx

from conformance.registry import conformance_test
from conformance.support.dataplane_setup import plugin_route, wait_served
from conformance.support.traffic import Case, expect_cases


def _routes(admin: httpx.Client, echo, tag: str, plugin: str, confs: dict) -> None:
    for name, conf in confs.items():
        plugin_route(admin, echo, tag, name, {plugin: conf})


def _without_user_agent(client: httpx.Client, path: str) -> httpx.Response:
    request = client.build_request("GET", path)
    del request.headers["user-agent"]
    return client.send(request)


@conformance_test(
    name="ua-restriction",
    description="ua-restriction admits and refuses User-Agents by allowlist and denylist regexes",
    profile="dataplane",
    features=["dp-plugin-ua-restriction"],
)
def test_ua_restriction(admin, dataplane, gw_target, echo, tag):
    _routes(
        admin,
        echo,
        tag,
        "ua-restriction",
        {
            "allow": {"allowlist": ["my-bot1", r"(Baiduspider)/(\d+)\.(\d+)"]},
            "deny": {
                "denylist": ["my-bot2", r"(Twitterspider)/(\d+)\.(\d+)"],
                "message": "no bots",
            },
            "bypass": {"denylist": ["my-bot2"], "bypass_missing": True},
        },
    )
    expect_cases(
        dataplane,
        [
            Case(f"/{tag}/allow", headers={"User-Agent": "Baiduspider/3.0"}, backend="echo"),
            Case(f"/{tag}/allow", headers={"User-Agent": "x my-bot1 y"}, backend="echo"),
            Case(f"/{tag}/allow", headers={"User-Agent": "curl/8.0"}, status=403),
            Case(f"/{tag}/deny", headers={"User-Agent": "curl/8.0"}, backend="echo"),
            Case(f"/{tag}/deny", headers={"User-Agent": "Twitterspider/2.0"}, status=403),
        ],
        gw_target.timeouts,
    )
    refused = dataplane.get(f"/{tag}/allow", headers={"User-Agent": "curl/8.0"})
    assert refused.json() == {"message": "Not allowed"}
    refused = dataplane.get(f"/{tag}/deny", headers={"User-Agent": "my-bot2"})
    assert (refused.status_code, refused.json()) == (403, {"message": "no bots"})
    assert _without_user_agent(dataplane, f"/{tag}/deny").status_code == 403
    assert _without_user_agent(dataplane, f"/{tag}/bypass").status_code == 200


@conformance_test(
    name="referer-restriction",
    description="referer-restriction admits and refuses Referer hosts, wildcards included",
    profile="dataplane",
    features=["dp-plugin-referer-restriction"],
)
def test_referer_restriction(admin, dataplane, gw_target, echo, tag):
    _routes(
        admin,
        echo,
        tag,
        "referer-restriction",
        {
            "white": {"whitelist": ["xx.com", "*.yy.com"]},
            "black": {"blacklist": ["bad.com"], "message": "go away"},
            "bypass": {"whitelist": ["xx.com"], "bypass_missing": True},
        },
    )

    def referer(url: str) -> dict[str, str]:
        return {"Referer": url}

    expect_cases(
        dataplane,
        [
            Case(f"/{tag}/white", headers=referer("http://xx.com/x"), backend="echo"),
            Case(f"/{tag}/white", headers=referer("https://a.yy.com:8443/p?q"), backend="echo"),
            Case(f"/{tag}/white", headers=referer("http://zz.com/"), status=403),
            Case(f"/{tag}/white", headers=referer("http://yy.com/"), status=403),
            Case(f"/{tag}/white", status=403),
            Case(f"/{tag}/black", headers=referer("http://good.com/"), backend="echo"),
            Case(f"/{tag}/black", headers=referer("http://bad.com/a"), status=403),
            Case(f"/{tag}/bypass", backend="echo"),
            Case(f"/{tag}/bypass", headers=referer("http://zz.com/"), status=403),
        ],
        gw_target.timeouts,
    )
    refused = dataplane.get(f"/{tag}/white", headers=referer("http://zz.com/"))
    assert refused.json() == {"message": "Your referer host is not allowed"}
    assert dataplane.get(f"/{tag}/black", headers=referer("http://bad.com/")).json() == {
        "message": "go away"
    }


@conformance_test(
    name="uri-blocker",
    description="uri-blocker refuses request uris (path and query) matching a block rule",
    profile="dataplane",
    features=["dp-plugin-uri-blocker"],
)
def test_uri_blocker(admin, dataplane, gw_target, echo, tag):
    _routes(
        admin,
        echo,
        tag,
        "uri-blocker",
        {
            "plain": {"block_rules": ["root.exe", "root.m+"]},
            "custom": {
                "block_rules": ["secret"],
                "rejected_code": 410,
                "rejected_msg": "access is not allowed",
            },
            "nocase": {"block_rules": ["root.exe"], "case_insensitive": True},
        },
    )
    expect_cases(
        dataplane,
        [
            Case(f"/{tag}/plain/index.html", backend="echo"),
            Case(f"/{tag}/plain/root.exe", status=403),
            Case(f"/{tag}/plain/a?file=root.mmm", status=403),
            Case(f"/{tag}/plain/ROOT.exe", backend="echo"),
            Case(f"/{tag}/nocase/ROOT.EXE", status=403),
            Case(f"/{tag}/custom/secret", status=410),
        ],
        gw_target.timeouts,
    )
    assert dataplane.get(f"/{tag}/custom/secret").json() == {"error_msg": "access is not allowed"}


def _token(response: httpx.Response, name: str = "apisix-csrf-token") -> str:
    for cookie in response.headers.get_list("set-cookie"):
        key, _, rest = cookie.partition("=")
        if key.strip() == name:
            return rest.split(";", 1)[0]
    raise AssertionError(f"no {name} cookie in {response.headers.get_list('set-cookie')}")


@conformance_test(
    name="csrf",
    description="csrf sets a token cookie and refuses unsafe methods without the token (401)",
    profile="dataplane",
    features=["dp-plugin-csrf"],
)
def test_csrf(admin, dataplane, gw_target, echo, tag):
    _routes(admin, echo, tag, "csrf", {"r": {"key": "user-key"}})
    path = f"/{tag}/r"
    first = wait_served(dataplane, path, "echo", gw_target.timeouts)
    token = _token(first)
    cookie = "apisix-csrf-token=" + token
    fields = json.loads(base64.b64decode(token))
    assert {"random", "expires", "sign"} <= set(fields), fields
    forged = base64.b64encode(json.dumps({**fields, "sign": "0" * 64}).encode()).decode()

    def post(headers: dict[str, str]) -> tuple[int, Any]:
        dataplane.cookies.clear()  # only the cookies a case sends
        response = dataplane.post(path, headers=headers)
        return response.status_code, response.json()

    def refused(message: str) -> tuple[int, Any]:
        return 401, {"error_msg": message}

    assert post({}) == refused("no csrf token in headers")
    assert post({"apisix-csrf-token": token}) == refused("no csrf cookie")
    assert post({"apisix-csrf-token": token + "x", "Cookie": cookie}) == refused(
        "csrf token mismatch"
    )
    assert post({"apisix-csrf-token": forged, "Cookie": "apisix-csrf-token=" + forged}) == (
        refused("Failed to verify the csrf token signature")
    )
    status, seen = post({"apisix-csrf-token": token, "Cookie": cookie})
    assert status == 200 and seen["server"] == "echo", seen
    dataplane.cookies.clear()
    again = dataplane.post(path, headers={"apisix-csrf-token": token, "Cookie": cookie})
    assert _token(again), "every response carries a fresh token cookie"


@conformance_test(
    name="request-validation-headers",
    description="request-validation refuses requests whose headers fail header_schema",
    profile="dataplane",
    features=["dp-plugin-request-validation"],
)
def test_request_validation_headers(admin, dataplane, gw_target, echo, tag):
    schema = {
        "type": "object",
        "required": ["x-token"],
        "properties": {"x-token": {"type": "string", "minLength": 3}},
    }
    _routes(
        admin,
        echo,
        tag,
        "request-validation",
        {
            "plain": {"header_schema": schema},
            "custom": {"header_schema": schema, "rejected_code": 403, "rejected_msg": "bad"},
        },
    )
    expect_cases(
        dataplane,
        [
            Case(f"/{tag}/plain", headers={"X-Token": "abcd"}, backend="echo"),
            Case(f"/{tag}/plain", status=400),
            Case(f"/{tag}/custom", headers={"X-Token": "ab"}, status=403),
        ],
        gw_target.timeouts,
    )
    assert dataplane.get(f"/{tag}/plain").text == 'property "x-token" is required'
    assert dataplane.get(f"/{tag}/custom").text == "bad"
