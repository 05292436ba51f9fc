import httpx
import pytest

from conformance.support.admin_api import error_msg, expect, expect_error, list_values, route
from conformance.support.dataplane_setup import echo_upstream, nodes, put, wait_served
from conformance.support.echo_upstream import EchoUpstream
from conformance.timeouts import TimeoutConfig


def _client(status: int, body: bytes, content_type: str = "application/json") -> httpx.Client:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, content=body, headers={"Content-Type": content_type})

    return httpx.Client(transport=httpx.MockTransport(handler), base_url="http://gw")


def test_expect_returns_json_and_checks_status():
    with _client(201, b'{"value": {"id": "1"}}') as client:
        assert expect(client.put("/routes/1"), 200, 201) == {"value": {"id": "1"}}
        with pytest.raises(AssertionError, match="expected \\(200,\\), got 201"):
            expect(client.put("/routes/1"), 200)


def test_expect_error_checks_fragments():
    with _client(400, b'{"error_msg": "wrong route id"}') as client:
        assert expect_error(client.put("/routes/1"), 400, "wrong route") == "wrong route id"
        with pytest.raises(AssertionError, match="does not mention"):
            expect_error(client.put("/routes/1"), 400, "unknown plugin")


def test_error_msg_requires_json_string():
    with _client(400, b"plain text", "text/plain") as client, pytest.raises(AssertionError):
        error_msg(client.get("/"))
    with _client(400, b'{"error_msg": 3}') as client, pytest.raises(AssertionError):
        error_msg(client.get("/"))


def test_route_body_and_list_values():
    assert route("/a")["upstream"]["nodes"] == {"127.0.0.1:1980": 1}
    assert "upstream" not in route("/a", upstream_id="u1")
    assert list_values({"list": [{"value": {"id": "1"}}], "total": 1}) == [{"id": "1"}]
    with pytest.raises(AssertionError):
        list_values({"node": {}})


def test_put_returns_value():
    with _client(200, b'{"value": {"id": "x"}}') as client:
        assert put(client, "/routes/x", {"uri": "/"}) == {"id": "x"}


def test_nodes_and_wait_served():
    with EchoUpstream("one") as a, EchoUpstream("two") as b:
        assert nodes(a, b, weights=(3, 1)) == {a.node: 3, b.node: 1}
        assert echo_upstream(a, type="chash")["type"] == "chash"
        with httpx.Client(base_url=a.url) as client:
            assert wait_served(client, "/x", "one", TimeoutConfig(apply=1)).json()["path"] == "/x"
            with pytest.raises(AssertionError, match="served by"):
                wait_served(client, "/x", "two", TimeoutConfig(apply=0.2))
    with (
        httpx.Client(base_url=f"http://127.0.0.1:{a.port}") as client,
        pytest.raises(AssertionError, match="ConnectError"),
    ):
        wait_served(client, "/x", None, TimeoutConfig(apply=0.2))
