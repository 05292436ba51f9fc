"""The developer portal as a flow, from an API product to a developer's first authenticated
call through the gateway group's data plane, and its refusal once the subscription ends.

The developer's calls go to the developer portal backend with a portal token
(`--portal-api-url`): sign-up and applications on the paths of API7's 3.9 documentation,
listing products, subscribing and reading credentials on inferred paths; so these scenarios
are the Extended feature `ee-portal-developer`."""

from __future__ import annotations

import httpx

from conformance.registry import conformance_test
from conformance.support.ids import unique_id
from conformance.support.oidc_provider import OidcProvider
from conformance.support.traffic import Case, expect_cases

from .ee_client import body_of, items
from .portal_client import Developer


@conformance_test(
    name="ee-portal-subscription-flow",
    description="product -> subscription -> approval (with an attached file) -> key-auth "
    "credential -> 200 through the data plane -> cancellation -> 401; a second subscription, "
    "auto-approved, is refused once its developer is deleted",
    profile="api7ee",
    features=["ee-portal-developer"],
)
def test_subscription_flow(ee, provider, echoes, portal_api_url, gw_target):
    (echo,) = echoes("echo")
    group, service = provider.published_service(echo, "/weather")
    portal = provider.portal()["id"]
    params = {"portal_id": portal}
    product = body_of(provider.product(portal, [(group, service)], status="published"))["value"]
    token = provider.token(portal)["token"]
    developer = Developer(portal_api_url, token, unique_id("dev"), gw_target.timeout)
    try:
        assert developer.sign_up()["state"] == "Active"
        shown = body_of(developer.client.get("/api/api_products"))["list"]
        assert product["id"] in [p["id"] for p in shown]
        app = developer.application()
        file = body_of(
            developer.client.post("/api/files", params={"name": "use-case.txt"}, content=b"why")
        )["value"]
        pending = developer.subscribe(app["id"], product["id"], file_ids=[file["id"]])
        assert pending["status"] == "pending"
        assert developer.credentials(app["id"]) == []
        with httpx.Client(base_url=ee.data_plane_url(group), timeout=5) as dp:
            # the product's key-auth is on the service: no credential, no entry
            expect_cases(dp, [Case("/weather", status=401)], gw_target.timeouts)
            approval = provider.pending_approval(portal, product["id"])
            assert approval["file_ids"] == [file["id"]]
            assert ee.client.get(f"/files/{file['id']}").content == b"why"
            body_of(ee.client.post(f"/approvals/{approval['id']}/accept"))
            (credential,) = developer.credentials(app["id"])
            assert credential["type"] == "key-auth"
            key = {"apikey": credential["key"]}
            expect_cases(dp, [Case("/weather", headers=key, backend="echo")], gw_target.timeouts)
            subs = body_of(
                ee.client.get(f"/api_products/{product['id']}/subscriptions", params=params)
            )
            (listed,) = subs["list"]
            assert listed["status"] == "approved" and "credential" not in listed
            events = [
                h["event"]
                for h in items(
                    body_of(
                        ee.client.get(
                            f"/api_products/{product['id']}/notification_histories",
                            params=params,
                        )
                    )
                )
            ]
            assert sorted(events) == [
                "subscription_approval_accepted",
                "subscription_approval_created",
            ]
            cancel = ee.client.delete(
                f"/api_products/{product['id']}/subscriptions/{listed['id']}", params=params
            )
            assert cancel.status_code == 200, cancel.text
            expect_cases(dp, [Case("/weather", headers=key, status=401)], gw_target.timeouts)
            # auto-approved: the credential comes at once; deleting the developer ends it
            body_of(
                ee.client.patch(
                    f"/api_products/{product['id']}",
                    params=params,
                    json=[{"op": "replace", "path": "/subscription_auto_approval", "value": True}],
                )
            )
            assert developer.subscribe(app["id"], product["id"])["status"] == "approved"
            (credential,) = developer.credentials(app["id"])
            key = {"apikey": credential["key"]}
            expect_cases(dp, [Case("/weather", headers=key, backend="echo")], gw_target.timeouts)
            gone = ee.client.delete(f"/developers/{developer.developer_id}", params=params)
            assert gone.status_code == 200, gone.text
            expect_cases(dp, [Case("/weather", headers=key, status=401)], gw_target.timeouts)
        assert developer.client.get("/api/applications").status_code == 401
    finally:
        developer.close()


@conformance_test(
    name="ee-portal-token-regenerate",
    description="regenerating a portal token refuses the old value at once; the developer "
    "backend refuses calls without a valid portal token",
    profile="api7ee",
    features=["ee-portal-developer"],
)
def test_token_regenerate(ee, provider, portal_api_url, gw_target):
    portal = provider.portal()["id"]
    token = provider.token(portal)
    developer = Developer(portal_api_url, token["token"], unique_id("dev"), gw_target.timeout)
    try:
        developer.sign_up()
        assert developer.client.get("/api/applications").status_code == 200
        fresh = body_of(
            ee.client.put(
                f"/portal_tokens/{token['id']}/regenerate",
                params={"portal_id": portal},
                json={"expires_at": 0},
            )
        )["value"]["token"]
        assert developer.client.get("/api/applications").status_code == 401
        developer.client.headers["Authorization"] = f"Bearer {fresh}"
        assert developer.client.get("/api/applications").status_code == 200
        anonymous = httpx.get(f"{portal_api_url}/api/applications", timeout=gw_target.timeout)
        assert anonymous.status_code == 401
    finally:
        developer.close()


@conformance_test(
    name="ee-portal-dcr-flow",
    description="a dcr API product registers the developer's OAuth client at the DCR "
    "provider (RFC 7591); a token of that client passes the data plane, no token is refused",
    profile="api7ee",
    features=["ee-portal-developer"],
)
def test_dcr_flow(ee, provider, echoes, portal_api_url, gw_target):
    (echo,) = echoes("echo")
    group, service = provider.published_service(echo, "/oauth")
    with OidcProvider("gwconform", "unused", require_registration=True) as idp:
        dcr = provider.dcr_provider(idp.issuer)
        portal = provider.portal()["id"]
        product = provider.product(
            portal,
            [(group, service)],
            auth={"dcr": {"dcr_provider_id": dcr["id"]}},
            status="published",
            subscription_auto_approval=True,
        )
        product_id = body_of(product)["value"]["id"]
        token = provider.token(portal)["token"]
        developer = Developer(portal_api_url, token, unique_id("dev"), gw_target.timeout)
        try:
            developer.sign_up()
            app = developer.application()
            assert developer.subscribe(app["id"], product_id)["status"] == "approved"
            (credential,) = developer.credentials(app["id"])
            assert credential["type"] == "dcr" and credential["issuer"] == idp.issuer
            # the provider only logs users in for the clients it registered
            tokens = idp.login("alice", (credential["client_id"], credential["client_secret"]))
            # a JWT the provider signed for that client, checked against its JWKS (the
            # provider's access tokens are opaque, its id_token is the JWT it issues)
            bearer = {"Authorization": f"Bearer {tokens['id_token']}"}
            with httpx.Client(base_url=ee.data_plane_url(group), timeout=5) as dp:
                expect_cases(dp, [Case("/oauth", status=401)], gw_target.timeouts)
                expect_cases(
                    dp, [Case("/oauth", headers=bearer, backend="echo")], gw_target.timeouts
                )
        finally:
            developer.close()
