"""Assertions on the API7 Cloud response envelope and small request helpers.

Source: API7 Cloud OpenAPI 0.11.0 — every answer is `{"status": {"code", "message"}, "error",
"payload"}`; the API7 Cloud Go SDK treats only HTTP 200 as success and reads `status`/`error`
otherwise, and sends the token as `Authorization: Bearer <token>`.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx

ID = re.compile(r"^[1-9][0-9]*$")


def payload(response: httpx.Response) -> Any:
    """The payload of a successful answer: HTTP 200, JSON envelope, status code 0."""
    assert response.status_code == 200, (
        f"{response.request.method} {response.request.url.path}: "
        f"{response.status_code} {response.text[:300]}"
    )
    body = response.json()
    assert isinstance(body, dict) and isinstance(body.get("status"), dict), body
    assert body["status"].get("code") == 0, body
    assert isinstance(body["status"].get("message"), str), body
    assert not body.get("error"), body
    return body.get("payload")


def refused(response: httpx.Response, *statuses: int) -> str:
    """The error text of a refused request: one of `statuses`, an envelope with a non-zero
    code, a message and a non-empty error."""
    assert response.status_code in statuses, (
        f"{response.request.method} {response.request.url.path}: expected {statuses}, got "
        f"{response.status_code} {response.text[:300]}"
    )
    body = response.json()
    assert isinstance(body, dict) and isinstance(body.get("status"), dict), body
    assert isinstance(body["status"].get("code"), int) and body["status"]["code"] != 0, body
    assert isinstance(body["status"].get("message"), str) and body["status"]["message"], body
    assert isinstance(body.get("error"), str) and body["error"], body
    return body["error"]


def unique_name(prefix: str = "gwc") -> str:
    """A name valid for organizations (<= 32, no spaces), applications, APIs and consumers."""
    return f"{prefix}_{uuid.uuid4().hex[:12]}"


def echo_upstreams(node_host: str, node_port: int) -> list[dict[str, Any]]:
    return [
        {
            "upstream": {
                "scheme": "http",
                "targets": [{"host": node_host, "port": node_port, "weight": 1}],
            },
            "version": "default",
        }
    ]


def application(
    name: str, /, host: str = "gwc.example.com", prefix: str = "/gwc", **fields: Any
) -> dict[str, Any]:
    return {
        "name": name,
        "hosts": [host],
        "path_prefix": prefix,
        "upstreams": echo_upstreams("127.0.0.1", 9),
        **fields,
    }


def api(name: str, /, path: str = "/items", **fields: Any) -> dict[str, Any]:
    return {"name": name, "paths": [{"path": path, "path_type": "Prefix"}], **fields}
