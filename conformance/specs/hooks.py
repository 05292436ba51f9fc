"""Schemathesis hooks a spec run installs on its schema (schema-scoped, never global)."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable
from typing import Any

from schemathesis import HookContext
from schemathesis.schemas import BaseSchema

DOT_SEGMENTS = {".", ".."}


def skip_dot_segments(context: HookContext, path_parameters: dict[str, Any]) -> bool:
    """Drop path parameters `.` and `..`: HTTP clients resolve them away before sending."""
    return not any(str(value) in DOT_SEGMENTS for value in (path_parameters or {}).values())


def unique_keys(token: str) -> Callable[[HookContext, Any], Any]:
    """A `map_body` hook making every generated `plugins.key-auth.key` unique in the run.

    APISIX refuses a key-auth key another consumer or credential already has; generated
    documents repeat small values often, so without this valid documents would be refused."""
    counter = itertools.count(1)

    def map_body(context: HookContext, body: Any) -> Any:
        plugins = body.get("plugins") if isinstance(body, dict) else None
        key_auth = plugins.get("key-auth") if isinstance(plugins, dict) else None
        if isinstance(key_auth, dict) and isinstance(key_auth.get("key"), str):
            key_auth["key"] = f"{key_auth['key'][:40]}x{token}x{next(counter)}"
        return body

    return map_body


def install_common(schema: BaseSchema) -> None:
    schema.hook("filter_path_parameters")(skip_dot_segments)


def install_apisix(schema: BaseSchema) -> None:
    install_common(schema)
    # unique per process, so keys left behind by an earlier run cannot collide either
    schema.hook("map_body")(unique_keys(uuid.uuid4().hex[:8]))
