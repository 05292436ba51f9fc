"""The response envelope on success and failure, token authentication, and id/name rules."""

from __future__ import annotations

import pytest

from conformance.registry import conformance_test

from .envelope import ID, payload, refused


@conformance_test(
    name="cloud-envelope-success",
    description="a successful answer is HTTP 200 with status {code: 0, message} and the payload",
    profile="api7cloud",
    features=["cloud-envelope"],
)
def test_envelope_on_success(cloud) -> None:
    response = cloud.get("/user/me")
    assert response.headers["content-type"].startswith("application/json")
    me = payload(response)
    assert isinstance(me["org_ids"], list) and me["org_ids"]
    assert all(ID.match(org_id) for org_id in me["org_ids"])


@conformance_test(
    name="cloud-envelope-errors",
    description="refused requests answer 4xx with a non-zero status code, a message and an error",
    profile="api7cloud",
    features=["cloud-envelope"],
)
def test_envelope_on_errors(cloud, org) -> None:
    refused(cloud.get("/orgs/999999999999999999"), 404)
    refused(cloud.get(f"/orgs/{org['id']}/clusters", params={"page": 0}), 400)
    refused(
        cloud.post("/orgs", content=b"{broken", headers={"Content-Type": "application/json"}), 400
    )


@conformance_test(
    name="cloud-auth-missing-token",
    description="every endpoint answers 401 in the envelope without an access token",
    profile="api7cloud",
    features=["cloud-auth"],
)
@pytest.mark.parametrize(
    "method, path", [("GET", "/user/me"), ("POST", "/orgs"), ("GET", "/orgs/1")]
)
def test_missing_token(anonymous, method: str, path: str) -> None:
    refused(anonymous.request(method, path, json={"name": "x"}), 401)


@conformance_test(
    name="cloud-auth-bad-token",
    description="a wrong bearer token or another scheme answers 401, nothing is created",
    profile="api7cloud",
    features=["cloud-auth"],
)
def test_bad_token(anonymous, cloud) -> None:
    before = payload(cloud.get("/user/me"))["org_ids"]
    for header in ("Bearer not-a-valid-token", "Basic dXNlcjpwYXNz", "Bearer"):
        reply = anonymous.post(
            "/orgs", json={"name": "gwc_intruder"}, headers={"Authorization": header}
        )
        refused(reply, 401)
    assert payload(cloud.get("/user/me"))["org_ids"] == before


@conformance_test(
    name="cloud-id-pattern",
    description="path ids must match ^[1-9][0-9]*$: others are refused with 400, unknown ones 404",
    profile="api7cloud",
    features=["cloud-validation"],
)
@pytest.mark.parametrize("bad", ["0", "0123", "abc", "-5"])
def test_id_pattern(cloud, bad: str) -> None:
    for path in (f"/orgs/{bad}", f"/clusters/{bad}", f"/apps/{bad}/apis"):
        refused(cloud.get(path), 400, 404)
    refused(cloud.get(f"/orgs/{bad}"), 400)
    refused(cloud.get("/clusters/987654321987654321"), 404)
