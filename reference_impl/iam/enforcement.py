"""Finding the table row of a request and the resource ARN it is checked on."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .catalog import catalog_resources
from .endpoints import Endpoint, endpoints

_PARAM = re.compile(r"\{([a-z_]+)(:path)?\}")


@dataclass(frozen=True)
class Match:
    endpoint: Endpoint
    params: dict[str, str]


def _compile(path: str) -> re.Pattern[str]:
    out, pos = "", 0
    for m in _PARAM.finditer(path):
        out += re.escape(path[pos : m.start()])
        out += f"(?P<{m.group(1)}>.+)" if m.group(2) else f"(?P<{m.group(1)}>[^/]+)"
        pos = m.end()
    return re.compile(out + re.escape(path[pos:]) + "/?")


class EndpointTable:
    """Matches (method, path, query arguments) to its row; of several matches the most
    literal path wins (`/api/alert/policies/histories` before
    `/api/alert/policies/{alert_policy_id}`), and of one path the row for a query argument
    the request carries wins over the row without."""

    def __init__(self) -> None:
        self.resources = catalog_resources()
        self.rows: dict[str, list[tuple[int, re.Pattern[str], Endpoint]]] = {}
        for row in endpoints():
            literal = len(_PARAM.sub("", row.path))
            self.rows.setdefault(row.method, []).append((literal, _compile(row.path), row))
        for rows in self.rows.values():
            rows.sort(key=lambda item: (-item[0], item[2].query is None))

    def match(self, method: str, path: str, query: frozenset[str] = frozenset()) -> Match | None:
        method = "GET" if method == "HEAD" else method
        for _, regex, row in self.rows.get(method, ()):
            if row.query is not None and row.query not in query:
                continue
            found = regex.fullmatch(path)
            if found:
                return Match(row, found.groupdict())
        return None

    def resource(self, row: Endpoint, values: Mapping[str, Any], item: str | None = None) -> str:
        """The ARN of the row's action with its `%s` slots filled from `values`; `item`
        fills the last argument `*` (one listed item of a filtered list)."""
        template = row.resource or self.resources[row.action or ""]
        filled = template
        last = len(row.args) - 1
        for index, name in enumerate(row.args):
            if item is not None and index == last and name == "*":
                filled = filled.replace("%s", item, 1)
                continue
            raw = "*" if name == "*" else values.get(name)
            text = str(raw) if isinstance(raw, str | int) and str(raw) else "*"
            filled = filled.replace("%s", text, 1)
        return filled
