"""uri-blocker: answer `rejected_code` to requests whose request_uri matches a block rule."""

from __future__ import annotations

import re
from typing import Any

from ..plugin_api import Ctx, Plugin, Response


class UriBlocker(Plugin):
    name = "uri-blocker"
    priority = 2900

    def __init__(self, conf: dict[str, Any], env: Any) -> None:
        super().__init__(conf, env)
        flags = re.IGNORECASE if conf.get("case_insensitive") else 0
        # one alternation, as APISIX concatenates the rules with "|"
        self._rules = re.compile("|".join(conf["block_rules"]), flags)
        message = conf.get("rejected_msg")
        body = {"error_msg": message} if message else None
        self._refusal = Response(conf.get("rejected_code", 403), body)

    async def rewrite(self, ctx: Ctx) -> Response | None:
        if self._rules.search(ctx.var("request_uri") or ""):
            return self._refusal
        return None
