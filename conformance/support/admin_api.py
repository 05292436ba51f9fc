"""Small helpers for Admin API scenario tests: status checks with useful failure messages."""

from __future__ import annotations

from typing import Any

import httpx

# An address nothing listens on: admin tests only store configuration, they send no traffic.
PLACEHOLDER_NODE = "127.0.0.1:1980"


def expect(response: httpx.Response, *statuses: int) -> Any:
    """Assert the status is one of `statuses`; return the JSON body (None if there is none)."""
    assert response.status_code in statuses, (
        f"{response.request.method} {response.request.url}: expected {statuses}, "
        f"got {response.status_code} {response.text[:500]!r}"
    )
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        return response.text


def error_msg(response: httpx.Response) -> str:
    """The APISIX `error_msg` of an error answer (asserting it is there and is a string)."""
    try:
        body = response.json()
    except ValueError:
        raise AssertionError(f"error answer is not JSON: {response.text[:300]!r}") from None
    assert isinstance(body, dict) and isinstance(body.get("error_msg"), str), (
        f"error answer without a string error_msg: {body!r}"
    )
    return body["error_msg"]


def expect_error(response: httpx.Response, status: int, *fragments: str) -> str:
    """Assert an error answer with `status` whose error_msg contains every fragment."""
    expect(response, status)
    message = error_msg(response)
    for fragment in fragments:
        assert fragment in message, f"error_msg {message!r} does not mention {fragment!r}"
    return message


def upstream(*nodes: str, type_: str = "roundrobin") -> dict[str, Any]:
    return {"type": type_, "nodes": {node: 1 for node in (nodes or (PLACEHOLDER_NODE,))}}


def route(uri: str, **fields: Any) -> dict[str, Any]:
    """A minimal valid route body (inline upstream unless one is referenced)."""
    body: dict[str, Any] = {"uri": uri}
    if not {"upstream", "upstream_id", "service_id"} & fields.keys():
        body["upstream"] = upstream()
    body.update(fields)
    return body


def list_values(body: dict[str, Any]) -> list[dict[str, Any]]:
    """The `value`s of a v3 list answer."""
    assert isinstance(body.get("list"), list), f"not a v3 list body: {body!r}"
    return [item["value"] for item in body["list"]]
