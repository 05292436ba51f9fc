"""Everything the control plane knows lives in the config store: a new app over a reopened
persistent store sees the same groups, templates, versions and published services."""

from __future__ import annotations

from reference_impl.store.persistent import PersistentMemoryStore

from .conftest import group_key, make_client, new_group, new_route, new_template, ok, publish


def test_state_survives_a_store_reopen(tmp_path):
    store = PersistentMemoryStore(tmp_path)
    with make_client(store) as client:
        group = new_group(client)
        template = new_template(client)
        route = new_route(client, template["id"], ["/kept"])
        ok(publish(client, group["id"], template["id"], "v1"))
        patch = [{"op": "replace", "path": "/upstream/nodes/0/port", "value": 1999}]
        ok(
            client.patch(
                f"/api/gateway_groups/{group['id']}/services/{template['id']}/runtime_configuration",
                json=patch,
            )
        )
        admin_key = ok(client.get(f"/api/gateway_groups/{group['id']}/admin_key"))["value"]["key"]
    store.close()

    reopened = PersistentMemoryStore(tmp_path)
    try:
        with make_client(reopened) as client:
            assert ok(client.get(f"/api/gateway_groups/{group['id']}"))["value"]["name"] == "g1"
            assert (
                ok(client.get(f"/api/services/template/{template['id']}"))["value"]["name"] == "svc"
            )
            published = ok(
                client.get(f"/api/gateway_groups/{group['id']}/services/{template['id']}")
            )["value"]
            assert (
                published["version"] == "v1" and published["upstream"]["nodes"][0]["port"] == 1999
            )
            assert (
                ok(client.get(f"/api/service_versions/{published['service_version_id']}"))["value"][
                    "version"
                ]
                == "v1"
            )
            assert (
                ok(client.get(f"/api/gateway_groups/{group['id']}/admin_key"))["value"]["key"]
                == admin_key
            )
            # and a re-publish after the reopen still replaces the same APISIX objects
            ok(publish(client, group["id"], template["id"], "v2"))
        assert group_key(reopened, group, f"/routes/{route['id']}")["uris"] == ["/kept"]
        assert (
            group_key(reopened, group, f"/services/{template['id']}")["upstream"]["nodes"][0][
                "port"
            ]
            == 1999
        )
    finally:
        reopened.close()


def test_state_lives_in_etcd():
    """Over a real etcd: a second control plane (another connection) sees the first's work."""
    from conformance.providers.etcd_process import EtcdProcess
    from reference_impl.store.etcd import EtcdStore

    with EtcdProcess(fsync=False) as etcd:
        first_store = EtcdStore([etcd.client_url], timeout=10)
        with make_client(first_store) as client:
            group = new_group(client)
            template = new_template(client)
            route = new_route(client, template["id"], ["/etcd"])
            ok(publish(client, group["id"], template["id"], "v1"))
        first_store.close()
        second_store = EtcdStore([etcd.client_url], timeout=10)
        try:
            with make_client(second_store) as client:
                listed = ok(client.get(f"/api/gateway_groups/{group['id']}/services"))
                assert [s["id"] for s in listed["list"]] == [template["id"]]
                assert ok(client.get(f"/api/routes/template/{route['id']}"))["value"]["paths"] == [
                    "/etcd"
                ]
            assert group_key(second_store, group, f"/routes/{route['id']}")["uris"] == ["/etcd"]
        finally:
            second_store.close()
