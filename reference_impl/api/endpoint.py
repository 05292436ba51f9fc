"""The endpoint plumbing every API on the admin port shares: reading a request body
(size limit, strict JSON, nesting depth), running a handler in the worker thread pool
(under the API's write lock when it has one), and answering a refusal in the API's own
error format (`BodyStyle.failure`: APISIX's and API7's `{"error_msg"}`, the Cloud
envelope)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import nullcontext
from typing import Any, TypeVar
from urllib.parse import parse_qsl

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from .. import strict_json
from ..store import RevisionConflict, StoreError
from .context import MISSING
from .errors import ApiError

FORM = "application/x-www-form-urlencoded"
T = TypeVar("T")
ALL_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


class BodyStyle:
    """One API's request-body rules and error format; the default is API7's."""

    def __init__(
        self,
        max_body: int,
        *,
        body_methods: frozenset[str] = BODY_METHODS,
        empty: Any = None,
        max_depth: int | None = None,
        forms: bool = False,
    ) -> None:
        self.max_body = max_body
        self.forms = forms  # whether a form body is read as its fields
        self.body_methods = body_methods  # the methods whose body is read (else `empty`)
        self.empty = empty  # the body of a request without one
        self.max_depth = max_depth

    def too_large(self, size: int) -> Exception:
        return ApiError(413, f"request body larger than {self.max_body} bytes")

    def not_json(self, exc: Exception) -> Exception:
        return ApiError(400, f"invalid request body: {exc}")

    def too_deep(self) -> Exception:
        return ApiError(400, f"invalid request body: nesting deeper than {self.max_depth} levels")

    def failure(self, exc: Exception) -> tuple[int, Any]:
        """The status and body of a refusal; anything else is re-raised (a 500)."""
        if isinstance(exc, ApiError):
            return exc.status, exc.body
        if isinstance(exc, StoreError):
            return 503, {"error_msg": f"config store unavailable: {exc}"}
        raise exc


class ApisixBodyStyle(BodyStyle):
    """APISIX: every method's body is read, a too large one is a 400 naming its size
    (core.request.get_body's error, answered 400 by apisix/admin/init.lua, t/admin/routes4.t),
    and a lost compare-and-swap is a 409."""

    def __init__(self, max_body: int, max_depth: int) -> None:
        super().__init__(max_body, body_methods=ALL_METHODS, empty=MISSING, max_depth=max_depth)

    def too_large(self, size: int) -> Exception:
        return ApiError(
            400,
            f"invalid request body: request size {size} is greater than the maximum size "
            f"{self.max_body} allowed",
        )

    def not_json(self, exc: Exception) -> Exception:
        return ApiError(400, f"invalid request body: {_json_reason(exc)}")

    def failure(self, exc: Exception) -> tuple[int, Any]:
        if isinstance(exc, RevisionConflict):
            return 409, {"error_msg": "value changed before overwritten"}
        return super().failure(exc)


async def read_body(request: Request, style: BodyStyle) -> Any:
    """The JSON body (`style.empty` when there is none); refused beyond `style.max_body`,
    when not strict JSON or nested deeper than `style.max_depth`. A form body
    (`application/x-www-form-urlencoded`, where an endpoint takes one) is its fields."""
    if request.method not in style.body_methods:
        return style.empty
    raw = await _raw_body(request, style)
    if not raw.strip():
        return style.empty
    if style.forms and request.headers.get("content-type", "").startswith(FORM):
        try:
            return dict(parse_qsl(raw.decode(), keep_blank_values=True, strict_parsing=True))
        except (ValueError, UnicodeDecodeError) as exc:
            raise ApiError(400, f"invalid request body: not a form: {exc}") from None
    try:
        data = strict_json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise style.not_json(exc) from None
    if style.max_depth is not None and _depth(data, style.max_depth) > style.max_depth:
        raise style.too_deep()
    return data


async def _raw_body(request: Request, style: BodyStyle) -> bytes:
    limit = style.max_body
    declared = request.headers.get("content-length")
    if declared and declared.isascii() and declared.isdigit() and int(declared) > limit:
        raise style.too_large(int(declared))
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size <= limit:
            chunks.append(chunk)
    # the whole body is read (nginx buffers it to a file), so its size can be named
    if size > limit:
        raise style.too_large(size)
    return b"".join(chunks)


async def in_worker(lock: threading.RLock | None, work: Callable[..., T], *args: Any) -> T:
    """`work(*args)` in the thread pool (store calls block), holding `lock` if given."""

    def run() -> T:
        with lock if lock is not None else nullcontext():
            return work(*args)

    return await run_in_threadpool(run)


def failure_response(style: BodyStyle, exc: Exception, headers: dict[str, str] | None = None):
    status, body = style.failure(exc)
    return JSONResponse(body, status_code=status, headers=headers)


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    """A JSON answer; an empty one when `body` is None."""
    if body is None:
        return Response(status_code=status, headers=headers)
    return JSONResponse(body, status_code=status, headers=headers)


async def http_error(request: Request, exc: Exception) -> Response:
    """Starlette's own refusals (no route, method not allowed) as `{"error_msg"}`."""
    status = getattr(exc, "status_code", 500)
    message = "not found" if status == 404 else str(getattr(exc, "detail", ""))
    return JSONResponse({"error_msg": message}, status_code=status)


def _json_reason(exc: Exception) -> str:
    if isinstance(exc, RecursionError):
        return "nesting too deep"
    if isinstance(exc, UnicodeDecodeError):
        return "not UTF-8 text"
    return str(exc)


def _depth(value: Any, limit: int) -> int:
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            if level > limit:
                break
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, level + 1) for child in children)
    return deepest
