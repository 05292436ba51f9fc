"""Authentication and authorization plugins that ask someone else, on real traffic:
forward-auth (an authorization service the test starts).

Sources: APISIX 3.5 plugin docs and apisix/plugins/*.lua. forward-auth (access phase): the
authorization service gets X-Forwarded-Proto/-Method/-Host/-Uri/-For and the client headers
named in `request_headers`; an answer below 300 lets the request through with the
`upstream_headers` of the answer added, any other answer goes back to the client with its
status, body and `client_headers`; an unreachable service is a 403 unless
`allow_degradation`.
"""

from __future__ import annotations

import socket

from conformance.registry import conformance_test
from conformance.support.auth_service import AuthService
from conformance.support.dataplane_setup import plugin_route, wait_served
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
            gw_target.timeout,
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
    wait_served(dataplane, strict, None, gw_target.timeout, status=403)
    wait_served(dataplane, lenient, "echo", gw_target.timeout)
