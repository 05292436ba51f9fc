"""Protos of `/apisix/admin/protos` compiled for grpc-transcode (grpc_tools' protoc into a
descriptor pool), and messages converted to and from the tables lua-protobuf makes of them
(`pb_option`: enums as names or values, int64 as numbers or `#`-strings, default values)."""

from __future__ import annotations

import tempfile
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from google.protobuf import descriptor_pb2, descriptor_pool, json_format, message_factory
from google.protobuf.descriptor import Descriptor, FieldDescriptor, MethodDescriptor
from google.protobuf.message import DecodeError, Message
from grpc_tools import protoc

# what grpc-transcode decodes grpc-status-details-bin as (APISIX's grpc_status.ErrorStatus)
_STATUS_PROTO = """syntax = "proto3";
package grpc_status;
import "google/protobuf/any.proto";
message ErrorStatus {
  int32 code = 1;
  string message = 2;
  repeated google.protobuf.Any details = 3;
}
"""
_EXACT = 2**53  # lua numbers hold integers exactly up to here
_INT64 = frozenset(
    [
        FieldDescriptor.TYPE_INT64,
        FieldDescriptor.TYPE_UINT64,
        FieldDescriptor.TYPE_SINT64,
        FieldDescriptor.TYPE_FIXED64,
        FieldDescriptor.TYPE_SFIXED64,
    ]
)


class ProtoError(Exception):
    """The proto does not compile."""


class CompiledProto:
    def __init__(self, pool: descriptor_pool.DescriptorPool) -> None:
        self.pool = pool

    def method(self, service: str, method: str) -> MethodDescriptor | None:
        try:
            found = self.pool.FindServiceByName(service)
        except KeyError:
            return None
        return found.methods_by_name.get(method)

    def message(self, full_name: str) -> Message | None:
        try:
            descriptor = self.pool.FindMessageTypeByName(full_name)
        except KeyError:
            return None
        return message_factory.GetMessageClass(descriptor)()


@lru_cache(maxsize=64)
def compile_proto(content: str) -> CompiledProto:
    """The proto text compiled (imports of Google's well-known types resolve)."""
    well_known = str(resources.files("grpc_tools") / "_proto")
    with tempfile.TemporaryDirectory(prefix="gwconform-proto-") as folder:
        Path(folder, "main.proto").write_text(content)
        out = Path(folder, "main.pb")
        code = protoc.main(
            [
                "protoc",
                f"-I{folder}",
                f"-I{well_known}",
                "--include_imports",
                f"--descriptor_set_out={out}",
                "main.proto",
            ]
        )
        if code != 0 or not out.exists():
            raise ProtoError("the proto does not compile")
        files = descriptor_pb2.FileDescriptorSet.FromString(out.read_bytes())
    pool = descriptor_pool.DescriptorPool()
    for file in files.file:
        pool.Add(file)
    return CompiledProto(pool)


def status_proto() -> CompiledProto:
    return compile_proto(_STATUS_PROTO)


def to_message(table: dict[str, Any], message: Message) -> bytes:
    """A request table (JSON body or arguments) as `message`, serialised; unknown fields are
    left out, as lua-protobuf's pb.encode does. Raises ValueError when a value does not fit."""
    try:
        json_format.ParseDict(table, message, ignore_unknown_fields=True)
    except (json_format.ParseError, TypeError, ValueError) as exc:
        raise ValueError(str(exc)) from None
    return message.SerializeToString()


def to_table(data: bytes, message: Message, options: list[str]) -> dict[str, Any]:
    """`data` decoded as `message`, as pb.decode's table with `options`. Raises ValueError
    when it does not decode."""
    try:
        message.ParseFromString(data)
    except DecodeError as exc:
        raise ValueError(str(exc)) from None
    defaults = "auto_default_values" in options or "use_default_values" in options
    table = json_format.MessageToDict(
        message,
        always_print_fields_with_no_presence=defaults,
        preserving_proto_field_name=True,
        use_integers_for_enums="enum_as_value" in options,
    )
    int64_mode = next((o for o in options if o.startswith("int64_as_")), "int64_as_number")
    return _fix_int64(table, message.DESCRIPTOR, int64_mode)


def _lua_int64(value: int, mode: str) -> int | str:
    """lua-protobuf's int64 in a table: a number, or with int64_as_string/hexstring a
    `#`-string when a number cannot hold it exactly."""
    if mode == "int64_as_number" or -_EXACT <= value <= _EXACT:
        return value
    sign = "-" if value < 0 else ""
    if mode == "int64_as_hexstring":
        return f"#{sign}0x{abs(value):X}"
    return f"#{sign}{abs(value)}"


def _fix_int64(table: dict[str, Any], descriptor: Descriptor, mode: str) -> dict[str, Any]:
    """MessageToDict writes int64 as JSON strings: back to what lua-protobuf makes of them."""
    for field in descriptor.fields:
        name = field.name
        if name not in table:
            continue
        value = table[name]
        repeated = field.is_repeated
        if field.type in _INT64:
            table[name] = (
                [_lua_int64(int(v), mode) for v in value]
                if repeated
                else _lua_int64(int(value), mode)
            )
        elif field.message_type is not None and not field.message_type.GetOptions().map_entry:
            nested = field.message_type
            if repeated:
                table[name] = [
                    _fix_int64(v, nested, mode) if isinstance(v, dict) else v for v in value
                ]
            elif isinstance(value, dict):
                table[name] = _fix_int64(value, nested, mode)
    return table
