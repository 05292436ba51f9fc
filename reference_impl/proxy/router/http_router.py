"""HTTP route matching with the semantics of APISIX's `radixtree_host_uri` router.

Routes with hosts are tried first: the request host exactly, then the wildcard hosts that
cover it (most specific first); within a host, and then among the routes without any host,
exact URIs are tried before prefix URIs (`/foo/*`, `/foo*`), the longest prefix first. Routes
on the same path are ordered by `priority` (higher first), then by the order given. A route
matches when its methods, remote_addrs and vars conditions all hold; otherwise the search
goes on with the next candidate. Disabled routes (`status: 0`) are left out.

The router returns what it was given for each route: the route conf itself, or (with `conf`)
an object it reads the conf from, such as the data plane's compiled route runtimes.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable
from typing import Any, Generic, TypeVar, overload

from ..left_out import LeftOut
from ..plugin_api import Ctx
from ..variables import normalize_uri, request_host
from .expr import Expr
from .ip_match import IpMatcher
from .prefix_tree import PrefixTree

R = TypeVar("R")


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _param_pattern(path: str) -> re.Pattern[str]:
    """A path with `*` before its end: `*name` segments match anything, `:name` one segment."""
    parts = []
    for segment in path.split("/"):
        if segment.startswith(":"):
            parts.append(r"([^/]+)")
        elif segment.startswith("*"):
            parts.append(r"(.*)")
        else:
            parts.append(re.escape(segment))
    return re.compile("/".join(parts), re.DOTALL)


class _Candidate(Generic[R]):
    """One route on one path, with its pre-compiled conditions."""

    __slots__ = (
        "expr",
        "filter",
        "ip_matcher",
        "methods",
        "path",
        "pattern",
        "priority",
        "route",
        "seq",
    )

    def __init__(
        self, conf: dict[str, Any], route: R, path: str, seq: int, conditions: _Conditions
    ) -> None:
        self.route = route
        self.path = path
        self.seq = seq
        self.priority = int(conf.get("priority") or 0)
        self.methods = conditions.methods
        self.ip_matcher = conditions.ip_matcher
        self.expr = conditions.expr
        self.filter = conditions.filter
        star = path.find("*")
        self.pattern = _param_pattern(path) if 0 <= star < len(path) - 1 else None

    def sort_key(self: _Candidate[Any]) -> tuple[int, int, int]:
        return (-self.priority, -len(self.path), self.seq)

    def matches(self, ctx: Ctx, uri: str, method: str, remote_addr: str | None) -> bool:
        if self.methods is not None and method not in self.methods:
            return False
        if self.ip_matcher is not None and not self.ip_matcher.match(remote_addr):
            return False
        if self.expr is not None and not self.expr.evaluate(ctx.var):
            return False
        if self.pattern is not None and self.pattern.fullmatch(uri) is None:
            return False
        return self.filter is None or self.filter(ctx)


class _Conditions:
    __slots__ = ("expr", "filter", "ip_matcher", "methods")

    def __init__(self, route: dict[str, Any]) -> None:
        methods = _as_list(route.get("methods"))
        self.methods = frozenset(m.upper() for m in methods) if methods else None
        addrs = _as_list(route.get("remote_addrs") or route.get("remote_addr"))
        self.ip_matcher = IpMatcher(addrs) if addrs else None
        rule = route.get("vars")
        self.expr = Expr(rule) if rule else None
        source = route.get("filter_func")
        self.filter: Callable[[Ctx], bool] | None = None
        if source:
            # imported here: the Lua bridge uses the plugins' helpers, which use the router
            from .lua_filter import LuaFilter

            self.filter = LuaFilter(source, route.get("id"))


def _placements(
    conf: dict[str, Any], route: R, order: int
) -> list[tuple[str | None, _Candidate[R]]]:
    """Where a route goes in the router: (host, or None for any host; candidate) pairs,
    all compiled before any is placed, so a route that fails is not half in."""
    conditions = _Conditions(conf)
    paths = _as_list(conf.get("uris") or conf.get("uri"))
    hosts = _as_list(conf.get("hosts") or conf.get("host"))
    for item in [*paths, *hosts]:
        if not isinstance(item, str):
            raise ValueError(f"paths and hosts must be strings, not {item!r}")
    return [
        (host, _Candidate(conf, route, path, order, conditions))
        for host in hosts or [None]
        for path in paths
    ]


class _UriTable(Generic[R]):
    """Routes by URI: exact paths in a dict, prefix paths in a radix tree."""

    def __init__(self, host: str = "") -> None:
        self.host = host  # the host (pattern) this table serves; "" for routes without hosts
        # exact paths whose best route has no condition: the answer without any checks
        self.unconditional: dict[str, _Candidate[R]] = {}
        self._exact: dict[str, list[_Candidate[R]]] = {}
        self._prefix: PrefixTree[list[_Candidate[R]]] = PrefixTree()
        self._lists: list[list[_Candidate[R]]] = []

    def add(self, candidate: _Candidate[R]) -> None:
        star = candidate.path.find("*")
        if star < 0:
            bucket = self._exact.get(candidate.path)
            if bucket is None:
                bucket = self._exact[candidate.path] = []
                self._lists.append(bucket)
        else:
            bucket = self._prefix.setdefault(candidate.path[:star], list)
            if not bucket:
                self._lists.append(bucket)
        bucket.append(candidate)

    def finish(self) -> None:
        for bucket in self._lists:
            bucket.sort(key=_Candidate.sort_key)
        for path, bucket in self._exact.items():
            best = bucket[0]
            if (
                best.methods is None
                and best.ip_matcher is None
                and best.expr is None
                and best.filter is None
            ):
                self.unconditional[path] = best

    def match(self, ctx: Ctx, uri: str, method: str, remote: str | None) -> _Candidate[R] | None:
        exact = self._exact.get(uri)
        if exact:
            for candidate in exact:
                if candidate.matches(ctx, uri, method, remote):
                    return candidate
        for bucket in self._prefix.prefixes_of(uri):
            for candidate in bucket:
                if candidate.matches(ctx, uri, method, remote):
                    return candidate
        return None


def _itself(route: Any) -> dict[str, Any]:
    return route


class Router(Generic[R]):
    """Matches a request (through `ctx`) to one of the given routes: merged route confs, or
    objects whose conf `conf(route)` gives. A route whose conditions, paths or hosts cannot
    be compiled is left out (`left_out`)."""

    @overload
    def __init__(
        self: Router[dict[str, Any]],
        routes: Iterable[dict[str, Any]],
        left_out: LeftOut | None = None,
    ) -> None: ...
    @overload
    def __init__(
        self,
        routes: Iterable[R],
        left_out: LeftOut | None = None,
        *,
        conf: Callable[[R], dict[str, Any]],
    ) -> None: ...
    def __init__(
        self,
        routes: Iterable[Any],
        left_out: LeftOut | None = None,
        *,
        conf: Callable[[Any], dict[str, Any]] = _itself,
    ) -> None:
        self._exact_hosts: dict[str, _UriTable[R]] = {}
        self._wildcard_hosts: PrefixTree[_UriTable[R]] = PrefixTree()
        self._host_tables: list[_UriTable[R]] = []
        self._host_table_ids: set[int] = set()
        self._uri_only: _UriTable[R] = _UriTable()
        self.left_out = left_out if left_out is not None else LeftOut()
        seq = itertools.count()
        for route in routes:
            route_conf = conf(route)
            if route_conf.get("status", 1) != 1:
                continue
            placed = self.left_out.compile(
                "routes", route_conf.get("id"), _placements, route_conf, route, next(seq)
            )
            for host, candidate in placed or ():
                (self._uri_only if host is None else self._table_for_host(host)).add(candidate)
        for table in [*self._host_tables, self._uri_only]:
            table.finish()

    @property
    def skipped(self) -> dict[str, str]:
        """Why each route left out can never match, by route id."""
        return self.left_out.of_kind("routes")

    def _table_for_host(self, host: str) -> _UriTable[R]:
        host = host.lower()
        table: _UriTable[R]
        if host.startswith("*"):
            table = self._wildcard_hosts.setdefault(host[1:][::-1], lambda: _UriTable(host))
        else:
            table = self._exact_hosts.get(host) or self._exact_hosts.setdefault(
                host, _UriTable(host)
            )
        if id(table) not in self._host_table_ids:
            self._host_table_ids.add(id(table))
            self._host_tables.append(table)
        return table

    def match(self, ctx: Ctx) -> R | None:
        # read from the request itself (no variable lookups): this runs on every request
        request = ctx.request
        uri = normalize_uri(request.uri) or "/"
        state = ctx.state
        if not self._host_tables:
            found = self._uri_only.unconditional.get(uri)
            if found is not None:
                state["matched_uri"] = found.path
                state["matched_host"] = ""
                return found.route
        method = request.method.upper()
        remote = request.remote_addr
        if self._host_tables:
            host = request_host(request)
            tables = self._wildcard_hosts.prefixes_of(host[::-1])
            exact = self._exact_hosts.get(host)
            if exact is not None:
                tables.insert(0, exact)
            for table in tables:
                found = table.match(ctx, uri, method, remote)
                if found is not None:
                    state["matched_uri"] = found.path
                    state["matched_host"] = table.host
                    return found.route
        found = self._uri_only.match(ctx, uri, method, remote)
        if found is None:
            return None
        state["matched_uri"] = found.path
        state["matched_host"] = ""
        return found.route
