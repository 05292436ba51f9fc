"""API7's list queries: label and search filters, ordering and paging, answered as
`{"list": [...], "total": N}`."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from .errors import ApiError

MAX_PAGE_SIZE = 500
LABEL_ARG = re.compile(r"^labels\[(.+)\]$")


def _positive_int(args: Mapping[str, str], name: str, default: int | None) -> int | None:
    raw = args.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise ApiError(400, f"invalid query parameter {name}: must be an integer >= 1")
    return int(raw)


def label_filter(args: Any) -> dict[str, str]:
    """`labels[key]=value` query arguments (also `labels=key:value`)."""
    wanted: dict[str, str] = {}
    for name, raw in args.multi_items():
        match = LABEL_ARG.match(name)
        if match:
            wanted[match.group(1)] = raw
        elif name == "labels" and ":" in raw:
            key, _, val = raw.partition(":")
            wanted[key] = val
        elif name == "labels" and "=" in raw:
            key, _, val = raw.partition("=")
            wanted[LABEL_ARG.sub(r"\1", key)] = val
    return wanted


def list_answer(
    items: Iterable[dict[str, Any]],
    args: Any,
    *,
    order_fields: tuple[str, ...] = ("created_at", "updated_at"),
    default_order: str = "updated_at",
    search_fields: tuple[str, ...] = ("name",),
) -> dict[str, Any]:
    """`{"list": [...], "total": N}` after label and search filters, ordering and paging."""
    rows = list(items)
    labels = label_filter(args)
    if labels:
        rows = [
            r for r in rows if all((r.get("labels") or {}).get(k) == v for k, v in labels.items())
        ]
    search = args.get("search")
    if search:
        needle = search.lower()
        rows = [
            r for r in rows if any(needle in str(r.get(f) or "").lower() for f in search_fields)
        ]
    order_by = args.get("order_by") or default_order
    if order_by not in order_fields:
        raise ApiError(
            400, f"invalid query parameter order_by: must be one of {list(order_fields)}"
        )
    direction = args.get("direction") or "desc"
    if direction not in ("asc", "desc"):
        raise ApiError(400, "invalid query parameter direction: must be asc or desc")
    rows.sort(key=lambda r: (_sort_key(r.get(order_by)), str(r.get("id", ""))))
    if direction == "desc":
        rows.reverse()
    total = len(rows)
    page = _positive_int(args, "page", 1) or 1
    size = _positive_int(args, "page_size", None)
    if size is not None:
        size = min(size, MAX_PAGE_SIZE)
        rows = rows[(page - 1) * size : page * size]
    return {"list": rows, "total": total}


def _sort_key(raw: Any) -> tuple[int, Any]:
    if raw is None:
        return (0, 0)
    if isinstance(raw, int | float):
        return (1, raw)
    return (2, str(raw).lower())


def int_arg(args: Mapping[str, str], name: str) -> int | None:
    """An integer query argument (absent or empty: None); a 400 when not an integer."""
    raw = args.get(name)
    if raw is None or raw == "":
        return None
    try:
        return int(raw)
    except ValueError:
        raise ApiError(400, f"invalid query parameter {name}: must be an integer") from None
