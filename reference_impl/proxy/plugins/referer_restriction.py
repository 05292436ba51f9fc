"""referer-restriction: 403 for Referer hosts outside a whitelist or inside a blacklist."""

from __future__ import annotations

import re
from typing import Any

from ..plugin_api import Ctx, Plugin, Response

# lua-resty-http's parse_uri: the host is the second capture; a Referer without `//` is
# malformed (treated as missing).
_URI = re.compile(r"^(?:(https?):)?//((?:[^\[\]:/\?]+)|(?:\[.+\]))(?::(\d+))?([^\?]*)\??(.*)")


class HostMatcher:
    """Exact hosts, and `*.suffix` entries matching any host that ends with `.suffix`."""

    def __init__(self, hosts: list[str]) -> None:
        self._exact = frozenset(h for h in hosts if not h.startswith("*"))
        self._suffixes = tuple(h[1:] for h in hosts if h.startswith("*"))

    def match(self, host: str) -> bool:
        return host in self._exact or (bool(self._suffixes) and host.endswith(self._suffixes))


class RefererRestriction(Plugin):
    name = "referer-restriction"
    priority = 2990

    def __init__(self, conf: dict[str, Any], env: Any) -> None:
        super().__init__(conf, env)
        self._allow = "whitelist" in conf
        self._hosts = HostMatcher(conf["whitelist"] if self._allow else conf["blacklist"])
        message = conf.get("message", "Your referer host is not allowed")
        self._refusal = Response(403, {"message": message})

    async def access(self, ctx: Ctx) -> Response | None:
        referer = ctx.var("http_referer")
        parsed = _URI.match(referer) if referer else None
        if parsed is None:
            blocked = not self.conf.get("bypass_missing")
        else:
            blocked = self._hosts.match(parsed.group(2)) != self._allow
        return self._refusal if blocked else None
