"""Route matching time with 1, 1,000 and 10,000 routes (the router is a radix tree, so the
time per match should not grow with the table).

    python benchmarks/route_table_scaling.py [--matches 2000] [--rounds 15]
"""

from __future__ import annotations

import argparse
import random
import time

from reference_impl.proxy.plugin_api import Ctx, Request
from reference_impl.proxy.router import Router
from reference_impl.proxy.variables import Variables

KINDS = ("exact", "prefix", "host")


def build_routes(kind: str, count: int) -> list[dict]:
    """`count` routes of one kind; ids are zero-padded so paths keep the same length."""
    if kind == "exact":
        return [{"id": f"{i}", "uri": f"/api/v1/resource{i:05d}/items"} for i in range(count)]
    if kind == "prefix":
        return [
            {"id": f"{i}", "uri": f"/svc/{i:05d}/*", "methods": ["GET", "POST"]}
            for i in range(count)
        ]
    return [{"id": f"{i}", "uri": "/*", "host": f"h{i:05d}.example.com"} for i in range(count)]


def request_target(kind: str, i: int) -> tuple[str, str]:
    if kind == "exact":
        return f"/api/v1/resource{i:05d}/items", "localhost"
    if kind == "prefix":
        return f"/svc/{i:05d}/orders/42", "localhost"
    return "/index.html", f"h{i:05d}.example.com"


class Workload:
    """A router of `count` routes of one kind and requests spread evenly over it."""

    def __init__(self, kind: str, count: int, matches: int) -> None:
        self.router = Router(build_routes(kind, count))
        variables = Variables()
        rng = random.Random(count)
        self.contexts = []
        for _ in range(matches):
            path, host = request_target(kind, rng.randrange(count))
            request = Request("GET", path, "", {"host": host}, "127.0.0.1", 1, "127.0.0.1", 9080)
            self.contexts.append(Ctx(request, variables))
        self.best = float("inf")

    def run_once(self) -> None:
        for ctx in self.contexts:
            ctx.state.clear()
        match = self.router.match
        started = time.perf_counter()
        for ctx in self.contexts:
            if match(ctx) is None:
                raise SystemExit("a benchmark request did not match")
        self.best = min(self.best, (time.perf_counter() - started) / len(self.contexts) * 1e6)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--matches", type=int, default=2000, help="matches per timed run")
    parser.add_argument("--rounds", type=int, default=15, help="timed runs per table (best kept)")
    args = parser.parse_args()
    sizes = (1, 1_000, 10_000)
    workloads = {(k, n): Workload(k, n, args.matches) for k in KINDS for n in sizes}
    # rounds interleave the tables, so a burst of load from other processes hits them all
    for _ in range(args.rounds):
        for workload in workloads.values():
            workload.run_once()
    print(f"{'kind':<8}" + "".join(f"{n:>14,} routes" for n in sizes) + "   ratio 10k/1")
    for kind in KINDS:
        micros = [workloads[(kind, n)].best for n in sizes]
        cells = "".join(f"{m:>15.2f} us" for m in micros)
        print(f"{kind:<8}{cells}   {micros[-1] / micros[0]:10.2f}")


if __name__ == "__main__":
    main()
