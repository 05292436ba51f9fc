"""openid-connect with `bearer_only: false`: the authorization code flow on real traffic,
against a real OpenID provider (oidc-provider-mock) the test starts.

Sources: APISIX 3.5 openid-connect docs and apisix/plugins/openid-connect.lua, which hands the
flow to lua-resty-openidc's `authenticate`: a request without a session is redirected (302)
to the provider's authorization endpoint with `client_id`, `response_type=code`, `scope`,
`redirect_uri`, `state` and `nonce`, the session in a cookie; the provider sends the user
back to `redirect_uri` with a code, which the gateway redeems and answers with a redirect
to the URL first asked for and the authenticated session's cookie; with that cookie the
request reaches the upstream with X-Access-Token, X-ID-Token and X-Userinfo (base64 JSON).
`unauth_action: deny` answers 401 instead of redirecting; a callback whose state is not the
session's is refused (500).
"""

from __future__ import annotations

import base64
import json
from urllib.parse import parse_qsl, urlsplit

import httpx

from conformance.registry import conformance_test
from conformance.support.dataplane_setup import plugin_route, wait_served
from conformance.support.oidc_provider import OidcProvider


def _session(response: httpx.Response) -> str:
    """The `name=value` of the cookie the answer sets."""
    cookie = response.headers.get("set-cookie", "")
    assert "=" in cookie, f"no session cookie set: {response.status_code} {response.headers}"
    return cookie.split(";", 1)[0]


@conformance_test(
    name="openid-connect-code-flow",
    description="openid-connect (bearer_only false) redirects to the provider, redeems the code "
    "at redirect_uri and lets the session's requests through with the tokens",
    profile="dataplane",
    features=["dp-plugin-openid-connect-code-flow"],
)
def test_openid_connect_code_flow(admin, dataplane, gw_target, echo, tag):
    client_id, client_secret = f"client-{tag}", f"secret-{tag}"
    base_url = str(dataplane.base_url).rstrip("/")
    timeout = gw_target.timeout

    def send(target: str, cookie: str | None = None) -> httpx.Response:
        # no cookie jar: each request carries exactly the session the test gives it
        headers = {"Cookie": cookie} if cookie else {}
        return httpx.get(base_url + target, headers=headers, timeout=timeout)

    with OidcProvider(client_id, client_secret) as provider:
        conf = {
            "client_id": client_id,
            "client_secret": client_secret,
            "discovery": provider.discovery,
            "bearer_only": False,
            "session": {"secret": f"session-secret-{tag}"},
        }
        path = f"/{tag}/oidc"
        plugin_route(
            admin,
            echo,
            tag,
            "oidc",
            {"openid-connect": {**conf, "redirect_uri": f"{path}/callback"}},
        )
        denied = plugin_route(
            admin,
            echo,
            tag,
            "oidc-deny",
            {"openid-connect": {**conf, "redirect_uri": "/x/cb", "unauth_action": "deny"}},
        )
        start = wait_served(dataplane, f"{path}/app?x=1", None, gw_target.timeouts, status=302)
        location = start.headers["location"]
        assert location.startswith(provider.issuer + "/oauth2/authorize?"), location
        params = dict(parse_qsl(urlsplit(location).query))
        assert params["client_id"] == client_id and params["response_type"] == "code"
        assert "openid" in params["scope"].split()
        assert urlsplit(params["redirect_uri"]).path == f"{path}/callback"
        assert params.get("state") and params.get("nonce"), params
        pending = _session(start)

        # the user consents at the provider, which sends them to redirect_uri with a code
        consent = httpx.post(location, data={"sub": f"alice-{tag}"}, timeout=timeout)
        assert consent.status_code == 302, consent.text
        callback = urlsplit(consent.headers["location"])
        assert callback.path == f"{path}/callback"
        forged = send(f"{path}/callback?code=forged&state=forged", pending)
        assert forged.status_code == 500
        back = send(f"{path}/callback?{callback.query}", pending)
        assert back.status_code == 302, back.text
        assert back.headers["location"] == f"{path}/app?x=1"
        session = _session(back)

        served = send(f"{path}/app?x=1", session)
        assert served.status_code == 200 and served.json()["server"] == "echo", served.text
        seen = served.json()["headers"]
        assert seen.get("x-access-token"), seen
        id_token = json.loads(base64.b64decode(seen["x-id-token"]))
        assert id_token["sub"] == f"alice-{tag}" and id_token["nonce"] == params["nonce"]
        assert json.loads(base64.b64decode(seen["x-userinfo"]))["sub"] == f"alice-{tag}"
        # without the session the user is sent to the provider again
        assert send(f"{path}/app", None).status_code == 302
        assert send(f"{path}/app", "session=forged").status_code == 302
        # unauth_action deny: no redirect
        assert send(f"{denied}/app").status_code == 401
