"""Loaded plugins, and Cloud objects surviving a reopen of a persistent store."""

from __future__ import annotations

from reference_impl.store.persistent import PersistentMemoryStore

from .conftest import Cloud, api_body, app_body


def test_loaded_plugin_lifecycle_and_references(cloud: Cloud, make_app) -> None:
    base = f"/clusters/{cloud.cluster_id}/plugin_management"
    plugin = cloud.ok(cloud.http.post(base, json={"name": "key-auth", "type": "authentication"}))
    assert plugin["name"] == "key-auth" and plugin["type"] == "authentication"
    Cloud.fails(cloud.http.post(base, json={"name": "key-auth"}), 409, 6)
    Cloud.fails(cloud.http.post(base, json={"name": "no-such-plugin"}), 400, 3)
    Cloud.fails(cloud.http.post(base, json={"name": ""}), 400, 3)
    named = cloud.ok(
        cloud.http.post(base, json={"name": "cors", "plugin_management_id": "my-cors"})
    )
    assert named["id"] == "my-cors"
    assert cloud.ok(cloud.http.get(base))["count"] == 2
    assert cloud.ok(cloud.http.get(base, params={"search": "cor"}))["count"] == 1
    item = f"{base}/{plugin['id']}"
    assert cloud.ok(cloud.http.put(item, json={"metadata": {}})) is None
    app = make_app(plugins={"key_auth": {}})
    cloud.ok(cloud.http.post(f"/apps/{app['id']}/apis", json=api_body(plugins={"key-auth": {}})))
    used = cloud.ok(cloud.http.get(f"{item}/reference"))
    assert {(u["type"], u["id"]) for u in used["list"]} >= {("application", app["id"])}
    assert used["count"] == 2
    assert "still used" in Cloud.fails(cloud.http.delete(item), 409, 9)
    cloud.ok(cloud.http.delete(f"/clusters/{cloud.cluster_id}/apps", params={"cascade": "true"}))
    assert cloud.ok(cloud.http.delete(item)) is None
    Cloud.fails(cloud.http.get(f"{item}/reference"), 404, 5)
    Cloud.fails(cloud.http.put(item, json={"metadata": {}}), 404, 5)


def test_cloud_objects_survive_a_store_reopen(tmp_path) -> None:
    store = PersistentMemoryStore(tmp_path)
    first = Cloud(store)
    app = first.ok(first.http.post(f"/clusters/{first.cluster_id}/apps", json=app_body()))
    api = first.ok(first.http.post(f"/apps/{app['id']}/apis", json=api_body()))
    store.close()
    reopened = PersistentMemoryStore(tmp_path)
    second = Cloud(reopened)
    assert (second.org_id, second.cluster_id) == (first.org_id, first.cluster_id)
    assert second.ok(second.http.get(f"/apps/{app['id']}/apis/{api['id']}")) == api
    assert f"cloud-api-{api['id']}" in second.apisix("routes")
    fresh = second.ok(second.http.post("/orgs", json={"name": "later"}))
    assert int(fresh["id"]) > int(api["id"]), "ids keep growing after a restart"
    reopened.close()
