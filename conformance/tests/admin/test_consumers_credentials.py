"""Consumer credentials (APISIX 3.10+ `/consumers/{username}/credentials/{id}`).

Source: t/admin/credentials.t — a credential of an unknown consumer is 404 {"error_msg":
"consumer not found"}; only auth plugins are allowed ("only supports auth type plugins in
consumer credential"); at most one plugin per credential; credentials are listed under their
consumer and never in the consumer list; deleting a consumer deletes its credentials.
"""

from __future__ import annotations

from conformance.registry import conformance_test
from conformance.support.admin_api import expect, expect_error, list_values
from conformance.support.ids import unique_id, unique_username


def _consumer(admin) -> str:
    username = unique_username("cred")
    expect(admin.put("/consumers", json={"username": username}), 200, 201)
    return username


@conformance_test(
    name="credential-crud",
    description="credentials are created, listed, replaced and deleted under their consumer",
    profile="apisix-v3",
    features=["admin-consumer-credentials"],
)
def test_credential_crud(admin):
    username = _consumer(admin)
    base = f"/consumers/{username}/credentials"
    cid = unique_id("cred")
    created = expect(admin.put(f"{base}/{cid}", json={"plugins": {"key-auth": {"key": cid}}}), 201)
    assert created["key"].endswith(f"/consumers/{username}/credentials/{cid}")
    expect(
        admin.put(
            f"{base}/{cid}-b", json={"plugins": {"basic-auth": {"username": cid, "password": "p"}}}
        ),
        201,
    )
    listed = expect(admin.get(base), 200)
    assert sorted(v["id"] for v in list_values(listed)) == [cid, f"{cid}-b"]

    expect(admin.put(f"{base}/{cid}", json={"plugins": {"key-auth": {"key": cid + "-new"}}}), 200)
    expect(admin.get(f"{base}/{cid}"), 200)

    expect(admin.delete(f"{base}/{cid}-b"), 200)
    expect(admin.get(f"{base}/{cid}-b"), 404)
    assert [v["id"] for v in list_values(expect(admin.get(base), 200))] == [cid]


@conformance_test(
    name="credential-needs-consumer",
    description="a credential for a consumer that does not exist is 404 'consumer not found'",
    profile="apisix-v3",
    features=["admin-consumer-credentials"],
)
def test_credential_needs_consumer(admin):
    path = f"/consumers/{unique_username('ghost')}/credentials/{unique_id('cred')}"
    message = expect_error(admin.put(path, json={"plugins": {"key-auth": {"key": "k"}}}), 404)
    assert message == "consumer not found"


@conformance_test(
    name="credential-auth-plugins-only",
    description="credentials take exactly one auth plugin",
    profile="apisix-v3",
    features=["admin-consumer-credentials"],
)
def test_credential_auth_plugins_only(admin):
    base = f"/consumers/{_consumer(admin)}/credentials"
    expect_error(
        admin.put(
            f"{base}/{unique_id('c')}",
            json={
                "plugins": {"limit-count": {"count": 1, "time_window": 60, "rejected_code": 503}}
            },
        ),
        400,
        "only supports auth type plugins in consumer credential",
    )
    expect_error(
        admin.put(
            f"{base}/{unique_id('c')}",
            json={
                "plugins": {
                    "key-auth": {"key": "a"},
                    "basic-auth": {"username": "u", "password": "p"},
                }
            },
        ),
        400,
        "plugins",
    )


@conformance_test(
    name="credentials-not-in-consumer-list",
    description="the consumer list does not contain credentials",
    profile="apisix-v3",
    features=["admin-consumer-credentials"],
)
def test_credentials_not_listed_as_consumers(admin):
    username = _consumer(admin)
    cid = unique_id("cred")
    expect(
        admin.put(
            f"/consumers/{username}/credentials/{cid}", json={"plugins": {"key-auth": {"key": cid}}}
        ),
        201,
    )
    values = list_values(expect(admin.get("/consumers"), 200))
    assert all("username" in v for v in values), values
    assert username in {v["username"] for v in values}


@conformance_test(
    name="consumer-delete-removes-credentials",
    description="deleting a consumer removes its credentials",
    profile="apisix-v3",
    features=["admin-consumer-credentials"],
)
def test_consumer_delete_removes_credentials(admin):
    username = _consumer(admin)
    cid = unique_id("cred")
    expect(
        admin.put(
            f"/consumers/{username}/credentials/{cid}", json={"plugins": {"key-auth": {"key": cid}}}
        ),
        201,
    )
    expect(admin.delete(f"/consumers/{username}"), 200)
    expect(admin.put("/consumers", json={"username": username}), 200, 201)
    assert list_values(expect(admin.get(f"/consumers/{username}/credentials"), 200)) == []


@conformance_test(
    name="credentials-of-unknown-consumer",
    description="listing the credentials of a consumer that does not exist is 404 Key not found",
    profile="apisix-v3",
    features=["admin-consumer-credentials"],
)
def test_credentials_of_unknown_consumer(admin):
    # t/admin/credentials.t TEST 13: after the consumer is deleted, its credentials list is
    # {"message":"Key not found"} with 404
    username = _consumer(admin)
    cid = unique_id("cred")
    base = f"/consumers/{username}/credentials"
    expect(admin.put(f"{base}/{cid}", json={"plugins": {"key-auth": {"key": cid}}}), 201)
    expect(admin.delete(f"/consumers/{username}"), 200)
    for path in (base, f"/consumers/{unique_username('ghost')}/credentials"):
        response = admin.get(path)
        expect(response, 404)
        assert response.json() == {"message": "Key not found"}, response.text
