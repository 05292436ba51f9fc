"""workflow on real traffic.

Sources: APISIX 3.5 workflow docs and apisix/plugins/workflow.lua: `rules` are tried in
order; the first whose `case` (a lua-resty-expr expression over variables) matches runs its
first action. `return` answers `code` with `{"error_msg": "rejected by workflow"}`;
`limit-count` limits the request as the limit-count plugin with that configuration, each
rule with its own counters. A request no rule matches goes to the upstream.
"""

from __future__ import annotations

from conformance.registry import conformance_test
from conformance.support.dataplane_setup import plugin_route, wait_served
from conformance.support.traffic import Case, expect_cases


@conformance_test(
    name="workflow",
    description="workflow runs the first matching rule's action: return a code, or "
    "limit-count with per-rule counters; unmatched requests pass",
    profile="dataplane",
    features=["dp-plugin-workflow"],
)
def test_workflow(admin, dataplane, gw_target, echo, tag):
    limited = {"count": 2, "time_window": 60, "rejected_code": 429}
    rules = [
        {"case": [["arg_action", "==", "deny"]], "actions": [["return", {"code": 403}]]},
        {
            "case": ["OR", ["http_x_tier", "==", "free"], ["arg_tier", "==", "free"]],
            "actions": [["limit-count", {**limited, "count": 1}]],
        },
        {"case": [["http_x_tier", "==", "paid"]], "actions": [["limit-count", limited]]},
    ]
    path = plugin_route(admin, echo, tag, "wf", {"workflow": {"rules": rules}})
    wait_served(dataplane, path, "echo", gw_target.timeouts)
    expect_cases(
        dataplane,
        [Case(f"{path}?action=deny", status=403), Case(f"{path}?action=other", backend="echo")],
        gw_target.timeouts,
    )
    denied = dataplane.get(f"{path}?action=deny")
    assert denied.json() == {"error_msg": "rejected by workflow"}
    before = echo.request_count
    free = dataplane.get(path, headers={"X-Tier": "free"})
    assert free.status_code == 200 and free.headers.get("x-ratelimit-limit") == "1"
    assert dataplane.get(f"{path}?tier=free").status_code == 429  # the same rule's counter
    paid = [dataplane.get(path, headers={"X-Tier": "paid"}).status_code for _ in range(3)]
    assert paid == [200, 200, 429], "each rule counts on its own"
    assert echo.request_count == before + 3
