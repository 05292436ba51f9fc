"""How objects combine on the data plane: services under routes, global rules over all
routes, plugin configs bound to routes.

Sources: APISIX docs (terminology: Service, Global Rules, Plugin Config): a route bound to a
service uses the service's upstream and plugins unless it sets its own, and a plugin set on the
route overrides the same plugin of the service; global rule plugins run for every request;
a route's plugin_config_id adds the plugin config's plugins, and a plugin configured on the
route itself takes precedence over the same plugin in the plugin config.
"""

from __future__ import annotations

from conformance.registry import conformance_test
from conformance.support.dataplane_setup import echo_upstream, put, wait_served
from conformance.support.eventually import converge
from conformance.support.traffic import Case, expect_cases


def _header_plugin(value: str) -> dict:
    return {"proxy-rewrite": {"headers": {"set": {"X-Layer": value}}}}


@conformance_test(
    name="service-merge",
    description="routes inherit a service's upstream and plugins; their own settings win",
    profile="dataplane",
    features=["dp-service-merge", "dp-proxy-rewrite"],
)
def test_service_merge(admin, dataplane, gw_target, echoes, tag):
    svc, own = echoes("service-upstream", "route-upstream")
    put(
        admin,
        f"/services/{tag}",
        {"upstream": echo_upstream(svc), "plugins": _header_plugin("service")},
    )
    put(admin, f"/routes/{tag}-inherit", {"uri": f"/{tag}/inherit", "service_id": tag})
    put(
        admin,
        f"/routes/{tag}-override",
        {
            "uri": f"/{tag}/override",
            "service_id": tag,
            "upstream": echo_upstream(own),
            "plugins": _header_plugin("route"),
        },
    )
    expect_cases(
        dataplane,
        [
            Case(f"/{tag}/inherit", backend="service-upstream"),
            Case(f"/{tag}/override", backend="route-upstream"),
        ],
        gw_target.timeouts,
    )
    assert dataplane.get(f"/{tag}/inherit").json()["headers"]["x-layer"] == "service"
    assert dataplane.get(f"/{tag}/override").json()["headers"]["x-layer"] == "route"

    # changing the service changes every route that inherits from it
    put(
        admin,
        f"/services/{tag}",
        {"upstream": echo_upstream(own), "plugins": _header_plugin("service-2")},
    )

    def moved():
        seen = dataplane.get(f"/{tag}/inherit").json()
        assert seen["server"] == "route-upstream" and seen["headers"]["x-layer"] == "service-2", (
            seen
        )

    converge(moved, gw_target.timeouts)


@conformance_test(
    name="service-plugins-with-upstream-id",
    description="a service with an upstream_id and an auth plugin protects its routes",
    profile="dataplane",
    features=["dp-service-merge", "dp-key-auth"],
)
def test_service_auth(admin, dataplane, gw_target, echo, tag):
    put(admin, f"/upstreams/{tag}", echo_upstream(echo))
    put(admin, f"/services/{tag}", {"upstream_id": tag, "plugins": {"key-auth": {}}})
    put(
        admin,
        "/consumers",
        {"username": tag.replace("-", "_"), "plugins": {"key-auth": {"key": f"k-{tag}"}}},
    )
    put(admin, f"/routes/{tag}", {"uri": f"/{tag}/svc", "service_id": tag})
    expect_cases(
        dataplane,
        [
            Case(f"/{tag}/svc", status=401),
            Case(f"/{tag}/svc", headers={"apikey": f"k-{tag}"}, backend="echo"),
        ],
        gw_target.timeouts,
    )


@conformance_test(
    name="global-rules",
    description="a global rule's plugins apply to every route, and stop when it is deleted",
    profile="dataplane",
    features=["dp-global-rules", "dp-response-rewrite"],
)
def test_global_rules(admin, dataplane, gw_target, echo, tag):
    put(admin, f"/routes/{tag}-1", {"uri": f"/{tag}/one", "upstream": echo_upstream(echo)})
    put(admin, f"/routes/{tag}-2", {"uri": f"/{tag}/two", "upstream": echo_upstream(echo)})
    wait_served(dataplane, f"/{tag}/one", "echo", gw_target.timeouts)
    put(
        admin,
        f"/global_rules/{tag}",
        {"plugins": {"response-rewrite": {"headers": {"set": {"X-Global": tag}}}}},
    )

    def marked(path: str) -> None:
        assert dataplane.get(path).headers.get("x-global") == tag

    converge(lambda: marked(f"/{tag}/one"), gw_target.timeouts)
    marked(f"/{tag}/two")
    admin.delete(f"/global_rules/{tag}")

    def unmarked() -> None:
        assert "x-global" not in dataplane.get(f"/{tag}/one").headers

    converge(unmarked, gw_target.timeouts)


@conformance_test(
    name="plugin-configs",
    description="a route's plugin config adds its plugins; the route's own plugin wins on conflict",
    profile="dataplane",
    features=["dp-plugin-configs", "dp-proxy-rewrite"],
)
def test_plugin_configs(admin, dataplane, gw_target, echo, tag):
    put(
        admin,
        f"/plugin_configs/{tag}",
        {"plugins": {**_header_plugin("plugin-config"), "request-id": {}}},
    )
    put(
        admin,
        f"/routes/{tag}-pc",
        {"uri": f"/{tag}/pc", "plugin_config_id": tag, "upstream": echo_upstream(echo)},
    )
    put(
        admin,
        f"/routes/{tag}-own",
        {
            "uri": f"/{tag}/own",
            "plugin_config_id": tag,
            "plugins": _header_plugin("route"),
            "upstream": echo_upstream(echo),
        },
    )
    seen = wait_served(dataplane, f"/{tag}/pc", "echo", gw_target.timeouts).json()
    assert seen["headers"]["x-layer"] == "plugin-config"
    assert "x-request-id" in seen["headers"]
    seen = wait_served(dataplane, f"/{tag}/own", "echo", gw_target.timeouts).json()
    assert seen["headers"]["x-layer"] == "route"
    assert "x-request-id" in seen["headers"]
