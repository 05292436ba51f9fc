"""The IAM table is built from the declarations: every endpoint the admin port registers
resolves to a row, and a collection declared without an action for a method it serves
cannot be declared."""

from __future__ import annotations

import re

import pytest

from reference_impl.admin.resources import CREDENTIALS, RESOURCES
from reference_impl.api.actions import crud_actions
from reference_impl.api.collection import Collection
from reference_impl.api.mounts import MOUNTS, Mount
from reference_impl.api7ee.app import COMPAT_TABLES, ROUTE_TABLES
from reference_impl.iam.app import ROUTE_TABLES as IAM_TABLES
from reference_impl.iam.enforcement import EndpointTable

_PARAM = re.compile(r"\{([a-z_]+)(:path)?\}")


def _concrete(path: str) -> str:
    return _PARAM.sub(lambda m: f"some-{m.group(1)}", path)


def _registered() -> list[tuple[str, str]]:
    routes = [(m, "/api" + p) for table in ROUTE_TABLES for m, p, _ in table]
    routes += [(m, "/apisix/admin" + p) for table in COMPAT_TABLES for m, p, _ in table]
    routes += [(m, "/api" + p) for table in IAM_TABLES for m, p, _ in table]
    # the Admin API's resources are served by its own dispatcher, not by route tables
    admin = {*RESOURCES.values(), CREDENTIALS}
    for mounted in (m for m in MOUNTS if m.collection in admin and m.prefix == "/apisix/admin"):
        coll, base, item = mounted.collection, mounted.list_path, mounted.item_path
        served = {"get", "put", "post", "patch", "delete"} - coll.unsupported
        routes += [("GET", base)] if "get" in served else []
        routes += [("POST", base)] if "post" in served else []
        routes += [(m.upper(), item) for m in sorted(served - {"post"})]
    return routes


def test_every_registered_endpoint_resolves_to_a_row():
    table = EndpointTable()
    unmapped = [(m, p) for m, p in _registered() if table.match(m, _concrete(p)) is None]
    assert not unmapped, f"endpoints without an IAM action: {unmapped}"


def test_every_collection_of_the_admin_api_is_served_with_its_actions():
    served = {m.collection for m in MOUNTS if m.prefix == "/apisix/admin"}
    assert {*RESOURCES.values(), CREDENTIALS} <= served
    table = EndpointTable()
    found = table.match("DELETE", "/apisix/admin/routes/1")
    assert found is not None and found.endpoint.action == "gateway:UpdatePublishedService"


def test_a_collection_without_actions_cannot_be_declared():
    with pytest.raises(TypeError, match=r"collection widgets: no IAM action for \['delete'"):

        class Widgets(Collection):
            name, kind = "widgets", "widget"

            def check_conf(self, ctx, id, conf, req):
                return conf


def test_a_method_served_without_an_action_cannot_be_declared():
    with pytest.raises(TypeError, match=r"no IAM action for \['patch'\]"):

        class Gadgets(Collection):
            name, kind = "gadgets", "gadget"
            actions = crud_actions("Gadget", (), patch=False)

            def check_conf(self, ctx, id, conf, req):
                return conf

    class Refused(Collection):  # a method it refuses needs no action
        name, kind = "refused", "refused"
        unsupported = frozenset({"patch", "put", "delete", "post"})
        actions = crud_actions("Gadget", (), patch=False)

        def check_conf(self, ctx, id, conf, req):
            return conf

    assert [r.method for r in Mount("/x", Refused()).endpoints()] == [
        "GET",
        "POST",
        "GET",
        "PUT",
        "DELETE",
    ]


def test_an_app_cannot_serve_an_endpoint_without_a_declared_action(monkeypatch):
    from reference_impl.api import mounts
    from reference_impl.api.mounts import Operations, declared

    monkeypatch.setattr(mounts, "OPERATIONS", [])  # the test's rows stay out of the table
    ops = Operations("/test-prefix")
    served = [ops("GET", "/things/{thing_id}", object(), "gateway:GetThing", "thing_id")]
    assert declared("/test-prefix", served) == (served,)
    undeclared = [("POST", "/things", object())]
    with pytest.raises(TypeError, match=r"without a declared IAM action: POST /test-prefix/things"):
        declared("/test-prefix", served, undeclared)
