"""The Lua runtime of a process: one sandboxed LuaJIT state (APISIX runs LuaJIT) in which
route `filter_func`s and the serverless plugins' functions are compiled and run.

The Lua code acts on the request being served through `ngx` and `core` (prelude.lua); the
Python side of those calls reads and changes the `LuaScope` that `run` installs for the
duration of one call. Lua strings cross as Latin-1 text, so bytes pass through unchanged.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import time
from importlib.resources import files
from typing import Any
from urllib.parse import quote, unquote

from .scope import LuaScope

log = logging.getLogger("reference_impl.lua")

ENCODING = "latin-1"
# ngx.log levels, to Python's
_LOG_LEVELS = {0: 50, 1: 50, 2: 50, 3: 50, 4: 40, 5: 30, 6: 20, 7: 20, 8: 10}


class LuaRuntimeError(RuntimeError):
    """User Lua that raised an error while serving a request."""


class LuaLoadError(ValueError):
    """Code that does not give a function: it does not compile (`stage` "load"), its
    top level fails ("run"), or it gives another type ("type", `message` the type's name)."""

    def __init__(self, stage: str, message: str) -> None:
        super().__init__(f"{stage}: {message}")
        self.stage = stage
        self.message = message


def lua_text(value: str) -> str:
    """`value` as the Latin-1 view of its bytes: request data already is (header values
    are decoded as Latin-1); other text is taken as UTF-8."""
    try:
        value.encode(ENCODING)
    except UnicodeEncodeError:
        return value.encode().decode(ENCODING)
    return value


def from_lua_text(value: Any) -> str:
    """A Lua string as the text its bytes spell in UTF-8 (for JSON and logs)."""
    return str(value).encode(ENCODING).decode("utf-8", "replace")


def _no_attributes(obj: Any, name: Any, is_setting: bool) -> Any:
    # Lua never reaches Python objects' attributes (a function's __globals__, say)
    raise AttributeError(f"not accessible from Lua: {name}")


class LuaRuntime:
    """A sandboxed LuaJIT state and its `ngx`/`core` bridge; see `lua_runtime()`."""

    def __init__(self) -> None:
        import lupa.luajit21 as lupa

        self._lupa = lupa
        self._lua = lupa.LuaRuntime(
            encoding=ENCODING,
            unpack_returned_tuples=True,
            register_eval=False,
            register_builtins=False,
            attribute_filter=_no_attributes,
        )
        self._lua.globals().python = None
        self.scope: LuaScope | None = None
        prelude = files(__package__).joinpath("prelude.lua").read_text(encoding="utf-8")
        self._api = self._lua.execute(prelude, self._lua.table_from(self._bridge()))

    # --- compiling ---------------------------------------------------------------------
    def load(self, source: str) -> tuple[Any, str | None]:
        """Lua's loadstring in the sandbox: (chunk, None) or (None, the compiler's error)."""
        chunk, err = self._api.load(lua_text(source))
        return chunk, (None if chunk is not None else str(err))

    def evaluate(self, chunk: Any) -> tuple[bool, Any]:
        """Run a chunk's top level, with a bounded number of instructions."""
        ok, result = self._api.run_bounded(chunk)
        return bool(ok), result

    def function(self, source: str) -> Any:
        """The Lua function `source` evaluates to, or LuaLoadError."""
        chunk, err = self.load(source)
        if chunk is None:
            raise LuaLoadError("load", str(err))
        ok, value = self.evaluate(chunk)
        if not ok:
            raise LuaLoadError("run", str(value))
        if self._lupa.lua_type(value) != "function":
            raise LuaLoadError("type", self.type_name(value))
        return value

    def type_name(self, value: Any) -> str:
        if value is None:
            return "nil"
        kind = self._lupa.lua_type(value)
        if kind is not None:
            return str(kind)
        if isinstance(value, bool):
            return "boolean"
        return "number" if isinstance(value, int | float) else "string"

    # --- running -----------------------------------------------------------------------
    def call(self, scope: LuaScope, fn: Any, *args: Any) -> tuple[Any, Any]:
        """Call a Lua function for the request of `scope`: its first two results, or
        (None, None) after ngx.exit (recorded on the scope). Lua errors raise
        LuaRuntimeError."""
        outer, self.scope = self.scope, scope
        try:
            status, r1, r2 = self._api.invoke(fn, *args)
        finally:
            self.scope = outer
        if status == "error":
            raise LuaRuntimeError(str(r1))
        if status == "exit":
            return None, None
        return r1, r2

    def render(self, scope: LuaScope, fn: Any, context: Any) -> bytes:
        """A template's output (`template.lua_source`'s function) for a context table, or
        LuaRuntimeError."""
        text, _ = self.call(scope, self._api.render, fn, context)
        return str(text).encode(ENCODING)

    def new_ctx(self) -> Any:
        """A Lua table of APISIX's `api_ctx` for one request (see `LuaScope.ctx_field`)."""
        return self._api.new_ctx()

    @property
    def var_table(self) -> Any:
        """`ngx.var`, the `vars` a filter function gets."""
        return self._api.var

    def table(self, value: dict[str, Any] | list[Any]) -> Any:
        return self._lua.table_from(_to_lua(value), recursive=True)

    def to_python(self, value: Any) -> Any:
        """A Lua value as JSON-able Python (tables with keys 1..n as lists)."""
        if self._lupa.lua_type(value) == "table":
            items = list(value.items())
            if items and all(isinstance(k, int) for k, _ in items):
                keys = sorted(k for k, _ in items)
                if keys == list(range(1, len(keys) + 1)):
                    return [self.to_python(value[k]) for k in keys]
            return {from_lua_text(k): self.to_python(v) for k, v in items}
        if isinstance(value, str):
            return from_lua_text(value)
        if self._lupa.lua_type(value) is not None:
            return None  # functions and userdata have no JSON form
        return value

    # --- the ngx/core bridge (called from Lua) -----------------------------------------
    def _current(self) -> LuaScope:
        scope = self.scope
        if scope is None:
            raise LuaRuntimeError("no request: this API is only available while serving one")
        return scope

    def _bridge(self) -> dict[str, Any]:
        def var(name: str) -> str | None:
            value = self._current().ctx.var(name)
            return None if value is None else lua_text(value)

        def json_encode(value: Any) -> str:
            text = json.dumps(self.to_python(value), separators=(",", ":"), ensure_ascii=False)
            return lua_text(text)

        def json_decode(text: str) -> Any:
            value = json.loads(str(text).encode(ENCODING))
            return self.table(value) if isinstance(value, dict | list) else value

        def out(text: str) -> None:
            # with no request (top-level code run by an Admin API check) output goes nowhere
            if self.scope is not None:
                self.scope.output.append(str(text).encode(ENCODING))

        def log_line(level: int, text: str) -> None:
            log.log(_LOG_LEVELS.get(int(level), 40), "[lua] %s", from_lua_text(text))

        return {
            "var": var,
            "set_var": lambda name, value: self._current().set_var(name, value),
            "out": out,
            "exit": lambda status: self._current().exit(int(status)),
            "log": log_line,
            "time": lambda precise: time.time() if precise else int(time.time()),
            "md5": lambda text: hashlib.md5(str(text).encode(ENCODING)).hexdigest(),
            "encode_base64": lambda text: base64.b64encode(str(text).encode(ENCODING)).decode(),
            "decode_base64": lambda text: base64.b64decode(str(text)).decode(ENCODING),
            "escape_uri": lambda text: quote(str(text).encode(ENCODING), safe=""),
            "unescape_uri": lambda text: unquote(str(text), encoding=ENCODING),
            "get_headers": lambda: self.table(self._current().request_headers()),
            "req_header": lambda name: self._current().request_header(str(name)),
            "set_header": lambda name, value: self._current().set_request_header(
                str(name), None if value is None else str(value)
            ),
            "get_uri_args": lambda: self.table(self._current().uri_args()),
            "resp_header": lambda name: self._current().response_header(str(name)),
            "set_resp_header": lambda name, value: self._current().set_response_header(
                str(name), None if value is None else str(value)
            ),
            "add_resp_header": lambda name, value: self._current().add_response_header(
                str(name), str(value)
            ),
            "status": lambda: self._current().status(),
            "set_status": lambda value: self._current().set_status(int(value)),
            "arg": lambda index: self._current().arg(int(index)),
            "set_arg": lambda index, value: self._current().set_arg(int(index), value),
            "hold_body_chunk": lambda: self._current().hold_body_chunk(),
            "lua_ctx": lambda: self._current().lua_ctx(self),
            "ctx_field": lambda name: self._current().ctx_field(self, str(name)),
            "ngx_ctx": lambda: self._current().ngx_ctx(self),
            "json_encode": json_encode,
            "json_decode": json_decode,
        }


def _to_lua(value: Any) -> Any:
    if isinstance(value, str):
        return lua_text(value)
    if isinstance(value, dict):
        return {_to_lua(k): _to_lua(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_to_lua(v) for v in value]
    return value


_RUNTIME: LuaRuntime | None = None


def lua_runtime() -> LuaRuntime:
    """The process's Lua runtime (made on first use: processes without Lua never load it)."""
    global _RUNTIME
    if _RUNTIME is None:
        _RUNTIME = LuaRuntime()
    return _RUNTIME
