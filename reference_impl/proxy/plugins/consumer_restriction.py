"""consumer-restriction: allow or deny by consumer name, consumer group, route or service."""

from __future__ import annotations

from typing import Any

from ..plugin_api import Ctx, Plugin, Response


def _subject(ctx: Ctx, kind: str) -> str | None:
    if kind == "route_id":
        return ctx.route_id
    if kind == "service_id":
        return ctx.service_id
    if kind == "consumer_group_id":
        group = (ctx.consumer or {}).get("group_id")
        return None if group is None else str(group)
    return ctx.consumer_name


def _method_allowed(rules: list[dict[str, Any]], method: str, user: str) -> bool:
    for rule in rules:
        if rule.get("user") == user:
            return method in (rule.get("methods") or [])
    return True


class ConsumerRestriction(Plugin):
    name = "consumer-restriction"
    priority = 2400

    async def access(self, ctx: Ctx) -> Response | None:
        kind = self.conf.get("type", "consumer_name")
        value = _subject(ctx, kind)
        if value is None:
            message = f"The request is rejected, please check the {kind} for this request"
            return Response(401, {"message": message})
        blacklist = self.conf.get("blacklist") or []
        if value in blacklist:
            return self._reject(kind)
        blocked = False
        whitelisted = False
        whitelist = self.conf.get("whitelist") or []
        if whitelist:
            whitelisted = value in whitelist
            blocked = not whitelisted
        rules = self.conf.get("allowed_by_methods") or []
        if rules and not whitelisted and not _method_allowed(rules, ctx.request.method, value):
            blocked = True
        return self._reject(kind) if blocked else None

    def _reject(self, kind: str) -> Response:
        message = self.conf.get("rejected_msg") or f"The {kind} is forbidden."
        return Response(int(self.conf.get("rejected_code", 403)), {"message": message})
