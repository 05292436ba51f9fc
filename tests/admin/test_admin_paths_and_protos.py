"""Dot segments in admin paths, and proto content that must compile."""

from __future__ import annotations

HELLO = """syntax = "proto3";
package helloworld;
service Greeter { rpc SayHello (HelloRequest) returns (HelloReply) {} }
message HelloRequest { string name = 1; }
message HelloReply { string message = 1; }
"""
ROUTE = {"uri": "/x", "upstream": {"nodes": {"127.0.0.1:1980": 1}}}


def test_encoded_dot_segments_never_name_a_key(api, store):
    assert api.put("/routes/..%2F..%2Fetc", json=ROUTE).status_code == 404
    assert api.put("/routes/a/..%2F..%2F..%2F..%2F..", json=ROUTE).status_code == 400
    assert store.range("/")[0] == []
    assert api.put("/routes/./r1", json=ROUTE).status_code == 201
    assert api.get("/routes/r1").json()["value"]["uri"] == "/x"


def test_proto_content_must_parse(api):
    created = api.put("/protos/p1", json={"content": HELLO})
    assert created.status_code == 201
    for broken in ("message { broken", 'syntax = "proto3"; message A { string a = ; }', "hello"):
        answer = api.put("/protos/p2", json={"content": broken})
        assert answer.status_code == 400, broken
        assert answer.json()["error_msg"].startswith("invalid content: line 1:")
    assert api.get("/protos/p2").status_code == 404
