"""Users, roles, permission policies, login and logout, tokens, passwords."""

from __future__ import annotations

import time

from reference_impl.iam.records import iam_records
from reference_impl.store import MemoryStore, StoreUnavailable

from .conftest import ADMIN_KEY, admin_port, allow, client_for, login, make_policy, make_user, ok


def test_bootstrap_admin_has_super_admin_and_configured_password(app, client):
    me = ok(
        client_for(app).post("/api/login", json={"username": "admin", "password": "admin-secret"})
    )
    assert me["value"]["roles"] == ["super_admin"]
    assert "password_hash" not in me["value"]
    bad = client_for(app).post("/api/login", json={"username": "admin", "password": "admin"})
    assert bad.status_code == 401 and "error_msg" in bad.json()
    roles = {r["id"] for r in ok(client.get("/api/roles"))["list"]}
    assert {"super_admin", "admin", "viewer"} <= roles


def test_passwords_are_bcrypt_hashed(store, client):
    user_id = make_user(client, "carol", [])
    stored = iam_records(store).get("users", user_id)
    assert stored["password_hash"].startswith("$2") and "pw-123" not in str(stored)


def test_user_lifecycle(app, client):
    user_id = make_user(client, "dave", [])
    assert ok(client.get(f"/api/users/{user_id}"))["value"]["username"] == "dave"
    ok(client.put(f"/api/users/{user_id}", json={"labels": {"team": "a"}, "name": "Dave"}))
    assert ok(client.get(f"/api/users/{user_id}"))["value"]["labels"] == {"team": "a"}
    assert (
        client.post("/api/invites", json={"username": "dave", "password": "x"}).status_code == 400
    )
    listed = ok(client.get("/api/users", params={"search": "dav"}))
    assert [u["username"] for u in listed["list"]] == ["dave"]
    ok(client.put(f"/api/users/{user_id}/password_reset", json={"password": "new-pw"}))
    login(app, "dave", "new-pw")
    ok(client.put(f"/api/users/{user_id}/assigned_roles", json={"roles": ["viewer"]}))
    assert ok(client.get(f"/api/users/{user_id}"))["value"]["roles"] == ["viewer"]
    assert (
        client.put(f"/api/users/{user_id}/assigned_roles", json={"roles": ["nope"]}).status_code
        == 400
    )
    ok(client.delete(f"/api/users/{user_id}"))
    assert client.get(f"/api/users/{user_id}").status_code == 404
    assert client.delete("/api/users/admin").status_code == 400


def test_my_profile_and_password(app, client):
    make_user(client, "erin", [])
    erin = login(app, "erin")
    assert ok(erin.get("/api/me"))["value"]["username"] == "erin"
    ok(erin.put("/api/me", json={"name": "Erin E"}))
    assert ok(erin.get("/api/me"))["value"]["name"] == "Erin E"
    wrong = erin.put("/api/password", json={"old_password": "nope", "new_password": "x2"})
    assert wrong.status_code == 400
    ok(erin.put("/api/password", json={"old_password": "pw-123", "new_password": "x2"}))
    login(app, "erin", "x2")


def test_logout_ends_the_session(app, client):
    make_user(client, "fay", [])
    fay = login(app, "fay")
    session = fay.cookies.get("api7ee_session")
    ok(fay.post("/api/logout"))
    again = client_for(app)
    again.cookies.set("api7ee_session", session)
    assert again.get("/api/me").status_code == 401


def test_roles_and_policy_attachment(client):
    p1 = make_policy(client, allow(["a"], ["r"]), name="p1")
    p2 = make_policy(client, allow(["b"], ["r"]), name="p2")
    role = ok(client.post("/api/roles", json={"name": "ops", "policies": [p1]}))["value"]
    ok(client.post(f"/api/roles/{role['id']}/attach_permission_policies", json=[p2]))
    attached = ok(client.get(f"/api/roles/{role['id']}/permission_policies"))
    assert {p["id"] for p in attached["list"]} == {p1, p2}
    ok(client.post(f"/api/roles/{role['id']}/detach_permission_policies", json=[p1]))
    assert ok(client.get(f"/api/roles/{role['id']}"))["value"]["policies"] == [p2]
    assert client.put("/api/roles/viewer", json={"name": "x"}).status_code == 400
    assert client.delete("/api/roles/super_admin").status_code == 400
    assert (
        client.post(
            f"/api/roles/{role['id']}/attach_permission_policies", json=["nope"]
        ).status_code
        == 400
    )
    renamed = ok(client.put(f"/api/roles/{role['id']}", json={"name": "ops-2", "policies": [p1]}))
    assert renamed["value"]["name"] == "ops-2" and renamed["value"]["policies"] == [p1]
    ok(client.delete(f"/api/roles/{role['id']}"))
    assert client.get(f"/api/roles/{role['id']}").status_code == 404


def test_policy_crud_references_and_delete_in_use(client):
    pid = make_policy(client, allow(["a"], ["r"]))
    ok(
        client.put(
            f"/api/permission_policies/{pid}",
            json={"name": "p2", "policy_document": {"statement": [allow(["b"], ["r"])]}},
        )
    )
    assert ok(client.get(f"/api/permission_policies/{pid}"))["value"]["name"] == "p2"
    user_id = make_user(client, "gil", [pid], boundaries=[pid])
    refs = ok(client.get(f"/api/permission_policies/{pid}/references"))
    assert {r["type"] for r in refs["list"]} == {"role", "user"} and refs["total"] == 2
    refused = client.delete(f"/api/permission_policies/{pid}")
    assert refused.status_code == 400 and "referenced" in refused.json()["error_msg"]
    bad = {"name": "bad", "policy_document": {"statement": [allow(["<(>"], ["r"])]}}
    assert client.post("/api/permission_policies", json=bad).status_code == 400
    assert (
        client.delete("/api/permission_policies/super-admin-permission-policy").status_code == 400
    )
    ok(client.put(f"/api/users/{user_id}/boundaries", json=[]))
    assert ok(client.get(f"/api/permission_policies/{pid}/references"))["total"] == 1
    listed = ok(client.get("/api/permission_policies", params={"search": "p2"}))
    assert [p["id"] for p in listed["list"]] == [pid]
    ok(client.delete(f"/api/users/{user_id}"))
    for role in ok(client.get("/api/roles", params={"search": "role-gil"}))["list"]:
        ok(client.delete(f"/api/roles/{role['id']}"))
    ok(client.delete(f"/api/permission_policies/{pid}"))
    assert client.get(f"/api/permission_policies/{pid}").status_code == 404


def test_tokens_shown_once_stored_hashed_and_revoked_at_once(app, store, client):
    make_user(client, "hal", [make_policy(client, allow(["<.*>"], ["<.*>"]))])
    hal = login(app, "hal")
    created = ok(hal.post("/api/tokens", json={"name": "ci", "expires_at": 0}))["value"]
    secret = created["token"]
    assert secret.startswith("a7ee-")
    shown = ok(hal.get(f"/api/tokens/{created['id']}"))["value"]
    assert "token" not in shown and "token_digest" not in shown
    assert secret not in str(iam_records(store).get("tokens", created["id"]))
    assert [t["name"] for t in ok(hal.get("/api/tokens"))["list"]] == ["ci"]
    ok(hal.put(f"/api/tokens/{created['id']}", json={"name": "ci-2"}))
    by_token = client_for(app, secret)
    assert ok(by_token.get("/api/me"))["value"]["username"] == "hal"
    regenerated = ok(hal.put(f"/api/tokens/{created['id']}/regenerate", json={"expires_at": 0}))
    assert by_token.get("/api/me").status_code == 401
    new_client = client_for(app, regenerated["value"]["token"])
    assert new_client.get("/api/me").status_code == 200
    ok(hal.delete(f"/api/tokens/{created['id']}"))
    assert new_client.get("/api/me").status_code == 401
    assert (
        client_for(app, ADMIN_KEY)
        .post("/api/tokens", json={"name": "x", "expires_at": 0})
        .status_code
        == 400
    )


def test_expired_tokens_stop_working(app, store, client):
    make_user(client, "ivy", [])
    ivy = login(app, "ivy")
    created = ok(ivy.post("/api/tokens", json={"name": "t", "expires_at": int(time.time()) + 3600}))
    records = iam_records(store)
    token = records.get("tokens", created["value"]["id"])
    records.put("tokens", {**token, "expires_at": int(time.time()) - 1})
    answer = client_for(app, created["value"]["token"]).get("/api/me")
    assert answer.status_code == 401 and "expired" in answer.json()["error_msg"]
    past = ivy.post("/api/tokens", json={"name": "old", "expires_at": 5})
    assert past.status_code == 400


def test_basic_auth(app, client):
    make_user(client, "jon", [])
    basic = client_for(app)
    assert ok(basic.get("/api/me", auth=("jon", "pw-123")))["value"]["username"] == "jon"
    assert basic.get("/api/me", auth=("jon", "wrong")).status_code == 401


def test_my_email_and_the_older_token_path(app, client):
    make_user(client, "kai", [])
    kai = login(app, "kai")
    ok(kai.put("/api/me/email", json={"email": "kai@example.com"}))
    assert ok(kai.get("/api/me"))["value"]["email"] == "kai@example.com"
    assert kai.put("/api/me/email", json={"email": "nope"}).status_code == 400
    ok(kai.delete("/api/me/email"))
    assert ok(kai.get("/api/me"))["value"]["email"] == ""
    created = ok(kai.post("/api/settings/tokens", json={"name": "old", "expires_at": 0}))
    assert [t["id"] for t in ok(kai.get("/api/tokens"))["list"]] == [created["value"]["id"]]
    assert kai.post("/api/tokens", json={"name": "old", "expires_at": 0}).status_code == 400
    other = login(app, "admin", "admin-secret")
    assert other.get(f"/api/tokens/{created['value']['id']}").status_code == 404


def test_bad_bodies_are_clear_400s(client):
    assert client.post("/api/invites", content=b"{not json").status_code == 400
    assert client.post("/api/invites", json=[1]).status_code == 400
    assert client.post("/api/roles", json={"name": ""}).status_code == 400
    assert client.put("/api/users/admin/boundaries", json={"x": 1}).status_code == 400
    answer = client.post("/api/permission_policies", json={"name": "x"})
    assert answer.status_code == 400 and "policy_document" in answer.json()["error_msg"]


class _DownAtStart(MemoryStore):
    """A store that refuses writes until `up` is set, like an etcd that starts late."""

    up = False

    def put(self, key, value, **options):
        if not self.up:
            raise StoreUnavailable("not started yet")
        return super().put(key, value, **options)


def test_bootstrap_waits_for_a_late_store():
    store = _DownAtStart()
    app = admin_port(store)
    store.up = True
    assert ok(client_for(app, ADMIN_KEY).get("/api/users"))["total"] == 1
    login(app, "admin", "admin-secret")
