"""A real gRPC server (grpcio) on 127.0.0.1 for the gRPC proxying tests, and clients for it.

It serves `helloworld.Greeter` from `GREETER_PROTO`, compiled when first used (grpc_tools):
`SayHello` (unary; an empty name fails with INVALID_ARGUMENT and a trailer) and `Chat`
(bidirectional streaming: each request answered as it arrives). The same proto text is what
the grpc-transcode tests store at `/apisix/admin/protos`.
"""

from __future__ import annotations

import sys
import tempfile
import threading
from collections.abc import Iterator
from concurrent import futures
from functools import cache
from pathlib import Path
from types import ModuleType, TracebackType
from typing import Any

import grpc

GREETER_PROTO = """syntax = "proto3";
package helloworld;

service Greeter {
  rpc SayHello (HelloRequest) returns (HelloReply) {}
  rpc Chat (stream HelloRequest) returns (stream HelloReply) {}
}

enum Mood {
  CALM = 0;
  HAPPY = 1;
}

message HelloRequest {
  string name = 1;
  int32 times = 2;
  Mood mood = 3;
}

message HelloReply {
  string message = 1;
  int64 count = 2;
  Mood mood = 3;
}
"""
FAILED_NAME_TRAILER = ("x-greeter-error", "empty-name")
_lock = threading.Lock()


@cache
def greeter_modules() -> tuple[ModuleType, ModuleType]:
    """(messages, services) modules of `GREETER_PROTO`, compiled once per process."""
    with _lock:
        folder = tempfile.mkdtemp(prefix="gwconform-grpc-")
        Path(folder, "gwconform_greeter.proto").write_text(GREETER_PROTO)
        sys.path.insert(0, folder)
        try:
            return grpc.protos_and_services("gwconform_greeter.proto")
        finally:
            sys.path.remove(folder)


def _greeting(messages: ModuleType, request: Any) -> Any:
    times = max(request.times, 1)
    return messages.HelloReply(
        message=" ".join([f"Hello {request.name}"] * times), count=times, mood=request.mood
    )


class _Greeter:
    def __init__(self, messages: ModuleType) -> None:
        self.messages = messages
        self.metadata: list[dict[str, str]] = []  # the invocation metadata of each call

    def SayHello(self, request: Any, context: grpc.ServicerContext) -> Any:
        self.metadata.append({k: v for k, v in context.invocation_metadata()})
        if not request.name:
            context.set_trailing_metadata([FAILED_NAME_TRAILER])
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, "name is required")
        return _greeting(self.messages, request)

    def Chat(self, requests: Iterator[Any], context: grpc.ServicerContext) -> Iterator[Any]:
        self.metadata.append({k: v for k, v in context.invocation_metadata()})
        for request in requests:
            yield _greeting(self.messages, request)


class GrpcUpstream:
    """The Greeter on 127.0.0.1 (a free port), plaintext or TLS (`cert_pem`, `key_pem`)."""

    def __init__(self, cert_pem: str | None = None, key_pem: str | None = None) -> None:
        self.messages, services = greeter_modules()
        self.greeter = _Greeter(self.messages)
        self._server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
        services.add_GreeterServicer_to_server(self.greeter, self._server)
        if cert_pem and key_pem:
            creds = grpc.ssl_server_credentials([(key_pem.encode(), cert_pem.encode())])
            self.port = self._server.add_secure_port("127.0.0.1:0", creds)
        else:
            self.port = self._server.add_insecure_port("127.0.0.1:0")
        self.host = "127.0.0.1"

    @property
    def node(self) -> str:
        return f"{self.host}:{self.port}"

    def start(self) -> GrpcUpstream:
        self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop(grace=None)

    def __enter__(self) -> GrpcUpstream:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def greeter_stub(channel: grpc.Channel) -> Any:
    """A Greeter client on `channel` (e.g. `grpc.insecure_channel("127.0.0.1:9080")`)."""
    _, services = greeter_modules()
    return services.GreeterStub(channel)


def hello_request(name: str, times: int = 1) -> Any:
    messages, _ = greeter_modules()
    return messages.HelloRequest(name=name, times=times)


def hello_reply_of(data: bytes) -> Any:
    messages, _ = greeter_modules()
    return messages.HelloReply.FromString(data)
