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


def test_ids_with_control_characters_are_refused_in_json(api, store):
    answer = api.put("/routes/a%0Ab", json=ROUTE)
    assert answer.status_code == 400
    assert "id" in answer.json()["error_msg"]
    assert api.get("/routes/a%0Ab").status_code == 404
    assert store.range("/")[0] == []


def test_page_numbers_beyond_the_list_are_empty_pages(api):
    assert api.put("/routes/r1", json=ROUTE).status_code == 201
    for page in ("1000000000", "772625564001627041888734625660928", "9" * 5000):
        answer = api.get("/routes", params={"page": page, "page_size": "10"})
        assert answer.status_code == 200
        assert answer.json() == {"total": 1, "list": []}
    for page in ("0", "000", "-1", "1.5"):
        assert api.get("/routes", params={"page": page, "page_size": "10"}).status_code == 400
