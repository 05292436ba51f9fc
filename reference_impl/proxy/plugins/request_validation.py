"""request-validation: answer `rejected_code` to requests whose headers fail `header_schema`."""

from __future__ import annotations

from typing import Any

from ...schema.engine import CompiledSchema
from ..plugin_api import Ctx, Plugin, Response


class RequestValidation(Plugin):
    name = "request-validation"
    priority = 2800

    def __init__(self, conf: dict[str, Any], env: Any) -> None:
        super().__init__(conf, env)
        if "body_schema" in conf:
            raise ValueError("body_schema needs the request body, which plugins cannot read")
        self._headers = CompiledSchema(conf["header_schema"])
        self._code: int = conf.get("rejected_code", 400)
        self._message: str | None = conf.get("rejected_msg")

    async def rewrite(self, ctx: Ctx) -> Response | None:
        err = self._headers.first_error(ctx.request.headers)
        if err is None:
            return None
        return Response(self._code, (self._message or err).encode())
