"""What a load profile needs on the target, created through its Admin API and removed after."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

PREFIX = "gwload"
REJECTION_CODE = 429


class SetupError(Exception):
    """The target refused what the profile needs; the message is one line for the user."""


@dataclass
class Prepared:
    admin_url: str
    admin_key: str
    route_count: int
    api_keys: list[str] = field(default_factory=list)
    churn_path: str | None = None
    created: list[str] = field(default_factory=list)  # admin paths, deleted in reverse order

    def spec(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "paths": {"template": f"/{PREFIX}/{{i}}", "count": self.route_count},
            "api_keys": self.api_keys,
            "admin_key": self.admin_key,
        }
        if self.api_keys:
            out["expected_rejection_code"] = REJECTION_CODE
        if self.churn_path:
            out["churn"] = {
                "admin_route_url": f"{self.admin_url}/apisix/admin/routes/{PREFIX}-churn",
                "path": self.churn_path,
                "timeout": 5.0,
            }
        return out


def _route(i: int, plugins: dict) -> dict[str, Any]:
    route: dict[str, Any] = {
        "uri": f"/{PREFIX}/{i}",
        "upstream_id": f"{PREFIX}-upstream",
        "name": f"{PREFIX}-{i}",
    }
    if plugins:
        route["plugins"] = plugins
    return route


async def _put_all(
    client: httpx.AsyncClient, items: list[tuple[str, dict]], progress: Callable[[int], None]
) -> None:
    gate = asyncio.Semaphore(16)

    async def put(path: str, body: dict) -> None:
        async with gate:
            resp = await client.put(path, json=body)
        if resp.status_code not in (200, 201):
            raise SetupError(f"PUT {path} answered {resp.status_code}: {resp.text[:200]}")
        progress(1)

    await asyncio.gather(*(put(path, body) for path, body in items))


def prepare(
    admin_url: str,
    admin_key: str,
    upstream: str,
    setup: dict,
    progress: Callable[[int], None] = lambda n: None,
) -> Prepared:
    """Create the upstream, routes, consumers and churn route the profile's `setup` asks for."""
    prepared = Prepared(admin_url.rstrip("/"), admin_key, int(setup.get("routes", 1)))
    items: list[tuple[str, dict]] = [
        (f"/upstreams/{PREFIX}-upstream", {"type": "roundrobin", "nodes": {upstream: 1}})
    ]
    plugins: dict = {}
    if setup.get("consumers"):
        limit = setup.get("limit_count", {"count": 100, "time_window": 1})
        plugins = {
            "key-auth": {},
            "limit-count": {
                **limit,
                "rejected_code": REJECTION_CODE,
                "key_type": "var",
                "key": "consumer_name",
            },
        }
        for i in range(int(setup["consumers"])):
            key = f"{PREFIX}-{i}-{secrets.token_hex(8)}"
            prepared.api_keys.append(key)
            items.append(
                (
                    f"/consumers/{PREFIX}{i}",
                    {"username": f"{PREFIX}{i}", "plugins": {"key-auth": {"key": key}}},
                )
            )
    items += [(f"/routes/{PREFIX}-{i}", _route(i, plugins)) for i in range(prepared.route_count)]
    if setup.get("churn"):
        prepared.churn_path = f"/{PREFIX}-churn"
        items.append(
            (
                f"/routes/{PREFIX}-churn",
                {"uri": prepared.churn_path, "upstream_id": f"{PREFIX}-upstream"},
            )
        )
    prepared.created = [path for path, _ in items]
    headers = {"X-API-KEY": admin_key}
    base = f"{prepared.admin_url}/apisix/admin"

    async def run() -> None:
        async with httpx.AsyncClient(base_url=base, headers=headers, timeout=30) as client:
            # the upstream and consumers must exist before the routes that use them
            first = [item for item in items if not item[0].startswith("/routes/")]
            await _put_all(client, first, progress)
            await _put_all(
                client, [item for item in items if item[0].startswith("/routes/")], progress
            )

    try:
        asyncio.run(run())
    except httpx.HTTPError as exc:
        raise SetupError(f"can't reach the Admin API at {prepared.admin_url}: {exc}") from None
    return prepared


def cleanup(prepared: Prepared) -> None:
    """Delete everything `prepare` created; what is already gone is not an error."""
    headers = {"X-API-KEY": prepared.admin_key}
    base = f"{prepared.admin_url}/apisix/admin"

    async def run() -> None:
        gate = asyncio.Semaphore(16)
        async with httpx.AsyncClient(base_url=base, headers=headers, timeout=30) as client:

            async def delete(path: str) -> None:
                async with gate:
                    await client.delete(path, params={"force": "true"})

            routes = [p for p in prepared.created if p.startswith("/routes/")]
            await asyncio.gather(*(delete(p) for p in routes))
            for path in reversed([p for p in prepared.created if p not in routes]):
                await delete(path)

    with contextlib.suppress(httpx.HTTPError):  # the target went away: nothing left to clean
        asyncio.run(run())
