"""HTTP/2 and gRPC on the data plane, against a real gRPC server (grpcio, on 127.0.0.1).

Sources: APISIX `conf/config.yaml.example` (`apisix.enable_http2`; the HTTPS listener
negotiates h2 through ALPN, nginx's `http2 on` in `apisix/cli/ngx_tpl.lua` also serving h2c
with prior knowledge on `node_listen` since 3.9; before it, per port), APISIX docs
`grpc-proxy.md` (an upstream with `scheme: grpc` or `grpcs` is proxied over HTTP/2, the
client speaking HTTP/2 to the gateway; `t/node/grpc-proxy-stream.t`: streaming both ways),
`plugins/grpc-transcode.md` and `apisix/plugins/grpc-transcode.lua` (the proto at
`/apisix/admin/protos`, request fields from the JSON body or the arguments, the reply as
JSON, grpc-status mapped to HTTP statuses; an unknown method answers 503), and
`plugins/grpc-web.md` and `apisix/plugins/grpc-web.lua` (gRPC-Web bodies, the trailer
frame, the preflight).
"""

from __future__ import annotations

import base64
import queue
import socket
import ssl
from collections.abc import Iterator
from urllib.parse import urlsplit

import grpc
import httpx
import pytest

from conformance.registry import conformance_test
from conformance.support.certs import GeneratedCertificate, make_certificate
from conformance.support.dataplane_setup import echo_upstream, put, wait_served
from conformance.support.eventually import converge
from conformance.support.grpc_upstream import (
    GREETER_PROTO,
    GrpcUpstream,
    greeter_stub,
    hello_reply_of,
    hello_request,
)
from conformance.support.h2_client import H2Response, h2_request

GREETER_PATHS = "/helloworld.Greeter/*"


@pytest.fixture
def greeter() -> Iterator[GrpcUpstream]:
    with GrpcUpstream() as server:
        yield server


def _address(url: str, default_port: int) -> tuple[str, int]:
    parts = urlsplit(url)
    return parts.hostname or "127.0.0.1", parts.port or default_port


def _tls_address(gw_target) -> tuple[str, int]:
    url = getattr(gw_target, "data_plane_tls_url", None)
    if not url:
        pytest.skip("the target has no HTTPS data plane URL (data_plane_tls_url)")
    return _address(url, 443)


def _grpc_upstream(server: GrpcUpstream, scheme: str = "grpc") -> dict:
    return {"scheme": scheme, "type": "roundrobin", "nodes": {server.node: 1}}


def _serve_tls(admin, tag: str) -> tuple[str, GeneratedCertificate]:
    """An SSL object for a host of the test's own: (host, certificate)."""
    host = f"{tag}.h2.test"
    cert = make_certificate(host)
    put(admin, f"/ssls/{tag}", {"cert": cert.cert_pem, "key": cert.key_pem, "snis": [host]})
    return host, cert


def _tls_h2(address, host: str, cert: GeneratedCertificate, path: str) -> tuple[str, H2Response]:
    """(the ALPN protocol chosen, the response of GET `path` over it)."""
    ctx = ssl.create_default_context(cadata=cert.cert_pem)
    ctx.set_alpn_protocols(["h2", "http/1.1"])
    with (
        socket.create_connection(address, timeout=5) as raw,
        ctx.wrap_socket(raw, server_hostname=host) as sock,
    ):
        protocol = sock.selected_alpn_protocol() or ""
        if protocol != "h2":
            return protocol, H2Response(0, {}, b"")
        return protocol, h2_request(sock, path, host, scheme="https")


@conformance_test(
    name="http2-tls-alpn",
    description="the HTTPS listener offers h2 through ALPN and serves a route over HTTP/2 "
    "as over HTTP/1.1",
    profile="dataplane",
    features=["dp-http2-tls"],
)
def test_http2_over_tls(admin, gw_target, echo, tag):
    address = _tls_address(gw_target)
    host, cert = _serve_tls(admin, tag)
    put(admin, f"/routes/{tag}", {"uri": f"/{tag}/h2", "upstream": echo_upstream(echo)})

    def probe() -> H2Response:
        try:  # until the SSL object is served, the handshake fails
            protocol, answer = _tls_h2(address, host, cert, f"/{tag}/h2?q=1")
        except OSError as exc:
            raise AssertionError(f"https {host}: {type(exc).__name__}: {exc}") from None
        assert protocol == "h2", f"ALPN chose {protocol!r}"
        assert answer.status == 200, answer
        return answer

    converge(probe, gw_target.timeouts)
    seen = echo.requests()[-1]
    assert (seen.path, seen.query) == (f"/{tag}/h2", "q=1")
    assert seen.headers.get("x-forwarded-proto") == "https"
    assert seen.headers.get("host") == host


@conformance_test(
    name="http2-h2c-prior-knowledge",
    description="the plain port serves HTTP/2 with prior knowledge (h2c): routing and a 404 "
    "for no route",
    profile="dataplane",
    features=["dp-h2c"],
)
def test_h2c_prior_knowledge(admin, gw_target, dataplane, echo, tag):
    address = _address(gw_target.data_plane_url, 80)
    put(admin, f"/routes/{tag}", {"uri": f"/{tag}/h2c", "upstream": echo_upstream(echo)})
    wait_served(dataplane, f"/{tag}/h2c", "echo", gw_target.timeouts)

    def get(path: str) -> H2Response:
        with socket.create_connection(address, timeout=5) as sock:
            return h2_request(sock, path, f"{tag}.h2c.test")

    served = converge(lambda: _status(get(f"/{tag}/h2c"), 200), gw_target.timeouts)
    assert echo.requests()[-1].headers.get("host") == f"{tag}.h2c.test"
    assert served.headers.get("content-type", "").startswith("application/json")
    assert get(f"/{tag}/none-here").status == 404


def _status(answer: H2Response, status: int) -> H2Response:
    assert answer.status == status, answer
    return answer


def _tls_channel(address, host: str, cert: GeneratedCertificate) -> grpc.Channel:
    credentials = grpc.ssl_channel_credentials(root_certificates=cert.cert_pem.encode())
    return grpc.secure_channel(
        f"{address[0]}:{address[1]}",
        credentials,
        options=[("grpc.ssl_target_name_override", host), ("grpc.default_authority", host)],
    )


def _say_hello(stub, name: str, times: int = 1):
    return stub.SayHello(hello_request(name, times), timeout=5)


def _check_calls(stub, gw_target) -> None:
    """A unary call, an error with its status and trailers, and a bidirectional stream whose
    replies each arrive before the next request is sent."""

    converge(lambda: _assert_hello(stub, "unary", 2), gw_target.timeouts)
    with pytest.raises(grpc.RpcError) as failure:
        _say_hello(stub, "")
    assert failure.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert failure.value.details() == "name is required"
    trailers = {m.key: m.value for m in failure.value.trailing_metadata()}
    assert trailers.get("x-greeter-error") == "empty-name"
    outbox: queue.Queue = queue.Queue()
    replies = stub.Chat(iter(outbox.get, None), timeout=10)
    for index, name in enumerate(["a", "b", "c"]):
        outbox.put(hello_request(name, index + 1))
        assert next(replies).message == " ".join([f"Hello {name}"] * (index + 1))
    outbox.put(None)
    assert list(replies) == []
    assert replies.code() == grpc.StatusCode.OK


@conformance_test(
    name="grpc-proxy-tls",
    description="a gRPC client on the HTTPS listener reaches a `grpc` upstream: unary, an "
    "error status with its trailers, and bidirectional streaming",
    profile="dataplane",
    features=["dp-grpc", "dp-http2-tls"],
)
def test_grpc_proxy_over_tls(admin, gw_target, greeter, tag):
    address = _tls_address(gw_target)
    host, cert = _serve_tls(admin, tag)
    route = {"uri": GREETER_PATHS, "host": host, "upstream": _grpc_upstream(greeter)}
    put(admin, f"/routes/{tag}", route)
    with _tls_channel(address, host, cert) as channel:
        _check_calls(greeter_stub(channel), gw_target)


@conformance_test(
    name="grpc-proxy-grpcs-upstream",
    description="an upstream with `scheme: grpcs` is reached over TLS",
    profile="dataplane",
    features=["dp-grpc", "dp-http2-tls"],
)
def test_grpcs_upstream(admin, gw_target, tag):
    address = _tls_address(gw_target)
    host, cert = _serve_tls(admin, tag)
    upstream_cert = make_certificate("localhost")
    with GrpcUpstream(upstream_cert.cert_pem, upstream_cert.key_pem) as secure:
        route = {"uri": GREETER_PATHS, "host": host, "upstream": _grpc_upstream(secure, "grpcs")}
        put(admin, f"/routes/{tag}", route)
        with _tls_channel(address, host, cert) as channel:
            stub = greeter_stub(channel)
            converge(lambda: _assert_hello(stub, "tls"), gw_target.timeouts)


def _assert_hello(stub, name: str, times: int = 1) -> None:
    """A unary call answered with its greeting (a failed call is an AssertionError)."""
    try:
        reply = _say_hello(stub, name, times)
    except grpc.RpcError as exc:
        raise AssertionError(f"{exc.code()}: {exc.details()}") from None
    assert reply.message == " ".join([f"Hello {name}"] * times) and reply.count == times


@conformance_test(
    name="grpc-proxy-h2c",
    description="a gRPC client on the plain port (h2c) reaches a `grpc` upstream: unary, "
    "errors and bidirectional streaming",
    profile="dataplane",
    features=["dp-grpc", "dp-h2c"],
)
def test_grpc_proxy_h2c(admin, gw_target, greeter, tag):
    host, port = _address(gw_target.data_plane_url, 80)
    authority = f"{tag}.grpc.test"
    route = {"uri": GREETER_PATHS, "host": authority, "upstream": _grpc_upstream(greeter)}
    put(admin, f"/routes/{tag}", route)
    options = [("grpc.default_authority", authority)]
    with grpc.insecure_channel(f"{host}:{port}", options=options) as channel:
        _check_calls(greeter_stub(channel), gw_target)


def _transcode(proto_id: str, method: str = "SayHello", **extra) -> dict:
    conf = {"proto_id": proto_id, "service": "helloworld.Greeter", "method": method, **extra}
    return {"grpc-transcode": conf}


@conformance_test(
    name="grpc-transcode-json",
    description="grpc-transcode turns query arguments or a JSON body into the call of a "
    "stored proto's method and answers its reply as JSON; grpc-status maps to an HTTP "
    "status, an unknown method answers 503",
    profile="dataplane",
    features=["dp-plugin-grpc-transcode", "dp-grpc"],
)
def test_grpc_transcode(admin, gw_target, dataplane, greeter, tag):
    put(admin, f"/protos/{tag}", {"content": GREETER_PROTO})
    upstream = _grpc_upstream(greeter)
    put(
        admin,
        f"/routes/{tag}",
        {"uri": f"/{tag}/hello", "plugins": _transcode(tag), "upstream": upstream},
    )
    put(
        admin,
        f"/routes/{tag}-unknown",
        {"uri": f"/{tag}/unknown", "plugins": _transcode(tag, "Nope"), "upstream": upstream},
    )
    client = dataplane
    answer = wait_served(client, f"/{tag}/hello?name=world&times=2", None, gw_target.timeouts)
    assert answer.headers["content-type"] == "application/json"
    assert answer.json() == {"message": "Hello world Hello world", "count": 2, "mood": "CALM"}
    posted = client.post(f"/{tag}/hello", json={"name": "json", "mood": "HAPPY"})
    assert posted.status_code == 200
    assert posted.json() == {"message": "Hello json", "count": 1, "mood": "HAPPY"}
    failed = client.get(f"/{tag}/hello")  # no name: INVALID_ARGUMENT (3) is 400
    assert failed.status_code == 400
    assert failed.headers.get("grpc-status") == "3"
    converge(lambda: _status_of(client, f"/{tag}/unknown", 503), gw_target.timeouts)


def _status_of(client: httpx.Client, path: str, status: int) -> None:
    answer = client.get(path)
    assert answer.status_code == status, (answer.status_code, answer.text[:200])


def _framed(name: str) -> bytes:
    message = hello_request(name).SerializeToString()
    return b"\x00" + len(message).to_bytes(4, "big") + message


def _frames(data: bytes) -> list[tuple[int, bytes]]:
    frames = []
    while len(data) >= 5:
        size = int.from_bytes(data[1:5], "big")
        frames.append((data[0], data[5 : 5 + size]))
        data = data[5 + size :]
    return frames


@conformance_test(
    name="grpc-web-calls",
    description="grpc-web proxies binary and base64 gRPC-Web calls to a gRPC upstream and "
    "ends the reply with the trailer frame; OPTIONS is a 204 preflight, GET a 405",
    profile="dataplane",
    features=["dp-plugin-grpc-web", "dp-grpc"],
)
def test_grpc_web(admin, gw_target, dataplane, greeter, tag):
    prefix = f"/{tag}/web"
    put(
        admin,
        f"/routes/{tag}",
        {
            "uri": prefix + "/*",
            "plugins": {"grpc-web": {}},
            "upstream": _grpc_upstream(greeter),
        },
    )
    client = dataplane
    call = f"{prefix}/helloworld.Greeter/SayHello"

    def binary() -> httpx.Response:
        answer = client.post(
            call, content=_framed("web"), headers={"content-type": "application/grpc-web+proto"}
        )
        assert answer.status_code == 200, (answer.status_code, answer.text[:200])
        return answer

    answer = converge(binary, gw_target.timeouts)
    assert answer.headers["content-type"] == "application/grpc-web+proto"
    assert answer.headers["access-control-allow-origin"] == "*"
    frames = _frames(answer.content)
    assert hello_reply_of(frames[0][1]).message == "Hello web"
    assert frames[-1][0] == 0x80 and b"grpc-status:0" in frames[-1][1]
    text = client.post(
        call,
        content=base64.b64encode(_framed("text")),
        headers={"content-type": "application/grpc-web-text"},
    )
    assert text.status_code == 200
    decoded = b"".join(
        base64.b64decode(piece + b"=" * (-len(piece) % 4))
        for piece in text.content.replace(b"=", b" ").split()
    )
    assert hello_reply_of(_frames(decoded)[0][1]).message == "Hello text"
    assert client.options(call).status_code == 204
    assert client.get(call).status_code == 405
