"""ip-restriction: 403 for client addresses outside a whitelist or inside a blacklist."""

from __future__ import annotations

from typing import Any

from ..plugin_api import Ctx, Plugin, Response
from ..router import IpMatcher


class IpRestriction(Plugin):
    name = "ip-restriction"
    priority = 3000

    def __init__(self, conf: dict[str, Any], env: Any) -> None:
        super().__init__(conf, env)
        self._blacklist = IpMatcher(conf["blacklist"]) if conf.get("blacklist") else None
        self._whitelist = IpMatcher(conf["whitelist"]) if conf.get("whitelist") else None

    async def access(self, ctx: Ctx) -> Response | None:
        remote = ctx.var("remote_addr")
        blocked = False
        if self._blacklist is not None:
            blocked = self._blacklist.match(remote)
        if self._whitelist is not None:
            blocked = not self._whitelist.match(remote)
        if blocked:
            message = self.conf.get("message") or "Your IP address is not allowed"
            return Response(403, {"message": message})
        return None
