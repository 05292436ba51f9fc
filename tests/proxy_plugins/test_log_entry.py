"""The log entry's pieces (log-util) and syslog's line and buffer (rfc5424, logger.socket)."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from reference_impl.proxy.plugins.datadog import lua_number
from reference_impl.proxy.plugins.env import PluginEnv
from reference_impl.proxy.plugins.log_entry import multi_dict, uri_args
from reference_impl.proxy.plugins.syslog import Syslog, rfc5424_line


def test_uri_args_as_ngx_get_uri_args() -> None:
    assert uri_args("a=1&b&c=&a=2&d=x+y%21&=skip") == {
        "a": ["1", "2"],
        "b": True,
        "c": "",
        "d": "x y!",
    }


def test_repeated_headers_become_lists() -> None:
    assert multi_dict([("x", "1"), ("y", "2"), ("x", "3"), ("x", "4")]) == {
        "x": ["1", "3", "4"],
        "y": "2",
    }


def test_rfc5424_line() -> None:
    line = rfc5424_line("gw.example", '{"a":1}')
    pattern = (
        r"<46>1 \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z gw\.example apisix \d+ - - \{\"a\":1\}\n"
    )
    assert re.fullmatch(pattern, line)
    assert rfc5424_line(None, "m").split(" ")[2] == "-"


def test_lua_number() -> None:
    assert (lua_number(3), lua_number(2.0), lua_number(1.23456789012345678)) == (
        "3",
        "2",
        "1.2345678901235",
    )


def test_syslog_buffers_until_flush_limit() -> None:
    written: list[bytes] = []

    class Recording(Syslog):
        async def _write(self, data: bytes) -> None:
            written.append(data)

    conf: dict[str, Any] = {"host": "127.0.0.1", "port": 514, "flush_limit": 10, "drop_limit": 25}
    plugin = Recording(conf, PluginEnv([], {}, {}))

    async def scenario() -> None:
        await plugin.send(["abc\n"], 1)  # 4 < 10: held
        await plugin.send(["defgh\n"], 1)  # 10: written with what was held
        await plugin.send(["x" * 30], 1)  # past drop_limit: dropped
        await plugin.send(["ij\n"], 1)

    asyncio.run(scenario())
    assert written == [b"abc\ndefgh\n"]
    assert plugin.buffer == b"ij\n"
