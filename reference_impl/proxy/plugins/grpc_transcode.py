"""grpc-transcode: an HTTP request (JSON body, form or query arguments) becomes a unary gRPC
call of `service`/`method` from a stored proto, and the gRPC reply a JSON body, with the
grpc-status mapped to an HTTP status (apisix/plugins/grpc-transcode.lua)."""

from __future__ import annotations

import base64
import binascii
import json
import logging
from typing import Any
from urllib.parse import parse_qsl

from google.protobuf.descriptor import MethodDescriptor
from google.protobuf.message import Message

from ..grpc_codec import REQUEST_CODEC
from ..plugin_api import Ctx, Plugin, Response, ResponseHead
from .grpc_proto import CompiledProto, ProtoError, compile_proto, status_proto, to_message, to_table

log = logging.getLogger(__name__)

# grpc-status to HTTP status (https://cloud.google.com/apis/design/errors#handling_errors)
STATUS_REL = {
    "1": 499,
    "2": 500,
    "3": 400,
    "4": 504,
    "5": 404,
    "6": 409,
    "7": 403,
    "8": 429,
    "9": 400,
    "10": 409,
    "11": 400,
    "12": 501,
    "13": 500,
    "14": 503,
    "15": 500,
    "16": 401,
}
_CALL = "grpc_transcode_call"  # ctx.state: (proto, method) of the call made
_HELD = "grpc_transcode_body"  # ctx.state: the response body held until its end
DEFAULT_PB_OPTION = ["enum_as_name", "int64_as_number", "auto_default_values", "disable_hooks"]
CLIENT_MAX_BODY = 1024 * 1024  # nginx's client_max_body_size: the request body read whole


def _arguments(text: str) -> dict[str, Any]:
    """ngx.req.get_uri_args / get_post_args: a repeated name gives a list."""
    table: dict[str, Any] = {}
    for name, value in parse_qsl(text, keep_blank_values=True):
        if name in table:
            previous = table[name]
            table[name] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            table[name] = value
    return table


class _Transcoder:
    """The request codec (`grpc_forward.RequestCodec`): the request table as the input
    message, framed as one gRPC message."""

    max_body = CLIENT_MAX_BODY
    too_large = 413

    def __init__(self, message: Message, method: str, content_type: str, query: str) -> None:
        self.message = message
        self.method = method
        self.content_type = content_type
        self.query = query

    def _table(self, body: bytes) -> dict[str, Any]:
        if "application/json" in self.content_type and self.method in ("POST", "PUT", "PATCH"):
            try:
                data = json.loads(body)
            except ValueError:
                data = None
            if isinstance(data, dict):
                return data
        if self.method == "POST":
            return _arguments(body.decode("latin-1"))
        return _arguments(self.query)

    def encode(self, body: bytes) -> bytes | int:
        try:
            data = to_message(self._table(body), self.message)
        except ValueError as exc:
            log.error("transform request error: failed to encode request data to protobuf: %s", exc)
            return 400
        return b"\x00" + len(data).to_bytes(4, "big") + data


class GrpcTranscode(Plugin):
    name = "grpc-transcode"
    priority = 506

    def __init__(self, conf: dict[str, Any], env: Any) -> None:
        super().__init__(conf, env)
        self.options: list[str] = sorted(conf.get("pb_option") or DEFAULT_PB_OPTION)

    def _proto(self) -> CompiledProto | None:
        proto = self.env.protos.get(str(self.conf["proto_id"]))
        if not isinstance(proto, dict) or not isinstance(proto.get("content"), str):
            log.error("proto load error: proto %s not found", self.conf["proto_id"])
            return None
        try:
            return compile_proto(proto["content"])
        except ProtoError as exc:
            log.error("proto load error: %s", exc)
            return None

    async def access(self, ctx: Ctx) -> Response | None:
        compiled = self._proto()
        if compiled is None:
            return None  # as APISIX: the request goes on untranscoded
        service, name = self.conf["service"], self.conf["method"]
        method = compiled.method(service, name)
        message = compiled.message(method.input_type.full_name) if method is not None else None
        if method is None or message is None:
            log.error("transform request error: Undefined service method: %s/%s end", service, name)
            return Response(503)
        request = ctx.request
        codec = _Transcoder(
            message, request.method, request.headers.get("content-type", ""), request.query
        )
        ctx.state[REQUEST_CODEC] = codec
        ctx.state[_CALL] = (compiled, method)
        request.method = "POST"
        ctx.upstream_uri = f"/{service}/{name}"
        ctx.upstream_headers["Content-Type"] = "application/grpc"
        deadline = self.conf.get("deadline") or 0
        if deadline > 0:
            ctx.upstream_headers["grpc-timeout"] = f"{deadline:g}m"
        return None

    def header_filter(self, ctx: Ctx, head: ResponseHead) -> None:
        if head.status >= 300:
            return
        head.set("Content-Type", "application/json")
        head.set("Content-Length", None)
        grpc_status = head.get("grpc-status")
        if grpc_status is not None and grpc_status != "0":
            head.status = STATUS_REL.get(grpc_status, 599)
        else:
            head.headers += [("Trailer", "grpc-status"), ("Trailer", "grpc-message")]

    def body_filter(self, ctx: Ctx, chunk: bytes, eof: bool) -> bytes:
        head: ResponseHead | None = ctx.state.get("response_head")
        status = head.status if head is not None else 200
        show_status = self.conf.get("show_status_in_body", False)
        call: tuple[CompiledProto, MethodDescriptor] | None = ctx.state.get(_CALL)
        if (status >= 300 and not show_status) or call is None:
            return chunk
        held: bytearray = ctx.state.setdefault(_HELD, bytearray())
        room = self.conf.get("max_resp_body_size", 67108864) - len(held)
        held += chunk[: max(room, 0)]  # beyond the limit the response is truncated
        if not eof:
            return b""
        if status >= 300:
            return self._error_body(head, call[0]) or bytes(held)
        compiled, method = call
        data = bytes(held) if ctx.request.headers.get("x-grpc-web") else bytes(held[5:])
        reply = compiled.message(method.output_type.full_name)
        try:
            table = to_table(data, reply, self.options) if reply is not None else None
        except ValueError:
            table = None
        if table is None:
            log.error("transform response error: failed to decode response data by protobuf")
            return b"failed to decode response data by protobuf"
        return json.dumps(table, separators=(",", ":"), ensure_ascii=False).encode()

    def _error_body(self, head: ResponseHead | None, compiled: CompiledProto) -> bytes | None:
        """The decoded grpc-status-details-bin (`show_status_in_body`), if the reply has one."""
        encoded = head.get("grpc-status-details-bin") if head is not None else None
        if encoded is None:
            return None
        try:
            raw = base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
        except (binascii.Error, ValueError):
            return b"grpc-status-details-bin is not base64 format"
        status = status_proto().message("grpc_status.ErrorStatus")
        assert status is not None
        try:
            decoded = to_table(raw, status, self.options)
        except ValueError:
            return b"failed to call pb.decode to decode grpc-status-details-bin"
        detail_type = self.conf.get("status_detail_type")
        details: list[dict[str, Any] | None] = []
        for detail in status.details:
            if not detail_type:
                details.append(
                    {"type_url": detail.type_url, "value": detail.value.decode("latin-1")}
                )
                continue
            message = compiled.message(detail_type)
            try:
                details.append(to_table(detail.value, message, self.options) if message else None)
            except ValueError:
                return b"failed to call pb.decode to decode details in grpc-status-details-bin"
            if details[-1] is None:
                return b"failed to decode details in grpc-status-details-bin"
        if details:
            decoded["details"] = details
        return json.dumps({"error": decoded}, separators=(",", ":"), ensure_ascii=False).encode()
