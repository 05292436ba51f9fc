"""Token authentication, the envelope of every answer, and malformed requests."""

from __future__ import annotations

import pytest

from reference_impl.store import MemoryStore

from .conftest import Cloud


def test_success_envelope_has_status_error_and_payload(cloud: Cloud) -> None:
    body = cloud.http.get(f"/orgs/{cloud.org_id}").json()
    assert set(body) == {"status", "error", "payload"}
    assert body["payload"]["id"] == cloud.org_id


@pytest.mark.parametrize(
    "headers, reason",
    [
        ({}, "missing access token"),
        ({"Authorization": "Bearer wrong-token"}, "invalid access token"),
        ({"Authorization": "Basic abc"}, "invalid authorization header"),
        ({"Authorization": "Bearer "}, "invalid authorization header"),
    ],
)
def test_requests_without_a_valid_token_are_refused(cloud: Cloud, headers, reason) -> None:
    cloud.http.headers.pop("Authorization")
    response = cloud.http.get(f"/orgs/{cloud.org_id}", headers=headers)
    assert reason in Cloud.fails(response, 401, 16)


def test_tokens_come_from_the_gateway_config() -> None:
    configured = {"gwconform": {"cloud": {"tokens": ["tok-one", {"token": "tok-two"}]}}}
    store = MemoryStore()
    for token in ("tok-one", "tok-two"):
        Cloud(store, configured, token=token)  # its constructor asserts 200 answers
    with pytest.raises(AssertionError):
        Cloud(store, configured)  # a token the configuration does not name is refused
    lower = Cloud(store, configured, token="tok-one")
    reply = lower.http.get("/user/me", headers={"Authorization": "bearer tok-one"})
    assert reply.status_code == 200, "the scheme is case-insensitive"


def test_unknown_path_and_method_answer_in_the_envelope(cloud: Cloud) -> None:
    assert "no such endpoint" in Cloud.fails(cloud.http.get("/nothing/here"), 404, 5)
    error = Cloud.fails(cloud.http.put(f"/orgs/{cloud.org_id}", json={}), 405, 12)
    assert "GET" in error and "DELETE" in error


@pytest.mark.parametrize("raw", [b"{not json", b"[1, 2", b"\xff\xfe"])
def test_bodies_that_are_not_json_are_a_400(cloud: Cloud, raw: bytes) -> None:
    response = cloud.http.post("/orgs", content=raw, headers={"Content-Type": "application/json"})
    assert "not valid JSON" in Cloud.fails(response, 400, 3)


@pytest.mark.parametrize("body", [[], "x", 1, None])
def test_bodies_that_are_not_objects_are_a_400(cloud: Cloud, body) -> None:
    response = cloud.http.post("/orgs", json=body)
    Cloud.fails(response, 400, 3)


def test_missing_body_is_a_400(cloud: Cloud) -> None:
    assert "missing request body" in Cloud.fails(cloud.http.post("/orgs"), 400, 3)


def test_oversized_body_is_a_400(cloud: Cloud) -> None:
    response = cloud.http.post("/orgs", content=b"{" + b" " * (2 * 1024 * 1024) + b"}")
    assert "larger than" in Cloud.fails(response, 400, 3)


def test_only_the_api_v1_prefix_reaches_the_cloud_app(cloud: Cloud) -> None:
    outside = cloud.http.get("http://testserver/apisix/admin/routes")
    assert outside.text == "admin"
    assert cloud.http.get("http://testserver/api/v1x/user/me").text == "admin"
    # a decoded newline in a path segment is still the Cloud API's (400, not a bare 404)
    assert "^[1-9][0-9]*$" in Cloud.fails(cloud.http.get("/clusters/a%0Ab/apps"), 400, 3)
