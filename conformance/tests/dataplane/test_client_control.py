"""client-control on real traffic.

Sources: APISIX 3.5 client-control docs and apisix/plugins/client-control.lua: `max_body_size`
is the request's client_max_body_size; a Content-Length above it is answered 413 at once, a
body found larger while it is read (chunked) is answered 413 by nginx; 0 is no limit.
"""

from __future__ import annotations

from conformance.registry import conformance_test
from conformance.support.dataplane_setup import plugin_route, wait_served


@conformance_test(
    name="client-control",
    description="client-control answers 413 to a body above max_body_size (by Content-Length "
    "or chunked) and lets smaller ones through; 0 sets no limit",
    profile="dataplane",
    features=["dp-plugin-client-control"],
)
def test_client_control(admin, dataplane, gw_target, echo, tag):
    limited = plugin_route(admin, echo, tag, "cc", {"client-control": {"max_body_size": 5}})
    unlimited = plugin_route(admin, echo, tag, "cc0", {"client-control": {"max_body_size": 0}})
    wait_served(dataplane, limited, "echo", gw_target.timeouts)
    wait_served(dataplane, unlimited, "echo", gw_target.timeouts)

    small = dataplane.post(limited, content=b"12345")
    assert small.status_code == 200 and small.json()["body"] == "12345", small.text
    assert dataplane.post(limited, content=b"123456").status_code == 413

    def chunks():
        yield b"1234"
        yield b"5678"

    assert dataplane.post(limited, content=chunks()).status_code == 413
    big = b"x" * 100_000
    answer = dataplane.post(unlimited, content=big)
    assert answer.status_code == 200 and len(answer.json()["body"]) == len(big)
