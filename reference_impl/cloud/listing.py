"""List queries every Cloud list endpoint shares: page, page_size, order_by, direction,
search and labels; the payload is `{"list": [...], "count": <total before paging>}`."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from .envelope import invalid

MAX_PAGE_SIZE = 1000


def _positive_int(query: Mapping[str, str], name: str, default: int) -> int:
    raw = query.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise invalid(f"invalid query parameter {name}: {raw!r} is not an integer") from None
    if value < 1:
        raise invalid(f"invalid query parameter {name}: must be greater than 0")
    return value


def _choice(query: Mapping[str, str], name: str, choices: Sequence[str], default: str) -> str:
    raw = query.get(name)
    if raw is None:
        return default
    if raw not in choices:
        raise invalid(f"invalid query parameter {name}: {raw!r} is not one of {', '.join(choices)}")
    return raw


def labels_filter(labels: list[str]) -> Callable[[dict[str, Any]], bool]:
    for label in labels:
        if not 1 <= len(label) <= 32:
            raise invalid("invalid query parameter labels: each label has 1 to 32 characters")
    if len(labels) > 32:
        raise invalid("invalid query parameter labels: at most 32 labels")
    wanted = set(labels)
    return lambda obj: wanted <= set(obj.get("labels") or [])


def page(
    items: Iterable[dict[str, Any]],
    query: Any,
    order_fields: Sequence[str],
    default_order: str | None = "updated_at",
    search_fields: Sequence[str] = ("name",),
    keep: Callable[[dict[str, Any]], bool] | None = None,
    view: Callable[[dict[str, Any]], Any] = lambda obj: obj,
) -> dict[str, Any]:
    """Filter, sort and cut one page; `query` is the request's query parameters."""
    size = _positive_int(query, "page_size", 10)
    number = _positive_int(query, "page", 1)
    size = min(size, MAX_PAGE_SIZE)
    order_by = _choice(query, "order_by", order_fields, default_order or "created_at")
    direction = query.get("direction", "DESC")
    if direction.upper() not in ("ASC", "DESC"):
        raise invalid(f"invalid query parameter direction: {direction!r} is not ASC or DESC")
    search = (query.get("search") or "").lower()
    getlist = getattr(query, "getlist", None)
    labels = getlist("labels") if getlist else []
    has_labels = labels_filter(labels) if labels else None
    chosen = []
    for obj in items:
        if keep is not None and not keep(obj):
            continue
        if has_labels is not None and not has_labels(obj):
            continue
        if search and not any(search in str(obj.get(f, "")).lower() for f in search_fields):
            continue
        chosen.append(obj)
    chosen.sort(key=lambda obj: (str(obj.get(order_by, "")), obj.get("id", "")))
    if direction.upper() == "DESC":
        chosen.reverse()
    start = (number - 1) * size
    return {"list": [view(obj) for obj in chosen[start : start + size]], "count": len(chosen)}
