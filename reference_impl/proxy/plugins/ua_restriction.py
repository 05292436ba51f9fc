"""ua-restriction: 403 for User-Agents outside an allowlist or inside a denylist."""

from __future__ import annotations

import re
from typing import Any

from ..plugin_api import Ctx, Plugin, Response


class UaRestriction(Plugin):
    name = "ua-restriction"
    priority = 2999

    def __init__(self, conf: dict[str, Any], env: Any) -> None:
        super().__init__(conf, env)
        self._allow = "allowlist" in conf
        rules = conf["allowlist"] if self._allow else conf["denylist"]
        self._rules = [re.compile(rule) for rule in rules]
        self._refusal = Response(403, {"message": conf.get("message", "Not allowed")})

    def _listed(self, user_agent: str) -> bool:
        user_agent = user_agent.strip()
        return any(rule.search(user_agent) for rule in self._rules)

    async def access(self, ctx: Ctx) -> Response | None:
        agents = ctx.request.header_values("user-agent")
        if not agents:
            return None if self.conf.get("bypass_missing") else self._refusal
        listed = any(self._listed(agent) for agent in agents)
        return None if listed == self._allow else self._refusal
