"""HTTP clients for the Admin API that remember what a test created, to delete it afterwards."""

from __future__ import annotations

import contextlib
from typing import Any

import httpx

ADMIN_PREFIX = "/apisix/admin"
CREATING_METHODS = {"PUT", "POST"}


def created_key(body: Any) -> str | None:
    """The store key of a created resource in a v3 (`key`) or v2 (`node.key`) answer."""
    if not isinstance(body, dict):
        return None
    if isinstance(body.get("key"), str):
        return body["key"]
    node = body.get("node")
    if isinstance(node, dict) and isinstance(node.get("key"), str):
        return node["key"]
    return None


def admin_path_of_key(key: str) -> str | None:
    """`/apisix/routes/1` -> `/routes/1` (the first segment is the store prefix)."""
    parts = key.strip("/").split("/")
    if len(parts) < 3:
        return None
    return "/" + "/".join(parts[1:])


class CleanupRecorder:
    """Records the keys of resources created through a client, in creation order."""

    def __init__(self) -> None:
        self.paths: list[str] = []

    def on_response(self, response: httpx.Response) -> None:
        if response.request.method not in CREATING_METHODS or response.status_code not in (
            200,
            201,
        ):
            return
        response.read()
        try:
            body = response.json()
        except ValueError:
            return
        key = created_key(body)
        path = admin_path_of_key(key) if key else None
        if path and path not in self.paths:
            self.paths.append(path)

    def cleanup(self, client: httpx.Client) -> None:
        """Delete everything recorded, newest first (routes before the upstreams they use)."""
        for path in reversed(self.paths):
            with contextlib.suppress(httpx.HTTPError):
                client.delete(path, params={"force": "true"})
        self.paths.clear()


def admin_client(
    admin_url: str, api_key: str | None, timeout: float, recorder: CleanupRecorder | None = None
) -> httpx.Client:
    headers = {"X-API-KEY": api_key} if api_key else {}
    hooks = {"response": [recorder.on_response]} if recorder else {}
    return httpx.Client(
        base_url=admin_url + ADMIN_PREFIX, headers=headers, timeout=timeout, event_hooks=hooks
    )
