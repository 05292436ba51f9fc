"""Answering a list request with only the items the caller may see.

The wrapped app answers `{"list": [...], "total": N}` (API7's `/api` envelope, whose items
are the objects, and APISIX v3's, whose items are `{"key", "value"}`) or, for an APISIX
Admin API in v2 mode, `{"count": N, "node": {"nodes": [{"key", "value"}]}}`.

Pagination is redone here so that `page`, `page_size` and `total` describe the filtered
list: when the app's page is not already the whole listing, the app is asked again without
`page`/`page_size` (both APIs then answer every item, with the same filters and order), the
items are filtered, and the requested page is cut from what is left. `total` is the number
of items the caller may see, so it never counts a hidden one. The first call still carries
the caller's `page`/`page_size`, so invalid values get the app's own 400.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, urlencode

from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

PAGING_ARGS = ("page", "page_size")
MAX_PAGE_SIZE = 500  # both APIs cap a page at 500 items


def replay_body(body: bytes, receive: Receive) -> Receive:
    """A `receive` that yields `body` once, then whatever the client sends."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


class _Answer:
    def __init__(self) -> None:
        self.status = 500
        self.headers: list[tuple[bytes, bytes]] = []
        self.chunks: list[bytes] = []

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            self.headers = list(message.get("headers", []))
        elif message["type"] == "http.response.body":
            self.chunks.append(message.get("body", b""))

    def json(self) -> Any:
        try:
            return json.loads(b"".join(self.chunks))
        except (ValueError, RecursionError):
            return None

    async def forward(self, send: Send) -> None:
        await send({"type": "http.response.start", "status": self.status, "headers": self.headers})
        await send({"type": "http.response.body", "body": b"".join(self.chunks)})


def _fresh(scope: Scope) -> Scope:
    """A copy for one call: mounted apps rewrite `path` and `state` of the scope they get."""
    return {**scope, "state": dict(scope.get("state", {}))}


async def _ask(app: ASGIApp, scope: Scope, receive: Receive) -> _Answer:
    answer = _Answer()
    await app(scope, receive, answer.send)
    return answer


def _rows(body: Any) -> tuple[list[Any], int] | None:
    """The listed entries and the count the answer states, when it is a list answer."""
    if not isinstance(body, dict):
        return None
    if isinstance(body.get("list"), list) and _is_count(body.get("total")):
        return body["list"], body["total"]
    node = body.get("node")
    if (
        isinstance(node, dict)
        and isinstance(node.get("nodes"), list)
        and _is_count(body.get("count"))
    ):
        return node["nodes"], body["count"]
    return None


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _with_rows(body: dict[str, Any], rows: list[Any], total: int) -> dict[str, Any]:
    if "list" in body:
        return {**body, "list": rows, "total": total}
    return {**body, "count": total, "node": {**body["node"], "nodes": rows}}


def listed_object(entry: Any) -> Any:
    """The object of a list entry: APISIX lists wrap it as `{"key", "value"}`."""
    if isinstance(entry, dict) and isinstance(entry.get("value"), dict) and "key" in entry:
        return entry["value"]
    return entry


def _page(args: list[tuple[str, str]]) -> tuple[int, int] | None:
    """(page, page_size) the caller asked for; only `page_size` paginates (both APIs)."""
    given = {k: v for k, v in args if k in PAGING_ARGS and v != ""}
    size = given.get("page_size")
    if size is None or not size.isdigit() or int(size) < 1:
        return None
    page = given.get("page", "1")
    number = int(page) if page.isdigit() and int(page) >= 1 else 1
    return number, min(int(size), MAX_PAGE_SIZE)


async def answer_filtered(
    app: ASGIApp, scope: Scope, receive: Receive, send: Send, keeps: Callable[[Any], bool]
) -> bool:
    """Answer the list request `scope` with the entries whose object `keeps` accepts.
    False (nothing sent) when the app's successful answer is not a list it can filter."""
    first = await _ask(app, _fresh(scope), receive)
    if first.status != 200:
        await first.forward(send)
        return True
    body = first.json()
    found = _rows(body)
    if found is None:
        return False
    rows, total = found
    args = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
    if len(rows) != total:  # a page of a longer listing: ask for all of it
        whole = _fresh(scope)
        whole["query_string"] = urlencode([(k, v) for k, v in args if k not in PAGING_ARGS]).encode(
            "latin-1"
        )
        again = await _ask(app, whole, replay_body(b"", receive))
        body = again.json() if again.status == 200 else None
        found = _rows(body)
        if found is None:
            return False
        rows = found[0]
    kept = await run_in_threadpool(lambda: [e for e in rows if keeps(listed_object(e))])
    shown = kept
    paging = _page(args)
    if paging is not None:
        number, size = paging
        shown = kept[(number - 1) * size : number * size]
    payload = json.dumps(_with_rows(body, shown, len(kept))).encode()
    headers = [(k, v) for k, v in first.headers if k.lower() != b"content-length"]
    headers.append((b"content-length", str(len(payload)).encode()))
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": payload})
    return True
