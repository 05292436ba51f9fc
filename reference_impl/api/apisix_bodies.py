"""Response bodies: APISIX's v3 shapes and the v2 (`action`/`node`) shapes, plus the v3
list filters (name, label, uri) and pagination."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from ..store import KeyValue
from .errors import bad_request

_NUMBER = re.compile(r"^[0-9]+$")
BEYOND_ANY_LIST = 10**18  # a page number past every list; int() refuses very long digit strings
ValueView = Callable[[Any], Any]  # what GET shows of a stored value (ssls hide keys)


def _node(kv: KeyValue, view: ValueView) -> dict[str, Any]:
    return {
        "key": kv.key,
        "value": view(kv.value),
        "createdIndex": kv.create_revision,
        "modifiedIndex": kv.mod_revision,
    }


APISIX_PAGE_SIZES = range(10, 501)  # apisix/admin/resource.lua
API7_PAGE_SIZES = range(1, 501)  # API7's list endpoints document a minimum of 1


class Bodies:
    """Builds every success body for one `admin_api_version`."""

    def __init__(self, version: str, page_sizes: range = APISIX_PAGE_SIZES) -> None:
        self.v3 = version == "v3"
        self.page_sizes = page_sizes

    def one_body(self, kv: KeyValue, view: ValueView) -> dict[str, Any]:
        node = _node(kv, view)
        return node if self.v3 else {"action": "get", "count": 1, "node": node}

    def list_body(
        self,
        dir_key: str,
        kvs: list[KeyValue],
        view: ValueView,
        args: Mapping[str, str],
    ) -> dict[str, Any]:
        if not self.v3:
            nodes = [_node(kv, view) for kv in kvs]
            return {
                "action": "get",
                "count": len(nodes),
                "node": {"dir": True, "key": dir_key, "nodes": nodes},
            }
        page = _page_args(args, self.page_sizes)
        kept = [kv for kv in kvs if _matches(kv.value, args)]
        total = len(kept)
        if page is not None:
            number, size = page
            kept.sort(key=lambda kv: kv.create_revision)
            kept = kept[(number - 1) * size : number * size]
        return {"total": total, "list": [_node(kv, view) for kv in kept]}

    def written_body(self, key: str, value: Any, action: str) -> dict[str, Any]:
        node = {"key": key, "value": value}
        return node if self.v3 else {"action": action, "node": node}

    def deleted_body(self, key: str) -> dict[str, Any]:
        body: dict[str, Any] = {"deleted": "1", "key": key}
        if not self.v3:
            body.update(action="delete", node={})
        return body


def _page_args(args: Mapping[str, str], sizes: range) -> tuple[int, int] | None:
    """(page, page_size) when the list is paginated: page_size given, page defaults to 1."""
    page, size = args.get("page"), args.get("page_size")
    if page is None and size is None:
        return None
    number = 1
    if page is not None:
        if not _NUMBER.match(page) or not page.strip("0"):
            raise bad_request("page must be an integer of at least 1")
        number = int(page) if len(page) <= 18 else BEYOND_ANY_LIST
    if size is None:
        return None
    if not _NUMBER.match(size) or len(size) > 3 or int(size) not in sizes:
        raise bad_request(f"page_size must be between {sizes.start} and {sizes.stop - 1}")
    return number, int(size)


def _matches(value: Any, args: Mapping[str, str]) -> bool:
    """The seed's filters, intersected; an empty filter value restricts nothing."""
    if not isinstance(value, dict):
        return False
    name = args.get("name")
    if name and not (isinstance(value.get("name"), str) and name in value["name"]):
        return False
    label = args.get("label")
    if label and not _label_matches(value.get("labels"), label):
        return False
    uri = args.get("uri")
    if uri:
        uris = [value["uri"]] if isinstance(value.get("uri"), str) else []
        uris += [u for u in value.get("uris") or [] if isinstance(u, str)]
        if not any(uri in u for u in uris):
            return False
    return True


def _label_matches(labels: Any, query: str) -> bool:
    if not isinstance(labels, dict):
        return False
    if query in labels:
        return True
    key, sep, expected = query.partition(":")
    return bool(sep) and key in labels and str(labels[key]) == expected
