"""The proxy core alone, for benchmarks: a memory store seeded with routes, its store API, and
the data plane workers (no Admin API), until SIGINT/SIGTERM.

    python benchmarks/proxy_core_server.py --port 9080 --upstream 127.0.0.1:8081 \
        --workers 1 --routes 10000 [--plugins]

Route `i` matches `/r{i}` (the route benchmarked is the last one, `/r{N-1}`); with --plugins
every route has key-auth + limit-count (a limit far above the benchmark's request count) and
a consumer `bench` with key `bench-key` exists.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from reference_impl.proxy.supervisor import Supervisor
from reference_impl.proxy.worker import WorkerSettings
from reference_impl.store.http_api import start_store_api
from reference_impl.store.memory import MemoryStore

PREFIX = "/apisix"


def seed(store: MemoryStore, routes: int, upstream: str, plugins: bool) -> None:
    store.put(f"{PREFIX}/upstreams/1", {"id": "1", "type": "roundrobin", "nodes": {upstream: 1}})
    if plugins:
        store.put(
            f"{PREFIX}/consumers/bench",
            {"username": "bench", "plugins": {"key-auth": {"key": "bench-key"}}},
        )
    route_plugins = (
        {
            "key-auth": {},
            "limit-count": {"count": 1_000_000_000, "time_window": 3600, "rejected_code": 503},
        }
        if plugins
        else {}
    )
    for i in range(routes):
        store.put(
            f"{PREFIX}/routes/{i}",
            {
                "id": str(i),
                "uri": f"/r{i}",
                "upstream_id": "1",
                "plugins": route_plugins,
                "status": 1,
                "priority": 0,
            },
        )


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--upstream", required=True, help="host:port of the upstream")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--routes", type=int, default=1)
    parser.add_argument("--plugins", action="store_true")
    args = parser.parse_args()
    store = MemoryStore()
    seed(store, args.routes, args.upstream, args.plugins)
    api = await start_store_api(store)
    settings = WorkerSettings(
        node_listen=[("127.0.0.1", args.port)], store_url=api.url, store_token=api.token
    )
    supervisor = Supervisor(settings, args.workers)
    await supervisor.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await supervisor.stop()
    await api.stop()
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
