"""Route matching on real traffic: uri (exact, prefix, longest prefix), priority, hosts and
wildcard hosts, methods, vars, remote_addrs, disabled routes, and 404 when nothing matches.

Sources: Admin API 3.5 route fields (uri/uris, host/hosts with "PAN domain names like
*.foo.com", methods, priority "a higher value corresponds to higher priority", vars as
[[var, operator, val]], remote_addrs in IP/CIDR form, status 0 disables); APISIX router docs
(`/foo/*` is a prefix match, a full path is an exact match, the exact match wins over a
prefix, the longest prefix wins); and the APISIX answer to an unmatched request,
404 {"error_msg": "404 Route Not Found"} (t/router/*.t).
"""

from __future__ import annotations

from conformance.registry import conformance_test
from conformance.support.dataplane_setup import echo_upstream, put
from conformance.support.traffic import Case, check, expect_cases


@conformance_test(
    name="route-uri-exact-and-prefix",
    description="exact uris beat prefixes, the longest prefix wins, uris lists match any entry",
    profile="dataplane",
    features=["dp-routing"],
)
def test_uri_matching(admin, dataplane, gw_target, echoes, tag):
    exact, short, long_, multi = echoes("exact", "short-prefix", "long-prefix", "multi")
    put(admin, f"/routes/{tag}-1", {"uri": f"/{tag}/a/b", "upstream": echo_upstream(exact)})
    put(admin, f"/routes/{tag}-2", {"uri": f"/{tag}/a/*", "upstream": echo_upstream(short)})
    put(admin, f"/routes/{tag}-3", {"uri": f"/{tag}/a/b/*", "upstream": echo_upstream(long_)})
    put(
        admin,
        f"/routes/{tag}-4",
        {"uris": [f"/{tag}/m1", f"/{tag}/m2"], "upstream": echo_upstream(multi)},
    )
    expect_cases(
        dataplane,
        [
            Case(f"/{tag}/a/b", backend="exact"),
            Case(f"/{tag}/a/b/c", backend="long-prefix"),
            Case(f"/{tag}/a/b/c/d", backend="long-prefix"),
            Case(f"/{tag}/a/x", backend="short-prefix"),
            Case(f"/{tag}/a/bc", backend="short-prefix"),
            Case(f"/{tag}/m1", backend="multi"),
            Case(f"/{tag}/m2", backend="multi"),
            Case(f"/{tag}/m3", status=404),
            Case(f"/{tag}/a", status=404),
            Case(f"/{tag}", status=404),
        ],
        gw_target.timeouts,
    )


@conformance_test(
    name="route-query-string-ignored-by-uri",
    description="the query string does not take part in uri matching and reaches the upstream",
    profile="dataplane",
    features=["dp-routing"],
)
def test_query_string(admin, dataplane, gw_target, echo, tag):
    put(admin, f"/routes/{tag}", {"uri": f"/{tag}/q", "upstream": echo_upstream(echo)})
    expect_cases(dataplane, [Case(f"/{tag}/q?x=1&y=2", backend="echo")], gw_target.timeouts)
    body = dataplane.get(f"/{tag}/q?x=1&y=2").json()
    assert body["path"] == f"/{tag}/q"
    assert body["query"] == "x=1&y=2"


@conformance_test(
    name="route-priority",
    description="of two routes matching the same uri, the higher priority wins",
    profile="dataplane",
    features=["dp-routing"],
)
def test_priority(admin, dataplane, gw_target, echoes, tag):
    low, high = echoes("low", "high")
    put(
        admin,
        f"/routes/{tag}-low",
        {"uri": f"/{tag}/*", "priority": 1, "upstream": echo_upstream(low)},
    )
    put(
        admin,
        f"/routes/{tag}-high",
        {"uri": f"/{tag}/*", "priority": 10, "upstream": echo_upstream(high)},
    )
    expect_cases(dataplane, [Case(f"/{tag}/x", backend="high")], gw_target.timeouts)
    # swap the priorities: the other route must now win
    put(
        admin,
        f"/routes/{tag}-low",
        {"uri": f"/{tag}/*", "priority": 20, "upstream": echo_upstream(low)},
    )
    expect_cases(dataplane, [Case(f"/{tag}/x", backend="low")], gw_target.timeouts)


@conformance_test(
    name="route-hosts",
    description="host, hosts and wildcard hosts (*.foo.com) select routes; other hosts get 404",
    profile="dataplane",
    features=["dp-routing"],
)
def test_hosts(admin, dataplane, gw_target, echoes, tag):
    plain, wild, listed = echoes("plain", "wildcard", "listed")
    domain = f"{tag}.example"
    path = f"/{tag}/h"
    put(
        admin,
        f"/routes/{tag}-1",
        {"uri": path, "host": f"foo.{domain}", "upstream": echo_upstream(plain)},
    )
    put(
        admin,
        f"/routes/{tag}-2",
        {"uri": path, "host": f"*.bar.{domain}", "upstream": echo_upstream(wild)},
    )
    put(
        admin,
        f"/routes/{tag}-3",
        {"uri": path, "hosts": [f"a.{domain}", f"b.{domain}"], "upstream": echo_upstream(listed)},
    )
    expect_cases(
        dataplane,
        [
            Case(path, host=f"foo.{domain}", backend="plain"),
            Case(path, host=f"x.bar.{domain}", backend="wildcard"),
            Case(path, host=f"deep.x.bar.{domain}", backend="wildcard"),
            Case(path, host=f"a.{domain}", backend="listed"),
            Case(path, host=f"b.{domain}", backend="listed"),
            Case(path, host=f"foo.{domain}:9080", backend="plain"),
            Case(path, host=f"bar.{domain}", status=404),
            Case(path, host=f"c.{domain}", status=404),
            Case(path, host=f"other.{domain}", status=404),
        ],
        gw_target.timeouts,
    )


@conformance_test(
    name="route-methods",
    description="methods restrict a route; a route without methods takes every method",
    profile="dataplane",
    features=["dp-routing"],
)
def test_methods(admin, dataplane, gw_target, echoes, tag):
    reader, writer, anything = echoes("reader", "writer", "any")
    put(
        admin,
        f"/routes/{tag}-r",
        {"uri": f"/{tag}/m", "methods": ["GET", "HEAD"], "upstream": echo_upstream(reader)},
    )
    put(
        admin,
        f"/routes/{tag}-w",
        {"uri": f"/{tag}/m", "methods": ["POST", "PUT"], "upstream": echo_upstream(writer)},
    )
    put(admin, f"/routes/{tag}-a", {"uri": f"/{tag}/any", "upstream": echo_upstream(anything)})
    cases = [
        Case(f"/{tag}/m", method="GET", backend="reader"),
        Case(f"/{tag}/m", method="POST", backend="writer"),
        Case(f"/{tag}/m", method="PUT", backend="writer"),
        Case(f"/{tag}/m", method="DELETE", status=404),
        Case(f"/{tag}/m", method="PATCH", status=404),
    ]
    cases += [
        Case(f"/{tag}/any", method=m, backend="any")
        for m in ("GET", "POST", "DELETE", "PATCH", "OPTIONS")
    ]
    expect_cases(dataplane, cases, gw_target.timeouts)
    head = dataplane.head(f"/{tag}/m")
    assert head.status_code == 200
    assert head.content == b""


@conformance_test(
    name="route-disabled",
    description="a route with status 0 does not match (404) and matches again with status 1",
    profile="dataplane",
    features=["dp-routing"],
)
def test_disabled(admin, dataplane, gw_target, echo, tag):
    body = {"uri": f"/{tag}/d", "status": 0, "upstream": echo_upstream(echo)}
    put(admin, f"/routes/{tag}", body)
    expect_cases(dataplane, [Case(f"/{tag}/d", status=404)], gw_target.timeouts)
    put(admin, f"/routes/{tag}", {**body, "status": 1})
    expect_cases(dataplane, [Case(f"/{tag}/d", backend="echo")], gw_target.timeouts)
    admin.patch(f"/routes/{tag}", json={"status": 0})
    expect_cases(dataplane, [Case(f"/{tag}/d", status=404)], gw_target.timeouts)


@conformance_test(
    name="no-route-404",
    description='a request no route matches answers 404 {"error_msg": "404 Route Not Found"}',
    profile="dataplane",
    features=["dp-no-route-404"],
)
def test_no_route(dataplane, tag):
    for method, path in (("GET", f"/{tag}"), ("POST", f"/{tag}/x/y"), ("DELETE", f"/{tag}?a=b")):
        response = dataplane.request(method, path)
        assert response.status_code == 404, (method, path, response.text)
        assert response.json() == {"error_msg": "404 Route Not Found"}


@conformance_test(
    name="route-vars",
    description="vars expressions on args, headers and cookies select routes; all must hold",
    profile="dataplane",
    features=["dp-vars"],
)
def test_vars(admin, dataplane, gw_target, echoes, tag):
    json_b, adult, regex, both = echoes("json", "adult", "regex", "both")
    path = f"/{tag}/v"
    put(
        admin,
        f"/routes/{tag}-1",
        {"uri": path, "vars": [["arg_name", "==", "json"]], "upstream": echo_upstream(json_b)},
    )
    put(
        admin,
        f"/routes/{tag}-2",
        {"uri": path, "vars": [["arg_age", ">", 18]], "upstream": echo_upstream(adult)},
    )
    put(
        admin,
        f"/routes/{tag}-3",
        {
            "uri": path,
            "vars": [["http_x_client", "~~", "^ios-[0-9]+$"]],
            "upstream": echo_upstream(regex),
        },
    )
    put(
        admin,
        f"/routes/{tag}-4",
        {
            "uri": path,
            "priority": 5,
            "vars": [["http_x_version", "==", "v2"], ["cookie_team", "==", "blue"]],
            "upstream": echo_upstream(both),
        },
    )
    expect_cases(
        dataplane,
        [
            Case(f"{path}?name=json", backend="json"),
            Case(f"{path}?age=30", backend="adult"),
            Case(f"{path}?age=10", status=404),
            Case(f"{path}?name=xml", status=404),
            Case(path, headers={"X-Client": "ios-12"}, backend="regex"),
            Case(path, headers={"X-Client": "android-12"}, status=404),
            Case(path, headers={"X-Version": "v2", "Cookie": "team=blue"}, backend="both"),
            Case(path, headers={"X-Version": "v2", "Cookie": "team=red"}, status=404),
            Case(path, headers={"X-Version": "v2"}, status=404),
            Case(path, status=404),
        ],
        gw_target.timeouts,
    )


@conformance_test(
    name="route-remote-addrs",
    description="remote_addrs (IP and CIDR) restrict which clients a route matches",
    profile="dataplane",
    features=["dp-remote-addrs"],
)
def test_remote_addrs(admin, dataplane, gw_target, echoes, tag):
    ip, cidr, far = echoes("ip", "cidr", "far")
    put(
        admin,
        f"/routes/{tag}-1",
        {"uri": f"/{tag}/ip", "remote_addrs": ["127.0.0.1"], "upstream": echo_upstream(ip)},
    )
    put(
        admin,
        f"/routes/{tag}-2",
        {"uri": f"/{tag}/cidr", "remote_addr": "127.0.0.0/8", "upstream": echo_upstream(cidr)},
    )
    put(
        admin,
        f"/routes/{tag}-3",
        {
            "uri": f"/{tag}/far",
            "remote_addrs": ["10.0.0.0/8", "192.0.2.1"],
            "upstream": echo_upstream(far),
        },
    )
    expect_cases(
        dataplane,
        [
            Case(f"/{tag}/ip", backend="ip"),
            Case(f"/{tag}/cidr", backend="cidr"),
            Case(f"/{tag}/far", status=404),
        ],
        gw_target.timeouts,
    )
    # a spoofed X-Forwarded-For must not make a far client of a local one (real_ip is off by default)
    check(dataplane, Case(f"/{tag}/far", headers={"X-Forwarded-For": "10.1.2.3"}, status=404))
