"""mocking: answer with a fixed example, or with data generated from a JSON schema, instead
of calling the upstream."""

from __future__ import annotations

import asyncio
import json
import math
import random
import string
from typing import Any
from xml.sax.saxutils import escape

from ...schema.plugins.transform import mocking_media_type
from ..plugin_api import Ctx, Plugin, Response
from ..wire import SERVER_TOKEN
from .request_edit import resolve_vars

_MOCK_BY = SERVER_TOKEN.decode()


def generate(prop: dict[str, Any]) -> Any:
    """A value for a JSON schema property, as APISIX's mocking plugin makes one: the
    `example` if it has the right type, else random data of the property's `type`."""
    kind = str(prop.get("type", "")).lower()
    example = prop.get("example")
    if kind == "object":
        return {k: generate(v) for k, v in (prop.get("properties") or {}).items()}
    if kind == "array":
        items = prop.get("items")
        return None if items is None else [generate(items) for _ in range(random.randint(1, 3))]
    if kind == "string":
        if isinstance(example, str):
            return example
        return "".join(random.choices(string.ascii_lowercase, k=random.randint(1, 10)))
    number = example if isinstance(example, int | float) and not isinstance(example, bool) else None
    if kind == "number":
        return number if number is not None else random.random() * 10000
    if kind == "integer":
        return math.floor(number) if number is not None else random.randint(1, 10000)
    if kind == "boolean":
        return example if isinstance(example, bool) else random.choice([True, False])
    return None


def to_xml(value: Any, tag: str) -> str:
    if isinstance(value, dict):
        inner = "".join(to_xml(v, k) for k, v in value.items() if v is not None)
        return f"<{tag}>{inner}</{tag}>"
    if isinstance(value, list):
        return "".join(to_xml(item, tag) for item in value)
    text = ("true" if value else "false") if isinstance(value, bool) else str(value)
    return f"<{tag}>{escape(text)}</{tag}>"


class Mocking(Plugin):
    name = "mocking"
    priority = 10900

    def __init__(self, conf: dict[str, Any], env: Any) -> None:
        super().__init__(conf, env)
        self._example: str | None = conf.get("response_example")
        self._schema: dict[str, Any] = conf.get("response_schema") or {}
        self._content_type: str = conf.get("content_type", "application/json;charset=utf8")
        self._media_type = mocking_media_type(self._content_type)
        self._status: int = conf.get("response_status", 200)
        self._delay: int = conf.get("delay", 0)
        headers = {"Content-Type": self._content_type}
        if conf.get("with_mock_header", True):
            headers["x-mock-by"] = _MOCK_BY
        for name, value in (conf.get("response_headers") or {}).items():
            headers[name] = str(value)
        self._headers = headers

    def _content(self) -> str:
        output = generate({**self._schema, "type": "object"})
        if self._media_type in ("application/xml", "text/xml"):
            return to_xml(output, "data")
        if self._media_type in ("application/json", "text/plain"):
            return json.dumps(output, separators=(",", ":"))
        return ""  # APISIX generates bodies in JSON or XML only

    async def access(self, ctx: Ctx) -> Response | None:
        content = self._example if self._example is not None else self._content()
        if self._delay > 0:
            await asyncio.sleep(self._delay)
        body = resolve_vars(content, ctx).encode()
        return Response(self._status, body, dict(self._headers))
