"""Check that a proto resource's `content` is a .proto file that parses, as APISIX compiles it."""

from __future__ import annotations

from antlr4.error.ErrorListener import ErrorListener
from proto_schema_parser.parser import Parser

from ..api.errors import bad_request


class _ProtoSyntaxError(Exception):
    pass


class _RaiseOnError(ErrorListener):
    """The parser recovers from errors by default; a gateway must refuse the file instead."""

    def syntaxError(self, recognizer, offendingSymbol, line, column, msg, e):
        raise _ProtoSyntaxError(f"line {line}:{column} {msg}")


def _strict(recognizer) -> None:
    recognizer.removeErrorListeners()
    recognizer.addErrorListener(_RaiseOnError())


_PARSER = Parser(setup_lexer=_strict, setup_parser=_strict)


def check_proto_content(content: str) -> None:
    try:
        _PARSER.parse(content)
    except (_ProtoSyntaxError, ValueError) as exc:
        raise bad_request(f"invalid content: {exc}") from None
