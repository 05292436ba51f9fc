"""file-logger: one JSON log entry per line appended to `path`, written in the log phase.

Sources: APISIX 3.5 file-logger docs and apisix/plugins/file-logger.lua: each entry is
JSON-encoded and written with a newline to the file at `path` (opened for append);
`log_format` makes the entry its `$variable`s plus route_id; `include_resp_body` adds
response.body; `match` (a list of lua-resty-expr rules) logs only requests a rule matches.
The file is read by the test, so the gateway must run on this machine (as the embedded
reference does).
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from typing import Any

import pytest

from conformance.registry import conformance_test
from conformance.support.log_receivers import arrived, serve_logged, settle

FEATURE = "dp-plugin-file-logger"


@pytest.fixture
def log_path() -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="gwconform-file-logger-") as folder:
        yield os.path.join(folder, "access.log")


def _lines(path: str) -> list[dict[str, Any]]:
    try:
        with open(path, encoding="utf-8") as file:
            return [json.loads(line) for line in file.read().splitlines()]
    except FileNotFoundError:
        return []


@conformance_test(
    name="file-logger-entry",
    description="file-logger appends the default log entry as one JSON line",
    profile="dataplane",
    features=[FEATURE],
)
def test_file_logger_entry(admin, dataplane, gw_target, echo, tag, log_path):
    conf = {"path": log_path, "include_resp_body": True}
    serve_logged(admin, dataplane, gw_target.timeouts, tag, echo, {"file-logger": conf})
    response = dataplane.get(f"/{tag}/look?q=1")
    assert response.status_code == 200

    def mine() -> list[dict[str, Any]]:
        return [e for e in _lines(log_path) if e["request"]["uri"] == f"/{tag}/look?q=1"]

    [entry] = arrived(mine, 1)
    assert entry["route_id"] == tag
    assert entry["request"]["method"] == "GET"
    assert entry["request"]["querystring"] == {"q": "1"}
    assert entry["response"]["status"] == 200
    assert entry["response"]["body"] == response.text
    assert entry["upstream"] == echo.node


@conformance_test(
    name="file-logger-log-format-match",
    description="file-logger writes log_format entries, only for requests `match` selects",
    profile="dataplane",
    features=[FEATURE],
)
def test_file_logger_log_format_and_match(admin, dataplane, gw_target, echo, tag, log_path):
    conf = {
        "path": log_path,
        "log_format": {"uri": "$uri", "who": "$arg_who", "status": "$status"},
        "match": [[["arg_who", "==", "jack"]], [["arg_who", "==", "rose"]]],
    }
    serve_logged(admin, dataplane, gw_target.timeouts, tag, echo, {"file-logger": conf})
    settle(lambda: len(_lines(log_path)), lambda: None, 0.5)
    assert _lines(log_path) == [], "the probes do not match: nothing logged"
    for who in ("jack", "tom", "rose"):
        assert dataplane.get(f"/{tag}/m", params={"who": who}).status_code == 200
    entries = arrived(lambda: _lines(log_path), 2)
    settle(lambda: len(_lines(log_path)), lambda: None, 0.5)
    assert _lines(log_path) == [
        {"uri": f"/{tag}/m", "who": "jack", "status": "200", "route_id": tag},
        {"uri": f"/{tag}/m", "who": "rose", "status": "200", "route_id": tag},
    ], entries
