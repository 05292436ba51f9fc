"""lua-resty-template's syntax, compiled to a Lua function for the process's Lua runtime (the
subset body-transformer's documentation uses): `{{expr}}` (HTML-escaped), `{*expr*}` (raw),
`{% code %}` (a newline right after `%}` is dropped, as lua-resty-template does) and
`{# comment #}`. Includes, blocks and raw sections (`{(`, `{[`, `{-`) are refused.

The function takes the view's context (a Lua table): names the template uses are looked up
there first, then in the sandbox's globals.
"""

from __future__ import annotations

import base64
import binascii
import re

_BASE64 = re.compile(r"^[A-Za-z0-9+/]*={0,2}$")
_TAG = re.compile(r"\{([{*%#(\[-])")
_CLOSE = {"{": "}}", "*": "*}", "%": "%}", "#": "#}"}
_UNSUPPORTED = {"(": "{(...)} includes", "[": "{[...]} includes", "-": "{-...-} sections"}

# lua-resty-template's escape and output
_PRELUDE = """
local ___ = {}
local HTML = {["&"] = "&amp;", ["<"] = "&lt;", [">"] = "&gt;", ['"'] = "&quot;",
              ["'"] = "&#39;", ["/"] = "&#47;"}
local function output(s)
    if s == nil then return "" end
    if type(s) == "function" then return output(s()) end
    return tostring(s)
end
local function escape(s)
    if type(s) == "string" then return (string.gsub(s, "[\\">/<'&]", HTML)) end
    return output(s)
end
"""


def template_text(conf_text: str) -> str:
    """A configured template: base64-decoded when it is base64, as body-transformer's
    `decode_base64(text) or text` (ngx.decode_base64 answers nil for anything else)."""
    if not _BASE64.match(conf_text) or len(conf_text) % 4 == 1:
        return conf_text
    try:
        return base64.b64decode(conf_text + "=" * (-len(conf_text) % 4)).decode("latin-1")
    except (binascii.Error, ValueError):
        return conf_text


class TemplateError(ValueError):
    """A template this gateway cannot compile (the message names what)."""


def unsupported_feature(text: str) -> str | None:
    """The lua-resty-template feature `text` uses that this gateway lacks, if any."""
    for match in _TAG.finditer(text):
        feature = _UNSUPPORTED.get(match.group(1))
        if feature is not None:
            return feature
    return None


def _literal(text: str) -> str:
    level = 0
    while f"]{'=' * level}]" in text:
        level += 1
    eq = "=" * level
    # a long bracket drops a newline that opens it: keep it with a second one
    opening = "\n" if text.startswith("\n") else ""
    return f"___[#___+1] = [{eq}[{opening}{text}]{eq}]\n"


def lua_source(text: str) -> str:
    """The Lua source of a chunk returning the template's render function."""
    body: list[str] = []
    position = 0
    while True:
        match = _TAG.search(text, position)
        if match is None:
            break
        kind = match.group(1)
        if kind in _UNSUPPORTED:
            raise TemplateError(f"{_UNSUPPORTED[kind]} are not supported")
        end = text.find(_CLOSE[kind], match.end())
        if end < 0:  # not a tag: lua-resty-template keeps it as text
            body.append(_literal(text[position : match.end()]))
            position = match.end()
            continue
        if match.start() > position:
            body.append(_literal(text[position : match.start()]))
        inner = text[match.end() : end].strip()
        position = end + 2
        if kind == "{":
            body.append(f"___[#___+1] = escape({inner})\n")
        elif kind == "*":
            body.append(f"___[#___+1] = output({inner})\n")
        elif kind == "%":
            body.append(inner + "\n")
            if text.startswith("\r\n", position):
                position += 2
            elif text.startswith("\n", position):
                position += 1
    if position < len(text):
        body.append(_literal(text[position:]))
    return "return function()\n" + _PRELUDE + "".join(body) + "return table.concat(___)\nend\n"
