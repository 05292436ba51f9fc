"""grpc-transcode and grpc-web against a real grpcio upstream: query, JSON and form requests
transcoded to a unary call and its reply to JSON (pb_option honoured), grpc-status mapped
to HTTP, an unknown method 503; gRPC-Web binary and text framing with the trailer frame,
its preflight and refusals."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import httpx
import pytest

from conformance.support.grpc_upstream import (
    GREETER_PROTO,
    GrpcUpstream,
    hello_reply_of,
    hello_request,
)
from reference_impl.proxy.plugins.grpc_web import trailer_frame
from reference_impl.schema.plugins import check_plugin


@pytest.fixture
def greeter() -> Iterator[GrpcUpstream]:
    with GrpcUpstream() as up:
        yield up


def _route(greeter: GrpcUpstream, uri: str, plugin: str, conf: dict) -> dict:
    return {
        "uri": uri,
        "upstream": {"scheme": "grpc", "type": "roundrobin", "nodes": {greeter.node: 1}},
        "plugins": {plugin: check_plugin(plugin, conf)},  # defaults filled as the Admin API does
    }


def _transcode(method: str = "SayHello", **extra) -> dict:
    return {"proto_id": "1", "service": "helloworld.Greeter", "method": method, **extra}


@pytest.fixture
def transcoding(gateway, greeter):
    gateway.put("protos", "1", {"content": GREETER_PROTO})
    gateway.put("routes", "1", _route(greeter, "/hello", "grpc-transcode", _transcode()))
    gateway.wait_config()
    return gateway


def test_transcode_query_arguments(transcoding):
    answer = httpx.get(f"{transcoding.url}/hello?name=world&times=2", timeout=5)
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/json"
    assert answer.json() == {"message": "Hello world Hello world", "count": 2, "mood": "CALM"}


def test_transcode_json_and_form_bodies(transcoding):
    body = {"name": "json", "mood": "HAPPY", "unknown": 1}  # unknown fields are left out
    answer = httpx.post(f"{transcoding.url}/hello", json=body, timeout=5)
    assert answer.status_code == 200
    assert answer.json() == {"message": "Hello json", "count": 1, "mood": "HAPPY"}
    form = httpx.post(f"{transcoding.url}/hello", data={"name": "form"}, timeout=5)
    assert form.json()["message"] == "Hello form"


def test_transcode_pb_options(gateway, greeter):
    conf = _transcode(pb_option=["enum_as_value", "no_default_values"])
    gateway.put("protos", "1", {"content": GREETER_PROTO})
    gateway.put("routes", "1", _route(greeter, "/hello", "grpc-transcode", conf))
    gateway.wait_config()
    answer = httpx.post(f"{gateway.url}/hello", json={"name": "v", "mood": "HAPPY"}, timeout=5)
    assert answer.json() == {"message": "Hello v", "count": 1, "mood": 1}


def test_transcode_maps_grpc_status_and_errors(transcoding, greeter):
    failed = httpx.get(f"{transcoding.url}/hello", timeout=5)  # empty name: INVALID_ARGUMENT
    assert failed.status_code == 400
    assert failed.headers["grpc-status"] == "3"
    assert failed.headers["grpc-message"] == "name is required"
    not_encodable = httpx.get(f"{transcoding.url}/hello?times=abc", timeout=5)
    assert not_encodable.status_code == 400
    transcoding.put("routes", "2", _route(greeter, "/nope", "grpc-transcode", _transcode("Nope")))
    transcoding.wait_config()
    assert httpx.get(f"{transcoding.url}/nope", timeout=5).status_code == 503


def _framed(name: str) -> bytes:
    message = hello_request(name).SerializeToString()
    return b"\x00" + len(message).to_bytes(4, "big") + message


@pytest.fixture
def web(gateway, greeter):
    gateway.put("routes", "1", _route(greeter, "/web/*", "grpc-web", {}))
    gateway.wait_config()
    return gateway


def _frames(data: bytes) -> list[tuple[int, bytes]]:
    frames = []
    while data:
        size = int.from_bytes(data[1:5], "big")
        frames.append((data[0], data[5 : 5 + size]))
        data = data[5 + size :]
    return frames


def _call_web(web, content: bytes, content_type: str) -> httpx.Response:
    return httpx.post(
        f"{web.url}/web/helloworld.Greeter/SayHello",
        content=content,
        headers={"content-type": content_type},
        timeout=5,
    )


def test_grpc_web_binary(web):
    answer = _call_web(web, _framed("web"), "application/grpc-web+proto")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/grpc-web+proto"
    assert answer.headers["access-control-allow-origin"] == "*"
    (kind, message), trailer = _frames(answer.content)
    assert kind == 0 and hello_reply_of(message).message == "Hello web"
    assert trailer == (0x80, trailer_frame("0", "")[5:])


def test_grpc_web_text(web):
    answer = _call_web(web, base64.b64encode(_framed("text")), "application/grpc-web-text")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/grpc-web-text"
    decoded = b"".join(
        base64.b64decode(part + b"==") for part in answer.content.split(b"=") if part
    )
    frames = _frames(decoded)
    assert hello_reply_of(frames[0][1]).message == "Hello text"
    assert frames[-1][0] == 0x80


def test_grpc_web_error_is_trailers_only(web):
    answer = _call_web(web, _framed(""), "application/grpc-web")
    assert answer.status_code == 200
    assert answer.headers["grpc-status"] == "3"
    assert answer.content == b""  # the status went in the headers: no trailer frame


def test_grpc_web_preflight_and_refusals(web):
    preflight = httpx.options(f"{web.url}/web/helloworld.Greeter/SayHello", timeout=5)
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-methods"] == "POST"
    assert (
        preflight.headers["access-control-allow-headers"] == "content-type,x-grpc-web,x-user-agent"
    )
    assert httpx.get(f"{web.url}/web/x", timeout=5).status_code == 405
    wrong_type = httpx.post(f"{web.url}/web/x", content=b"", headers={"content-type": "text/plain"})
    assert wrong_type.status_code == 400
    bad_text = _call_web(web, b"%%%", "application/grpc-web-text")
    assert bad_text.status_code == 400
