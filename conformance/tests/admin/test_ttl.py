"""`?ttl=N`: a resource that expires by itself (Admin API 3.5, "Create a route expires after
60 seconds, then it's deleted automatically"; apisix/admin/init.lua: a ttl that is not a
number is 400 "invalid argument ttl: should be a number").
"""

from __future__ import annotations

from conformance.registry import conformance_test
from conformance.support.admin_api import expect, expect_error, route
from conformance.support.eventually import converge
from conformance.support.ids import unique_id


@conformance_test(
    name="ttl-expires",
    description="a route created with ttl=1 disappears by itself; one without ttl stays",
    profile="apisix-v3",
    features=["admin-ttl"],
)
def test_ttl_expires(admin, gw_target):
    short, lasting = unique_id("ttl"), unique_id("ttl")
    expect(admin.put(f"/routes/{short}", params={"ttl": 1}, json=route("/ttl")), 201)
    expect(admin.put(f"/routes/{lasting}", json=route("/ttl-lasting")), 201)
    expect(admin.get(f"/routes/{short}"), 200)
    converge(
        lambda: expect(admin.get(f"/routes/{short}"), 404),
        gw_target.timeouts,
        within=3 + gw_target.timeouts.apply,  # the ttl of 1 s, and its expiry sweep
        interval=0.2,
    )
    expect(admin.get(f"/routes/{lasting}"), 200)


@conformance_test(
    name="ttl-must-be-number",
    description="a ttl that is not a number is refused with 400",
    profile="apisix-v3",
    features=["admin-ttl"],
)
def test_ttl_number(admin):
    rid = unique_id("ttl")
    expect_error(
        admin.put(f"/routes/{rid}", params={"ttl": "soon"}, json=route("/ttl")),
        400,
        "invalid argument ttl: should be a number",
    )
    expect(admin.get(f"/routes/{rid}"), 404)
