"""proxy-mirror on real traffic: a receiver in the test records what the gateway mirrors.

Sources: APISIX 3.5 proxy-mirror docs and apisix/plugins/proxy-mirror.lua with nginx's
`mirror` directive (apisix/cli/ngx_tpl.lua): every request (`sample_ratio` 1) is copied to
`host` with its method, headers and body while the client is answered by the route's
upstream alone; the mirrored URI is the request's (with its query), `path` with the query
(`path_concat_mode: replace`, the default) or `path` followed by the request's URI
(`prefix`); a mirror that cannot be reached changes nothing for the client.
"""

from __future__ import annotations

import socket

from conformance.registry import conformance_test
from conformance.support.dataplane_setup import plugin_route, wait_served
from conformance.support.echo_upstream import EchoUpstream, ReceivedRequest
from conformance.support.eventually import eventually


def _mirrored(mirror: EchoUpstream, marker: str) -> ReceivedRequest:
    """The one request the mirror received carrying `X-Mark: marker`."""

    def found() -> ReceivedRequest:
        matching = [r for r in mirror.requests() if r.headers.get("x-mark") == marker]
        assert len(matching) == 1, f"mirror received {len(matching)} requests marked {marker}"
        return matching[0]

    return eventually(found, timeout=5, successes=1)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@conformance_test(
    name="proxy-mirror",
    description="proxy-mirror copies method, headers, query and body to host (path replace and "
    "prefix) while the upstream answers the client; an unreachable mirror changes nothing",
    profile="dataplane",
    features=["dp-plugin-proxy-mirror"],
)
def test_proxy_mirror(admin, dataplane, gw_target, echo, tag):
    with EchoUpstream("mirror") as mirror:
        routes = {
            "as-is": {"host": mirror.url},
            "replace": {"host": mirror.url, "path": "/m"},
            "prefix": {"host": mirror.url, "path": "/pre", "path_concat_mode": "prefix"},
            "down": {"host": f"http://127.0.0.1:{_closed_port()}"},
        }
        paths = {
            name: plugin_route(admin, echo, tag, f"mirror-{name}", {"proxy-mirror": conf})
            for name, conf in routes.items()
        }
        for path in paths.values():
            wait_served(dataplane, path, "echo", gw_target.timeouts)

        body = f"payload-{tag}".encode()
        headers = {"X-Mark": f"{tag}-1", "Content-Type": "text/plain"}
        answer = dataplane.post(f"{paths['as-is']}/a?q=1", content=body, headers=headers)
        assert answer.status_code == 200 and answer.json()["server"] == "echo", answer.text
        assert answer.json()["body"] == body.decode(), "the upstream still gets the body"
        copy = _mirrored(mirror, f"{tag}-1")
        assert (copy.method, copy.path, copy.query) == ("POST", f"{paths['as-is']}/a", "q=1")
        assert copy.body == body
        assert copy.headers.get("content-type") == "text/plain"

        dataplane.get(f"{paths['replace']}/x?q=2", headers={"X-Mark": f"{tag}-2"})
        copy = _mirrored(mirror, f"{tag}-2")
        assert (copy.method, copy.path, copy.query) == ("GET", "/m", "q=2")

        dataplane.get(f"{paths['prefix']}/x?q=3", headers={"X-Mark": f"{tag}-3"})
        copy = _mirrored(mirror, f"{tag}-3")
        assert (copy.path, copy.query) == (f"/pre{paths['prefix']}/x", "q=3")

        down = dataplane.post(f"{paths['down']}/y", content=body)
        assert down.status_code == 200 and down.json()["body"] == body.decode()
