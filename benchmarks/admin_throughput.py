"""Admin API throughput of the reference implementation, per config store backend.

Starts `python -m reference_impl serve` on free loopback ports (memory store, then a real
etcd started with EtcdProcess), PUTs N routes with a few concurrent keep-alive clients,
then GETs each of them, and prints PUT and GET requests per second (median of the runs).

    python benchmarks/admin_throughput.py [--routes 10000] [--clients 4] [--runs 3]
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import yaml

ADMIN_KEY = "edd1c9f034335f136f87ad84b625c8f1"
START_TIMEOUT = 30.0
ROUTE_UPSTREAM = {"type": "roundrobin", "nodes": {"127.0.0.1:1980": 1}}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def reference_gateway(etcd_url: str | None) -> Iterator[int]:
    """Run the reference gateway; yields its admin port."""
    port = free_port()
    config: dict = {
        "apisix": {
            "node_listen": [{"ip": "127.0.0.1", "port": free_port()}],
            "ssl": {"enable": False},
            "enable_control": False,
        },
        "plugin_attr": {"prometheus": {"export_addr": {"ip": "127.0.0.1", "port": free_port()}}},
        "deployment": {
            "admin": {
                "admin_listen": {"ip": "127.0.0.1", "port": port},
                "admin_key": [{"name": "admin", "key": ADMIN_KEY, "role": "admin"}],
                "allow_admin": ["127.0.0.0/8"],
            }
        },
    }
    if etcd_url:
        config["deployment"]["etcd"] = {"host": [etcd_url]}
        config["gwconform"] = {"store": "etcd"}
    with tempfile.TemporaryDirectory(prefix="gwconform-bench-") as tmp:
        path = Path(tmp) / "config.yaml"
        path.write_text(yaml.safe_dump(config))
        proc = subprocess.Popen(
            [sys.executable, "-m", "reference_impl", "serve", "--config", str(path)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            _wait_ready(proc, port)
            yield port
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _wait_ready(proc: subprocess.Popen, port: int) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"gateway exited: {proc.stderr.read().decode()[-500:]}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/apisix/admin/routes", headers={"X-API-KEY": ADMIN_KEY})
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("gateway did not become ready in time")


def _run_clients(port: int, ids: list[str], clients: int, request: Callable) -> float:
    """Split `ids` over `clients` threads with one keep-alive connection each; req/s."""
    errors: list[str] = []

    def work(chunk: list[str]) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for rid in chunk:
            status = request(conn, rid)
            if status >= 300:
                errors.append(f"{rid}: HTTP {status}")
        conn.close()

    chunks = [ids[i::clients] for i in range(clients)]
    threads = [threading.Thread(target=work, args=(c,)) for c in chunks]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    if errors:
        raise SystemExit(f"{len(errors)} requests failed, first: {errors[0]}")
    return len(ids) / elapsed


def _put(conn: http.client.HTTPConnection, rid: str) -> int:
    body = json.dumps({"uri": f"/bench/{rid}", "upstream": ROUTE_UPSTREAM})
    conn.request("PUT", f"/apisix/admin/routes/{rid}", body, {"X-API-KEY": ADMIN_KEY})
    resp = conn.getresponse()
    resp.read()
    return resp.status


def _get(conn: http.client.HTTPConnection, rid: str) -> int:
    conn.request("GET", f"/apisix/admin/routes/{rid}", headers={"X-API-KEY": ADMIN_KEY})
    resp = conn.getresponse()
    resp.read()
    return resp.status


def measure(port: int, routes: int, clients: int, runs: int) -> tuple[float, float]:
    puts, gets = [], []
    for run in range(runs):
        ids = [f"r{run}-{n}" for n in range(routes)]
        puts.append(_run_clients(port, ids, clients, _put))
        gets.append(_run_clients(port, ids, clients, _get))
    return statistics.median(puts), statistics.median(gets)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--routes", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--backends", default="memory,etcd")
    args = parser.parse_args(argv)
    if args.routes < 1 or args.clients < 1 or args.runs < 1:
        parser.error("--routes, --clients and --runs must be at least 1")
    print(f"{args.routes} routes, {args.clients} clients, median of {args.runs} runs")
    print(f"{'backend':<8} {'PUT req/s':>10} {'GET req/s':>10}")
    for backend in args.backends.split(","):
        if backend == "memory":
            with reference_gateway(None) as port:
                put_rps, get_rps = measure(port, args.routes, args.clients, args.runs)
        elif backend == "etcd":
            from conformance.providers.etcd_process import EtcdProcess

            with EtcdProcess() as etcd, reference_gateway(etcd.client_url) as port:
                put_rps, get_rps = measure(port, args.routes, args.clients, args.runs)
        else:
            parser.error(f"unknown backend {backend!r} (memory or etcd)")
        print(f"{backend:<8} {put_rps:>10.0f} {get_rps:>10.0f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
