"""Changes plugins make to the request on its way upstream, and `$var` templates."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from urllib.parse import parse_qsl, urlencode

from ..plugin_api import Ctx
from ..variables import invalidate, parse_args

_TEMPLATE = re.compile(r"(?<!\\)\$(\{\s*([^}]+?)\s*\}|([\w.]+))")
_CAPTURE = re.compile(r"(?<!\\)\$\{?(\d+)\}?")
_DEFAULT_SPLIT = re.compile(r"\s*\?\?\s*")


def set_request_header(ctx: Ctx, name: str, value: str | None) -> None:
    """Replace (or with None remove) a request header, for later plugins and the upstream."""
    lowered = name.lower()
    if value is None:
        ctx.request.headers.pop(lowered, None)
    else:
        ctx.request.headers[lowered] = value
    for key in [k for k in ctx.upstream_headers if k.lower() == lowered and k != name]:
        del ctx.upstream_headers[key]
    ctx.upstream_headers[name] = value
    invalidate(ctx)


def add_request_header(ctx: Ctx, name: str, value: str) -> None:
    current = ctx.request.headers.get(name.lower())
    set_request_header(ctx, name, value if current is None else f"{current}, {value}")


def remove_query_arg(ctx: Ctx, arg: str) -> None:
    """Drop an argument from the query string (as APISIX does for hide_credentials); the
    upstream URI is set explicitly so the engine does not forward the original one."""
    if arg not in parse_args(ctx.request.query):
        return
    kept = [(k, v) for k, v in parse_qsl(ctx.request.query, keep_blank_values=True) if k != arg]
    query = urlencode(kept)
    ctx.request.query = query
    path = ctx.upstream_uri.split("?", 1)[0] if ctx.upstream_uri is not None else ctx.request.uri
    ctx.upstream_uri = path + ("?" + query if query else "")
    invalidate(ctx)


def resolve_vars_counted(
    template: str, ctx: Ctx, escaper: Callable[[str], str] | None = None
) -> tuple[str, int]:
    """Expand `$name`, `${name}` and `${name ?? default}` with variables, like APISIX's
    core.utils.resolve_var; also how many variables had a value (or a default)."""
    resolved = 0

    def expand(match: re.Match[str]) -> str:
        nonlocal resolved
        name, *default = _DEFAULT_SPLIT.split(match.group(2) or match.group(3), maxsplit=1)
        value = ctx.var(name)
        if value is None:
            if not default:
                return ""
            value = default[0]
        resolved += 1
        return escaper(value) if escaper else value

    if "$" not in template:
        return template, 0
    return _TEMPLATE.sub(expand, template), resolved


def resolve_vars(template: str, ctx: Ctx, escaper: Callable[[str], str] | None = None) -> str:
    return resolve_vars_counted(template, ctx, escaper)[0]


def resolve_captures(template: str, captures: Sequence[str | None]) -> str:
    """Expand `$1` / `${1}` with regex captures (`$0` is the whole match); missing ones: ""."""

    def expand(match: re.Match[str]) -> str:
        index = int(match.group(1))
        return (captures[index] or "") if index < len(captures) else ""

    return _CAPTURE.sub(expand, template) if "$" in template else template
