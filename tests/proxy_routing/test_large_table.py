"""A 10,000-route table gives the same answers as a plain model of the rules."""

from __future__ import annotations

import random

from reference_impl.proxy.router import Router


def _table() -> list[dict]:
    routes = []
    for i in range(10_000):
        kind = i % 4
        if kind == 0:
            routes.append({"id": f"exact-{i}", "uri": f"/api/v1/items/{i}"})
        elif kind == 1:
            routes.append({"id": f"prefix-{i}", "uri": f"/svc/{i}/*"})
        elif kind == 2:
            routes.append({"id": f"host-{i}", "uri": "/*", "host": f"h{i}.example.com"})
        else:
            routes.append(
                {"id": f"method-{i}", "uri": f"/svc/{i - 2}/*", "methods": ["POST"], "priority": 1}
            )
    routes.append({"id": "default", "uri": "/*", "priority": -1})
    return routes


def _expected(method: str, path: str, host: str) -> str:
    """Obvious model of the table above."""
    if host.endswith(".example.com") and host.startswith("h"):
        number = int(host[1:].split(".", 1)[0])
        if number % 4 == 2 and number < 10_000:
            return f"host-{number}"
    parts = path.split("/")
    is_item = path.startswith("/api/v1/items/") and len(parts) == 5 and parts[4].isdigit()
    if is_item and int(parts[4]) % 4 == 0 and int(parts[4]) < 10_000:
        return f"exact-{parts[4]}"
    if path.startswith("/svc/") and len(parts) >= 4 and parts[2].isdigit():
        number = int(parts[2])
        if number % 4 == 1 and number < 10_000:
            if method == "POST" and number + 2 < 10_000:
                return f"method-{number + 2}"
            return f"prefix-{number}"
    return "default"


def test_ten_thousand_routes_against_model(make_ctx):
    router = Router(_table())
    rng = random.Random(7)
    for _ in range(2_000):
        n = rng.randrange(10_050)
        method = rng.choice(["GET", "POST"])
        choice = rng.randrange(4)
        host = "localhost"
        if choice == 0:
            path = f"/api/v1/items/{n}"
        elif choice == 1:
            path = f"/svc/{n}/{rng.choice(['a', 'b/c', ''])}"
        elif choice == 2:
            path, host = "/anything", f"h{n}.example.com"
        else:
            path = f"/svc/{n}"
        route = router.match(make_ctx(method, path, headers={"host": host}))
        assert route is not None
        assert route["id"] == _expected(method, path, host), (method, path, host)
