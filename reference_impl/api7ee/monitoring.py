"""Monitoring: `GET`/`POST /api/control_plane/prometheus/{prometheus_path}` (3.2.14), the
Prometheus HTTP API over the metrics of every gateway group's data plane (request counts,
status codes and latency as the `prometheus` plugin records them), each series labelled with
its `gateway_group_id`. A POST takes the parameters as a form, as Prometheus does.

The reference keeps no metric history and evaluates no PromQL functions: `query` answers
instant vector selectors (`name{label="value",label!="v",label=~"re"}`) at the current time;
`labels`, `label/<name>/values` and `series` list what exists. Anything else is refused with
a 400 naming what is not supported."""

from __future__ import annotations

import re
import time
from typing import Any

from ..api.errors import ApiError
from .context import API, Api, Call

SELECTOR = re.compile(r"^\s*([a-zA-Z_:][a-zA-Z0-9_:]*)?\s*(?:\{(.*)\})?\s*$", re.S)
MATCHER = re.compile(r'\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"\s*(?:,|$)')
SERIES = re.compile(r"^([^{]+)(?:\{(.*)\})?$", re.S)
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')
NOW_SKEW = 60.0  # an instant query may name a time this close to now

Labels = dict[str, str]


def _unescape(text: str) -> str:
    return text.replace('\\"', '"').replace("\\n", "\n").replace("\\\\", "\\")


def samples(api: Api) -> list[tuple[Labels, float]]:
    """Every series of every group's data plane: its labels (with `__name__` and
    `gateway_group_id`) and its value."""
    api.cp.ensure_default_group()
    found = []
    for group in api.cp.groups():
        for series, value in api.planes.metrics(group["id"]).items():
            parsed = SERIES.match(series)
            if parsed is None:
                continue
            labels = {k: _unescape(v) for k, v in LABEL.findall(parsed.group(2) or "")}
            labels.update({"__name__": parsed.group(1), "gateway_group_id": group["id"]})
            found.append((labels, value))
    return found


def _matchers(expr: str) -> list[tuple[str, str, str]]:
    parsed = SELECTOR.match(expr)
    if parsed is None or not expr.strip():
        raise ApiError(
            400,
            f"unsupported query {expr!r}: this gateway answers instant vector selectors only "
            '(metric{label="value"}), no PromQL functions or operators',
        )
    name, body = parsed.group(1), parsed.group(2) or ""
    matchers = [("__name__", "=", name)] if name else []
    pos = 0
    while pos < len(body.strip()):
        found = MATCHER.match(body, pos)
        if found is None:
            raise ApiError(400, f"invalid label matchers in {expr!r}")
        matchers.append((found.group(1), found.group(2), _unescape(found.group(3))))
        pos = found.end()
    if not matchers:
        raise ApiError(400, f"invalid query {expr!r}: a selector needs a metric name or a matcher")
    return matchers


def _holds(labels: Labels, matchers: list[tuple[str, str, str]]) -> bool:
    for name, op, wanted in matchers:
        value = labels.get(name, "")
        if op == "=" and value != wanted:
            return False
        if op == "!=" and value == wanted:
            return False
        if op in ("=~", "!~"):
            try:
                hit = re.fullmatch(wanted, value) is not None
            except re.error as exc:
                raise ApiError(400, f"invalid regular expression {wanted!r}: {exc}") from None
            if hit != (op == "=~"):
                return False
    return True


def _params(call: Call) -> dict[str, str]:
    params = dict(call.args)
    if isinstance(call.body, dict):
        params.update({k: str(v) for k, v in call.body.items()})
    return params


def _selected(api: Api, params: dict[str, str]) -> list[tuple[Labels, float]]:
    wanted = [params[k] for k in ("match[]",) if k in params]
    rows = samples(api)
    if not wanted:
        return rows
    matchers = [_matchers(expr) for expr in wanted]
    return [(labels, v) for labels, v in rows if any(_holds(labels, m) for m in matchers)]


def _success(data: Any) -> dict[str, Any]:
    return {"value": {"status": "success", "data": data}}


def prometheus(api: Api, call: Call) -> tuple[int, Any]:
    endpoint = call.params["prometheus_path"].strip("/")
    params = _params(call)
    if endpoint == "query":
        if "query" not in params:
            raise ApiError(400, "missing parameter query")
        now = time.time()
        at = params.get("time")
        if at is not None:
            try:
                asked = float(at)
            except ValueError:
                raise ApiError(400, f"invalid parameter time {at!r}") from None
            if abs(asked - now) > NOW_SKEW:
                raise ApiError(400, "unsupported time: this gateway keeps no metric history")
        matchers = _matchers(params["query"])
        result = [
            {"metric": labels, "value": [now, _number(value)]}
            for labels, value in samples(api)
            if _holds(labels, matchers)
        ]
        return 200, _success({"resultType": "vector", "result": result})
    if endpoint == "labels":
        names = {name for labels, _ in _selected(api, params) for name in labels}
        return 200, _success(sorted(names))
    if endpoint == "series":
        return 200, _success([labels for labels, _ in _selected(api, params)])
    label = re.fullmatch(r"label/([a-zA-Z_][a-zA-Z0-9_]*)/values", endpoint)
    if label:
        values = {
            labels[label.group(1)]
            for labels, _ in _selected(api, params)
            if label.group(1) in labels
        }
        return 200, _success(sorted(values))
    if endpoint == "query_range":
        raise ApiError(
            400, "unsupported endpoint query_range: this gateway keeps no metric history"
        )
    raise ApiError(404, f"Prometheus endpoint {endpoint} not found")


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(value)


ROUTES = [
    API("GET", "/control_plane/prometheus/{prometheus_path:path}", prometheus, None),
    API("POST", "/control_plane/prometheus/{prometheus_path:path}", prometheus, None),
]
