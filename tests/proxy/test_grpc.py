"""Proxying gRPC: a real grpcio server as the `grpc`/`grpcs` upstream and a real grpcio client
through the gateway's h2c port: unary calls, errors with their trailers, and bidirectional
streaming with each reply arriving before the next request is sent."""

from __future__ import annotations

import queue
from collections.abc import Iterator

import grpc
import pytest

from conformance.support.certs import make_certificate
from conformance.support.grpc_upstream import GrpcUpstream, greeter_stub, hello_request


@pytest.fixture
def greeter() -> Iterator[GrpcUpstream]:
    with GrpcUpstream() as up:
        yield up


def _grpc_route(node: str, scheme: str = "grpc", **upstream) -> dict:
    return {
        "uri": "/helloworld.Greeter/*",
        "upstream": {"scheme": scheme, "type": "roundrobin", "nodes": {node: 1}, **upstream},
    }


@pytest.fixture
def stub(gateway) -> Iterator:
    with grpc.insecure_channel(f"127.0.0.1:{gateway.port}") as channel:
        yield greeter_stub(channel)


def test_unary_call(gateway, greeter, stub):
    gateway.put("routes", "1", _grpc_route(greeter.node))
    gateway.wait_config()
    reply, call = stub.SayHello.with_call(
        hello_request("bob", 2), metadata=[("x-caller", "t1")], timeout=5
    )
    assert reply.message == "Hello bob Hello bob" and reply.count == 2
    assert call.code() == grpc.StatusCode.OK
    assert greeter.greeter.metadata[-1]["x-caller"] == "t1"
    assert greeter.greeter.metadata[-1]["x-real-ip"] == "127.0.0.1"


def test_error_status_and_trailers_pass_through(gateway, greeter, stub):
    gateway.put("routes", "1", _grpc_route(greeter.node))
    gateway.wait_config()
    with pytest.raises(grpc.RpcError) as failure:
        stub.SayHello(hello_request(""), timeout=5)
    assert failure.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert failure.value.details() == "name is required"
    assert ("x-greeter-error", "empty-name") in [
        tuple(m) for m in failure.value.trailing_metadata()
    ]


def test_bidirectional_streaming_interleaves(gateway, greeter, stub):
    gateway.put("routes", "1", _grpc_route(greeter.node))
    gateway.wait_config()
    outbox: queue.Queue = queue.Queue()

    def requests():
        while (item := outbox.get()) is not None:
            yield item

    replies = stub.Chat(requests(), timeout=10)
    for index, name in enumerate(["a", "b", "c"]):
        outbox.put(hello_request(name, index + 1))
        reply = next(replies)  # answered before the next request exists
        assert reply.message == " ".join([f"Hello {name}"] * (index + 1))
    outbox.put(None)
    assert list(replies) == []
    assert replies.code() == grpc.StatusCode.OK


def test_grpcs_upstream(gateway, stub):
    cert = make_certificate("localhost")
    with GrpcUpstream(cert.cert_pem, cert.key_pem) as secure:
        gateway.put("routes", "1", _grpc_route(secure.node, "grpcs"))
        gateway.wait_config()
        assert stub.SayHello(hello_request("tls"), timeout=5).message == "Hello tls"


def test_unreachable_node_answers_unavailable(gateway, stub):
    gateway.put("routes", "1", _grpc_route("127.0.0.1:1"))
    gateway.wait_config()
    with pytest.raises(grpc.RpcError) as failure:
        stub.SayHello(hello_request("x"), timeout=5)
    assert failure.value.code() == grpc.StatusCode.UNAVAILABLE  # HTTP 502 from the gateway
