"""limit-count: at most `count` requests per `time_window` seconds per key (fixed window);
or, with `rules`, each rule's own count, window and key (APISIX 3.16+). `count` and
`time_window` may be variables (`"$http_x_count"`) resolved per request.

Counters live in the worker's `SharedState` (shared by every worker of the node when the
engine gives them a shared directory), keyed by the plugin's scope, its conf and the key;
with `policy` redis or redis-cluster, in that Redis (shared by every gateway using it). A
Redis that fails answers 500 unless `allow_degradation` lets the request through, as
APISIX 3.5 does.
"""

from __future__ import annotations

import logging
import math
from typing import Any

from ..fingerprint import conf_fingerprint
from ..plugin_api import Ctx, Plugin, Response
from .rate_limit_key import conf_owner, limit_key
from .redis_limits import (
    REDIS_FAILURES,
    ClusterUnavailable,
    RedisTarget,
    count_in_redis,
    redis_target,
)
from .request_edit import resolve_vars, resolve_vars_counted

log = logging.getLogger(__name__)


class LimitCount(Plugin):
    name = "limit-count"
    priority = 1002
    # Set by the engine when the conf does not come from the matched route, e.g.
    # "global_rule/1" or "consumer/jack"; counters are shared within a scope.
    scope_id: str | None = None

    def __init__(self, conf: dict[str, Any], env: Any) -> None:
        super().__init__(conf, env)
        # a changed conf restarts the counters, like APISIX's conf_version
        self._fingerprint = conf_fingerprint(conf)
        self._redis = redis_target(conf)
        self.may_wait = self._redis is not None  # counting locally never waits
        count, window = conf.get("count"), conf.get("time_window")
        # a plain count and window (no rules, no variables): read once, not per request
        self._fixed: tuple[int, int] | None = None
        if not conf.get("rules") and isinstance(count, int) and isinstance(window, int):
            self._fixed = (count, window)
        self._quota_headers = bool(conf.get("show_limit_quota_header", True))

    def _scope(self, ctx: Ctx) -> str:
        if self.conf.get("group"):
            return "group:" + str(self.conf["group"])
        return f"{conf_owner(self, ctx)}:{self._fingerprint}"

    async def access(self, ctx: Ctx) -> Response | None:
        rules, err = self._rules(ctx)
        if not rules:
            log.error("failed to get rate limit rules: %s", err)
            return None if self.conf.get("allow_degradation") else Response(500)
        for rule in rules:
            if self._redis is None:
                response = self._answer(ctx, rule, *self._take_local(rule))
            else:
                response = await self._limit_in_redis(ctx, rule, self._redis)
            if response is not None:
                return response
        return None

    def _rules(self, ctx: Ctx) -> tuple[list[_Rule], str | None]:
        """The limits this request is counted against: `count` per `time_window` under the
        conf's key, or each of `rules` whose key has a value (its headers prefixed)."""
        if self._fixed is not None:
            count, window = self._fixed
            return [_Rule(count, window, limit_key(self.conf, ctx, self._scope(ctx)))], None
        if not self.conf.get("rules"):
            count, err = _resolve_number(ctx, self.conf["count"])
            window, err2 = _resolve_number(ctx, self.conf["time_window"])
            if err or err2:
                return [], err or err2
            return [_Rule(count, window, limit_key(self.conf, ctx, self._scope(ctx)))], None
        rules = []
        for index, rule in enumerate(self.conf["rules"], start=1):
            key, resolved = resolve_vars_counted(rule["key"], ctx)
            if not resolved:  # keyed on a variable this request does not have
                continue
            count, err = _resolve_number(ctx, rule["count"])
            window, err2 = _resolve_number(ctx, rule["time_window"])
            if err or err2:
                return [], err or err2
            prefix = rule.get("header_prefix") or str(index)
            rules.append(_Rule(count, window, f"{self._scope(ctx)}:{key}", prefix))
        return rules, None

    async def _limit_in_redis(self, ctx: Ctx, rule: _Rule, target: RedisTarget) -> Response | None:
        try:
            remaining, ttl = await count_in_redis(
                self.env.shared.redis,
                target,
                "plugin-limit-count" + rule.key,
                rule.count,
                rule.time_window,
            )
        except ClusterUnavailable as exc:
            log.error("failed to fetch limit.count object: %s", exc)
            return None if self.conf.get("allow_degradation") else Response(500)
        except REDIS_FAILURES as exc:
            log.error("failed to limit count: %s", exc)
            if self.conf.get("allow_degradation"):
                return None
            return Response(500, {"error_msg": "failed to limit count"})
        return self._answer(ctx, rule, remaining >= 0, max(remaining, 0), float(ttl))

    def _answer(
        self, ctx: Ctx, rule: _Rule, allowed: bool, remaining: int, reset_in: float
    ) -> Response | None:
        """The rule's X-RateLimit-* headers on the answer, or its rejection."""
        headers = {}
        if self._quota_headers:
            limit, left, reset = (
                _HEADERS if rule.header_prefix is None else _prefixed(rule.header_prefix)
            )
            headers[limit] = str(rule.count)
            headers[left] = str(remaining)
            headers[reset] = str(max(0, math.ceil(reset_in - 1e-6)))
        if allowed:
            ctx.response_headers.update(headers)
            return None
        message = self.conf.get("rejected_msg")
        body = {"error_msg": message} if message else None
        return Response(int(self.conf.get("rejected_code", 503)), body, headers)

    def _take_local(self, rule: _Rule) -> tuple[bool, int, float]:
        count, window = rule.count, float(rule.time_window)
        shared = self.env.shared

        def take(current: tuple[float, float] | None) -> tuple[Any, tuple[bool, int, float]]:
            now = shared.clock()
            used, window_end = current if current is not None else (0.0, now + window)
            if used + 1 > count:
                return None, (False, 0, window_end - now)
            used += 1
            return ((used, window_end), window_end), (True, int(count - used), window_end - now)

        result: tuple[bool, int, float] = shared.records.update("limit-count:" + rule.key, take)
        return result


_HEADERS = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset")


def _prefixed(prefix: str) -> tuple[str, str, str]:
    """A rule's headers: its prefix before `RateLimit-` (`X-1-RateLimit-Limit`)."""
    limit, left, reset = (
        name.replace("RateLimit-", f"{prefix}-RateLimit-", 1) for name in _HEADERS
    )
    return limit, left, reset


class _Rule:
    """One limit a request is counted against (a plain class: one per request)."""

    __slots__ = ("count", "header_prefix", "key", "time_window")

    def __init__(
        self, count: int, time_window: int, key: str, header_prefix: str | None = None
    ) -> None:
        self.count = count
        self.time_window = time_window
        self.key = key  # the counter's key, scope included
        self.header_prefix = header_prefix


def _resolve_number(ctx: Ctx, value: Any) -> tuple[int, str | None]:
    """`count` or `time_window`: an integer, or a string of variables that must resolve to
    a positive integer for this request."""
    if not isinstance(value, str):
        return int(value), None
    text = resolve_vars(value, ctx)
    try:
        number = float(text.strip())
    except ValueError:
        return 0, f"resolved value is not a number: {text!r}"
    if not math.isfinite(number) or number <= 0 or not number.is_integer():
        return 0, f"resolved value must be a positive integer, got: {text!r}"
    if number > 2**53 - 1:
        return 0, f"resolved value exceeds safe integer range (2^53-1), got: {text!r}"
    return int(number), None
