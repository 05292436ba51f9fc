"""Applications and APIs: CRUD, constraints, and their translation into APISIX objects."""

from __future__ import annotations

import pytest

from reference_impl.schema import check_resource

from .conftest import Cloud, api_body, app_body, upstream


def _apps(cloud: Cloud) -> str:
    return f"/clusters/{cloud.cluster_id}/apps"


def test_application_crud(cloud: Cloud, make_app) -> None:
    app = make_app("shop", labels=["team-a"])
    assert app["cluster_id"] == cloud.cluster_id and app["active"] == 0
    assert app["default_upstream_version"] == "default" and app["protocols"] == ["HTTP"]
    path = f"{_apps(cloud)}/{app['id']}"
    assert cloud.ok(cloud.http.get(path)) == app
    replaced = cloud.ok(cloud.http.put(path, json=app_body("shop2", path_prefix="/v2")))
    assert replaced["id"] == app["id"] and replaced["created_at"] == app["created_at"]
    assert replaced["name"] == "shop2" and replaced["labels"] == []
    patched = cloud.ok(cloud.http.patch(path, json={"description": "the shop"}))
    assert patched["description"] == "the shop" and patched["path_prefix"] == "/v2"
    assert cloud.ok(cloud.http.delete(path)) is None
    Cloud.fails(cloud.http.get(path), 404, 5)


def test_application_list_filters(cloud: Cloud, make_app) -> None:
    make_app("alpha", labels=["red"])
    make_app("beta", labels=["red", "blue"], hosts=["b.example.com"])
    make_app("gamma", active=1, hosts=["c.example.com"])
    listed = cloud.ok(cloud.http.get(_apps(cloud), params={"order_by": "name", "direction": "ASC"}))
    assert [a["name"] for a in listed["list"]] == ["alpha", "beta", "gamma"]
    red = cloud.ok(cloud.http.get(_apps(cloud), params=[("labels", "red"), ("labels", "blue")]))
    assert [a["name"] for a in red["list"]] == ["beta"]
    assert cloud.ok(cloud.http.get(_apps(cloud), params={"search": "AMM"}))["count"] == 1
    assert cloud.ok(cloud.http.get(_apps(cloud), params={"active": "1"}))["count"] == 1
    Cloud.fails(cloud.http.get(_apps(cloud), params={"active": "2"}), 400, 3)
    Cloud.fails(cloud.http.get(_apps(cloud), params={"order_by": "hosts"}), 400, 3)


@pytest.mark.parametrize(
    "fields",
    [
        {"name": ""},
        {"name": "n" * 65},
        {"hosts": []},
        {"hosts": ["a.com", "a.com"]},
        {"hosts": ["bad host"]},
        {"path_prefix": "no-slash"},
        {"path_prefix": "/" + "p" * 4096},
        {"upstreams": []},
        {"upstreams": [upstream(port=i + 1) for i in range(11)]},
        {"upstreams": [{"upstream": {"scheme": "ftp", "targets": [{"host": "a", "port": 1}]}}]},
        {"upstreams": [{"upstream": {"scheme": "http", "targets": [{"host": "a", "port": 0}]}}]},
        {"description": "d" * 257},
        {"labels": ["bad label"]},
        {"labels": ["l" * 33]},
        {"labels": [f"l{i}" for i in range(33)]},
        {"active": 2},
        {"protocols": ["FTP"]},
        {"default_upstream_version": "v9"},
        {"plugins": {"key-auth": {"header": 5}}},
        {"plugins": {"no-such-plugin": {}}},
    ],
)
def test_application_constraints(cloud: Cloud, fields) -> None:
    Cloud.fails(cloud.http.post(_apps(cloud), json=app_body(**fields)), 400, 3)


@pytest.mark.parametrize("missing", ["name", "hosts", "path_prefix", "upstreams"])
def test_application_required_fields(cloud: Cloud, missing: str) -> None:
    body = app_body()
    del body[missing]
    assert missing in Cloud.fails(cloud.http.post(_apps(cloud), json=body), 400, 3)


def test_application_names_are_unique_in_a_cluster(cloud: Cloud, make_app) -> None:
    make_app("same")
    Cloud.fails(cloud.http.post(_apps(cloud), json=app_body("same")), 409, 6)


def test_api_crud_and_search(cloud: Cloud, make_app) -> None:
    app = make_app("shop")
    apis = f"/apps/{app['id']}/apis"
    api = cloud.ok(cloud.http.post(apis, json=api_body("orders", labels=["x"])))
    assert api["app_id"] == app["id"] and api["type"] == "Rest" and api["active"] == 0
    path = f"{apis}/{api['id']}"
    assert cloud.ok(cloud.http.get(path)) == api
    replaced = cloud.ok(cloud.http.put(path, json=api_body("orders2", methods=["GET"])))
    assert replaced["methods"] == ["GET"] and replaced["created_at"] == api["created_at"]
    patched = cloud.ok(cloud.http.patch(path, json={"active": 1}))
    assert patched["active"] == 1 and patched["name"] == "orders2"
    cloud.ok(cloud.http.post(apis, json=api_body("refunds")))
    assert cloud.ok(cloud.http.get(apis))["count"] == 2
    Cloud.fails(cloud.http.post(apis, json=api_body("refunds")), 409, 6)
    found = cloud.ok(
        cloud.http.get(f"/clusters/{cloud.cluster_id}/apis", params={"search": "refund"})
    )
    assert found["count"] == 1 and found["list"][0]["app"]["id"] == app["id"]
    assert cloud.ok(cloud.http.delete(path)) is None
    Cloud.fails(cloud.http.get(path), 404, 5)
    assert cloud.ok(cloud.http.delete(apis)) is None
    assert cloud.ok(cloud.http.get(apis))["count"] == 0


@pytest.mark.parametrize(
    "fields",
    [
        {"name": ""},
        {"name": "n" * 65},
        {"paths": []},
        {"paths": [{"path": "/p"}] * 65},
        {"paths": [{"path": "no-slash"}]},
        {"paths": [{"path": "/p", "path_type": "Regex"}]},
        {"methods": ["FETCH"]},
        {"type": "GraphQL"},
        {"active": 3},
        {"strip_path_prefix": "yes"},
        {"fine_grained_route_control": {"enabled": True, "expressions": [{"subject": "body"}]}},
    ],
)
def test_api_constraints(cloud: Cloud, make_app, fields) -> None:
    app = make_app()
    Cloud.fails(cloud.http.post(f"/apps/{app['id']}/apis", json=api_body(**fields)), 400, 3)


def test_api_of_another_application_is_not_found(cloud: Cloud, make_app) -> None:
    one, two = make_app("one"), make_app("two", hosts=["two.example.com"])
    api = cloud.ok(cloud.http.post(f"/apps/{one['id']}/apis", json=api_body()))
    Cloud.fails(cloud.http.get(f"/apps/{two['id']}/apis/{api['id']}"), 404, 5)
    Cloud.fails(cloud.http.get("/apps/123/apis"), 404, 5)


def test_translation_into_apisix_route_and_upstream(cloud: Cloud, make_app) -> None:
    app = make_app(
        "shop",
        plugins={"key_auth": {}},
        upstreams=[upstream(port=9001, version="v1"), upstream(port=9002, version="v2")],
        default_upstream_version="v2",
    )
    body = api_body(
        "orders",
        methods=["GET", "POST"],
        strip_path_prefix=True,
        paths=[{"path": "/orders", "path_type": "Exact"}, {"path": "/items"}],
        fine_grained_route_control={
            "enabled": True,
            "logical_relationship": "Any",
            "expressions": [
                {"subject": "header", "name": "X-Tier", "operator": "equal", "value": "gold"},
                {"subject": "query", "name": "debug", "operator": "present"},
            ],
        },
    )
    api = cloud.ok(cloud.http.post(f"/apps/{app['id']}/apis", json=body))
    routes, upstreams = cloud.apisix("routes"), cloud.apisix("upstreams")
    route = routes[f"cloud-api-{api['id']}"]
    assert route["uris"] == ["/shop/items*", "/shop/orders"]
    assert route["hosts"] == ["shop.example.com"] and route["methods"] == ["GET", "POST"]
    assert route["upstream_id"] == f"cloud-app-{app['id']}-1"
    assert route["status"] == 1 and route["priority"] == 0
    assert "key-auth" in route["plugins"]
    assert route["plugins"]["proxy-rewrite"]["regex_uri"] == ["^/shop/?(.*)", "/$1"]
    assert route["vars"] == [["OR", ["http_x_tier", "==", "gold"], ["arg_debug", "~~", ""]]]
    assert isinstance(route["create_time"], int) and isinstance(route["update_time"], int)
    stored = {k: v for k, v in route.items() if k not in ("create_time", "update_time")}
    assert check_resource("routes", stored) == stored, "exactly what the Admin API would store"
    assert set(upstreams) == {f"cloud-app-{app['id']}-0", f"cloud-app-{app['id']}-1"}
    node = upstreams[f"cloud-app-{app['id']}-1"]
    assert node["nodes"] == [{"host": "127.0.0.1", "port": 9002, "weight": 1, "priority": 0}]
    assert (node["type"], node["scheme"], node["pass_host"], node["hash_on"]) == (
        "roundrobin",
        "http",
        "pass",
        "vars",
    )


def test_inactive_application_or_api_disables_the_route(cloud: Cloud, make_app) -> None:
    app = make_app()
    api = cloud.ok(cloud.http.post(f"/apps/{app['id']}/apis", json=api_body(active=1)))
    assert cloud.apisix("routes")[f"cloud-api-{api['id']}"]["status"] == 0
    cloud.ok(cloud.http.patch(f"/apps/{app['id']}/apis/{api['id']}", json={"active": 0}))
    assert cloud.apisix("routes")[f"cloud-api-{api['id']}"]["status"] == 1
    cloud.ok(cloud.http.patch(f"{_apps(cloud)}/{app['id']}", json={"active": 1}))
    assert cloud.apisix("routes")[f"cloud-api-{api['id']}"]["status"] == 0


def test_updates_keep_create_time_and_follow_the_application(cloud: Cloud, make_app) -> None:
    app = make_app()
    api = cloud.ok(cloud.http.post(f"/apps/{app['id']}/apis", json=api_body()))
    first = cloud.apisix("routes")[f"cloud-api-{api['id']}"]
    cloud.ok(cloud.http.patch(f"{_apps(cloud)}/{app['id']}", json={"path_prefix": "/store"}))
    route = cloud.apisix("routes")[f"cloud-api-{api['id']}"]
    assert route["uris"] == ["/store/orders*"] and route["create_time"] == first["create_time"]


def test_deletes_remove_routes_and_upstreams(cloud: Cloud, make_app) -> None:
    app = make_app()
    apis = [cloud.ok(cloud.http.post(f"/apps/{app['id']}/apis", json=api_body(n))) for n in "ab"]
    cloud.ok(cloud.http.delete(f"/apps/{app['id']}/apis/{apis[0]['id']}"))
    assert set(cloud.apisix("routes")) == {f"cloud-api-{apis[1]['id']}"}
    path = f"{_apps(cloud)}/{app['id']}"
    assert "cascade" in Cloud.fails(cloud.http.delete(path), 409, 9)
    assert cloud.apisix("routes"), "a refused delete removes nothing"
    cloud.ok(cloud.http.delete(path, params={"cascade": "true"}))
    assert cloud.apisix("routes") == {} and cloud.apisix("upstreams") == {}
    Cloud.fails(cloud.http.get(f"/apps/{app['id']}/apis/{apis[1]['id']}"), 404, 5)


def test_delete_all_applications(cloud: Cloud, make_app) -> None:
    one = make_app("one")
    make_app("two", hosts=["two.example.com"])
    cloud.ok(cloud.http.post(f"/apps/{one['id']}/apis", json=api_body()))
    Cloud.fails(cloud.http.delete(_apps(cloud)), 409, 9)
    assert cloud.ok(cloud.http.get(_apps(cloud)))["count"] == 2
    Cloud.fails(cloud.http.delete(_apps(cloud), params={"cascade": "maybe"}), 400, 3)
    cloud.ok(cloud.http.delete(_apps(cloud), params={"cascade": "true"}))
    assert cloud.ok(cloud.http.get(_apps(cloud)))["count"] == 0
    assert cloud.apisix("routes") == {} and cloud.apisix("upstreams") == {}


def test_other_clusters_do_not_reach_this_data_plane(cloud: Cloud, make_app) -> None:
    other = cloud.ok(cloud.http.post(f"/orgs/{cloud.org_id}/clusters", json={}))["id"]
    app = make_app(cluster_id=other)
    cloud.ok(cloud.http.post(f"/apps/{app['id']}/apis", json=api_body()))
    assert cloud.apisix("routes") == {}
    assert len(cloud.apisix("routes", f"/gwconform/cloud/dataplane/{other}")) == 1


def test_api_ids_cannot_collide_with_admin_ids(cloud: Cloud, make_app) -> None:
    cloud.store.put("/apisix/routes/1", {"id": "1", "uri": "/mine"})
    app = make_app()
    cloud.ok(cloud.http.post(f"/apps/{app['id']}/apis", json=api_body()))
    cloud.ok(cloud.http.delete(f"{_apps(cloud)}/{app['id']}", params={"cascade": "true"}))
    assert cloud.apisix("routes") == {"1": {"id": "1", "uri": "/mine"}}


PETSTORE = """
openapi: 3.0.0
info: {title: Petstore, description: pets}
servers: [{url: "http://pets.internal:8081/v1"}]
paths:
  /pets:
    get: {operationId: listPets, summary: List pets}
    post: {operationId: createPet}
  /pets/{petId}:
    get: {operationId: showPet}
"""


def test_import_openapi_creates_an_application_with_apis(cloud: Cloud) -> None:
    path = f"/clusters/{cloud.cluster_id}/apps/openapi"
    app = cloud.ok(cloud.http.post(path, json={"openapi": PETSTORE}))
    assert app["name"] == "Petstore" and app["path_prefix"] == "/v1" and app["hosts"] == ["*"]
    target = app["upstreams"][0]["upstream"]["targets"][0]
    assert (target["host"], target["port"]) == ("pets.internal", 8081)
    apis = cloud.ok(
        cloud.http.get(f"/apps/{app['id']}/apis", params={"order_by": "name", "direction": "ASC"})
    )
    assert [(a["name"], a["methods"], a["paths"]) for a in apis["list"]] == [
        ("createPet", ["POST"], [{"path": "/pets", "path_type": "Exact"}]),
        ("listPets", ["GET"], [{"path": "/pets", "path_type": "Exact"}]),
        ("showPet", ["GET"], [{"path": "/pets/", "path_type": "Prefix"}]),
    ]
    uris = sorted(r["uris"][0] for r in cloud.apisix("routes").values())
    assert uris == ["/v1/pets", "/v1/pets", "/v1/pets/*"]
    assert all("hosts" not in r for r in cloud.apisix("routes").values())
    Cloud.fails(cloud.http.post(path, json={"openapi": PETSTORE}), 409, 6)


def test_import_swagger_2(cloud: Cloud) -> None:
    text = "swagger: '2.0'\ninfo: 3\nhost: api.internal\nbasePath: /b\npaths: {/x: {put: {}}}\n"
    app = cloud.ok(
        cloud.http.post(f"/clusters/{cloud.cluster_id}/apps/openapi", json={"openapi": text})
    )
    assert app["name"] == "openapi-import" and app["path_prefix"] == "/b"
    assert app["upstreams"][0]["upstream"]["targets"][0] == {
        "host": "api.internal",
        "port": 80,
        "weight": 1,
    }


@pytest.mark.parametrize(
    "text",
    [
        "not: [valid",
        "just text",
        "openapi: 3.0.0\ninfo: {title: x}\n",
        "openapi: 1.0\npaths: {/a: {get: {}}}\n",
        "openapi: 3.0.0\nservers: [{url: /relative}]\npaths: {/a: {get: {}}}\n",
        "openapi: 3.0.0\nservers: [{url: 'http://h:1'}]\npaths: {/a: {}}\n",
        "openapi: 3.0.0\nservers: [{url: 'http://h:99999'}]\npaths: {/a: {get: {}}}\n",
        "openapi: 3.0.0\nservers: 7\ninfo: text\npaths: {/a: {get: {}}}\n",
        "swagger: '2.0'\nschemes: 5\npaths: {/a: {get: {}}}\n",
    ],
)
def test_import_openapi_refuses_unusable_documents(cloud: Cloud, text: str) -> None:
    path = f"/clusters/{cloud.cluster_id}/apps/openapi"
    Cloud.fails(cloud.http.post(path, json={"openapi": text}), 400, 3)
    assert cloud.ok(cloud.http.get(f"/clusters/{cloud.cluster_id}/apps"))["count"] == 0
