"""Proxy core vs nginx, on this machine, 127.0.0.1 only (issue 4).

Starts nginx as the upstream (1 KiB `return 200`), nginx as a reverse proxy in front of it
(keep-alive upstream pool), and the proxy core (`proxy_core_server.py`) with the same
number of workers in three configurations: 1 route, 1 route with key-auth + limit-count,
and 10,000 routes; then nginx's `http2` and the proxy core over HTTP/2 with prior knowledge
(h2c), driven by `h2load` (10 streams per connection; it reports no percentiles: the p50
column shows its mean, p99 none). The HTTP/1.1 targets are driven by `wrk` with keep-alive
connections. All run in three
interleaved rounds (so drifting background load hits every target alike); the table shows
the median of the three runs: requests/s, p50 and p99 latency, the CPU time the proxy's
own processes spent per request (a figure that other load on the machine does not skew
the way it skews throughput), and the ratios
proxy/nginx (target >= 0.5, for HTTP/1.1 and HTTP/2) and 10k routes/1 route (target >= 0.9).

    python benchmarks/proxy_vs_nginx.py [--workers 1] [--duration 5] [--connections 50]

Needs nginx, wrk and h2load: `apt-get update && apt-get install -y nginx wrk nghttp2-client`
(as root).
"""

from __future__ import annotations

import argparse
import math
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import psutil

HERE = Path(__file__).resolve().parent
BODY = "x" * 1024
API_KEY = "bench-key"

NGINX_COMMON = """
worker_processes {workers};
pid {dir}/{name}.pid;
error_log {dir}/{name}.err warn;
daemon off;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  client_body_temp_path {dir}/tmp; proxy_temp_path {dir}/tmp; fastcgi_temp_path {dir}/tmp;
  uwsgi_temp_path {dir}/tmp; scgi_temp_path {dir}/tmp;
  keepalive_requests 1000000;
  {server}
}}
"""
UPSTREAM_SERVER = "server {{ listen 127.0.0.1:{port}; location / {{ default_type text/plain; return 200 '{body}'; }} }}"
PROXY_SERVER = (
    "upstream backend {{ server 127.0.0.1:{upstream}; keepalive 320; }}\n"
    "  server {{ listen 127.0.0.1:{port}; location / {{ proxy_pass http://backend;"
    ' proxy_http_version 1.1; proxy_set_header Connection ""; }} }}\n'
    # `listen ... http2` on a plain port is h2c with prior knowledge (nginx < 1.25's form)
    "  server {{ listen 127.0.0.1:{h2_port} http2; location / {{ proxy_pass http://backend;"
    ' proxy_http_version 1.1; proxy_set_header Connection ""; }} }}'
)


@dataclass
class Run:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    cpu_us: float  # CPU time (user + system) of the proxy's processes per request


def cpu_seconds(procs: list[psutil.Process]) -> float:
    total = 0.0
    for proc in procs:
        times = proc.cpu_times()
        total += times.user + times.system
    return total


def serving_processes(proc: subprocess.Popen) -> list[psutil.Process]:
    """The processes doing the work: nginx's or the proxy core's workers."""
    return psutil.Process(proc.pid).children() or [psutil.Process(proc.pid)]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_nginx(workdir: Path, name: str, workers: int, server: str) -> subprocess.Popen:
    conf = workdir / f"{name}.conf"
    conf.write_text(NGINX_COMMON.format(workers=workers, dir=workdir, name=name, server=server))
    return subprocess.Popen(
        ["nginx", "-c", str(conf), "-e", str(workdir / f"{name}.err")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def start_proxy_core(
    port: int, upstream_port: int, workers: int, routes: int, plugins: bool
) -> subprocess.Popen:
    command = [
        sys.executable,
        str(HERE / "proxy_core_server.py"),
        "--port",
        str(port),
        "--upstream",
        f"127.0.0.1:{upstream_port}",
        "--workers",
        str(workers),
        "--routes",
        str(routes),
    ]
    if plugins:
        command.append("--plugins")
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def wait_ready(url: str, headers: dict[str, str], timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(
                urllib.request.Request(url, headers=headers), timeout=2
            ) as r:
                if r.status == 200 and len(r.read()) == len(BODY):
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(
        f"proxy_vs_nginx: {url} did not answer 200 with the 1 KiB body in {timeout:.0f}s"
    )


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s)", text)
    if match is None:
        raise ValueError(f"unexpected wrk latency {text!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]


def wrk(
    url: str,
    headers: dict[str, str],
    duration: int,
    connections: int,
    workers: list[psutil.Process],
) -> Run:
    cpu_before = cpu_seconds(workers)
    command = ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--latency"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    done = subprocess.run([*command, url], capture_output=True, text=True, timeout=duration + 30)
    out = done.stdout
    found = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if found is None:
        raise SystemExit(
            f"proxy_vs_nginx: wrk failed on {url}: {done.stderr.strip() or out.strip()}"
        )
    rps = float(found.group(1))
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))  # type: ignore[union-attr]
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = int(non2xx.group(1)) if non2xx else 0
    requests = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    cpu_us = (cpu_seconds(workers) - cpu_before) / max(requests, 1) * 1e6
    return Run(rps, p50, p99, errors, cpu_us)


def h2load(
    url: str,
    headers: dict[str, str],
    duration: int,
    connections: int,
    workers: list[psutil.Process],
) -> Run:
    """HTTP/2 with prior knowledge; p50 is h2load's mean (it has no percentiles), p99 NaN."""
    cpu_before = cpu_seconds(workers)
    command = ["h2load", "-t1", f"-c{connections}", "-m10", f"-D{duration}"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    done = subprocess.run([*command, url], capture_output=True, text=True, timeout=duration + 30)
    out = done.stdout
    found = re.search(r"finished in \S+, ([\d.]+) req/s", out)
    counts = re.search(r"requests: \d+ total, \d+ started, (\d+) done", out)
    latency = re.search(r"time for request:\s+\S+\s+\S+\s+(\S+)", out)
    if found is None or counts is None or latency is None:
        raise SystemExit(
            f"proxy_vs_nginx: h2load failed on {url}: {done.stderr.strip() or out.strip()}"
        )
    requests = int(counts.group(1))
    # as wrk's "Non-2xx or 3xx responses": the 4xx and 5xx answers
    statuses = re.search(r"status codes: \d+ 2xx, \d+ 3xx, (\d+) 4xx, (\d+) 5xx", out)
    errors = int(statuses.group(1)) + int(statuses.group(2)) if statuses else requests
    cpu_us = (cpu_seconds(workers) - cpu_before) / max(requests, 1) * 1e6
    return Run(float(found.group(1)), _ms(latency.group(1)), math.nan, errors, cpu_us)


LOAD_TOOLS = {"wrk": wrk, "h2load": h2load}


def median_run(runs: list[Run]) -> Run:
    return Run(
        statistics.median(r.rps for r in runs),
        statistics.median(r.p50_ms for r in runs),
        statistics.median(r.p99_ms for r in runs),
        sum(r.errors for r in runs),
        statistics.median(r.cpu_us for r in runs),
    )


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=1, help="nginx and proxy core workers")
    parser.add_argument("--duration", type=int, default=5, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--routes", type=int, default=10_000, help="size of the large route table")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    missing = [tool for tool in ("nginx", "wrk", "h2load") if shutil.which(tool) is None]
    if missing:
        print(
            f"proxy_vs_nginx: {', '.join(missing)} not found; install with "
            "`apt-get update && apt-get install -y nginx wrk nghttp2-client` (as root)",
            file=sys.stderr,
        )
        return 2

    workdir = Path(tempfile.mkdtemp(prefix="gwconform-bench-"))
    (workdir / "tmp").mkdir()
    ports = {
        name: free_port()
        for name in ("upstream", "nginx", "nginx_h2", "core", "core_plugins", "core_10k")
    }
    procs: list[subprocess.Popen] = []
    try:
        upstream = start_nginx(
            workdir, "upstream", 1, UPSTREAM_SERVER.format(port=ports["upstream"], body=BODY)
        )
        procs.append(upstream)
        nginx = start_nginx(
            workdir,
            "proxy",
            args.workers,
            PROXY_SERVER.format(
                upstream=ports["upstream"], port=ports["nginx"], h2_port=ports["nginx_h2"]
            ),
        )
        procs.append(nginx)
        core = start_proxy_core(ports["core"], ports["upstream"], args.workers, 1, False)
        procs.append(core)
        plugins = start_proxy_core(ports["core_plugins"], ports["upstream"], args.workers, 1, True)
        procs.append(plugins)
        big = start_proxy_core(
            ports["core_10k"], ports["upstream"], args.workers, args.routes, False
        )
        procs.append(big)

        base = "http://127.0.0.1:{}/{}"
        targets = [
            ("direct upstream", base.format(ports["upstream"], ""), {}, upstream, "wrk"),
            ("nginx proxy", base.format(ports["nginx"], ""), {}, nginx, "wrk"),
            ("proxy core, no plugins", base.format(ports["core"], "r0"), {}, core, "wrk"),
            (
                "proxy core, key-auth + limit-count",
                base.format(ports["core_plugins"], "r0"),
                {"apikey": API_KEY},
                plugins,
                "wrk",
            ),
            (
                f"proxy core, {args.routes:,} routes",
                base.format(ports["core_10k"], f"r{args.routes - 1}"),
                {},
                big,
                "wrk",
            ),
            ("nginx proxy, HTTP/2 (h2c)", base.format(ports["nginx_h2"], ""), {}, nginx, "h2load"),
            ("proxy core, HTTP/2 (h2c)", base.format(ports["core"], "r0"), {}, core, "h2load"),
        ]
        for _, url, headers, _, tool in targets:
            if tool == "wrk":  # the HTTP/2 targets share a server (and its readiness) with one
                wait_ready(url, headers)
        workers = {name: serving_processes(proc) for name, _, _, proc, _ in targets}
        print(
            f"# {args.rounds} rounds x {args.duration}s, wrk -t1 -c{args.connections}, "
            f"{args.workers} worker(s) each, {os.cpu_count()} CPUs",
            flush=True,
        )
        for name, url, headers, _, tool in targets:  # warm-up: connection pools, caches
            LOAD_TOOLS[tool](url, headers, 1, args.connections, workers[name])
        runs: dict[str, list[Run]] = {name: [] for name, _, _, _, _ in targets}
        for _ in range(args.rounds):
            for name, url, headers, _, tool in targets:
                load = LOAD_TOOLS[tool]
                runs[name].append(
                    load(url, headers, args.duration, args.connections, workers[name])
                )
    finally:
        for proc in reversed(procs):
            stop(proc)
        shutil.rmtree(workdir, ignore_errors=True)

    results = {name: median_run(r) for name, r in runs.items()}
    header = (
        f"{'target':<40} {'rps':>10} {'p50 ms':>8} {'p99 ms':>8} {'non-2xx':>8} {'CPU us/req':>11}"
    )
    print(header)
    for name, result in results.items():
        print(
            f"{name:<40} {result.rps:>10.0f} {result.p50_ms:>8.2f} {result.p99_ms:>8.2f}"
            f" {result.errors:>8} {result.cpu_us:>11.1f}"
        )
    names = [name for name, _, _, _, _ in targets]
    nginx_run, core_run, big_run = results[names[1]], results[names[2]], results[names[4]]
    nginx_h2, core_h2 = results[names[5]], results[names[6]]
    proxy_ratio = core_run.rps / nginx_run.rps
    h2_ratio = core_h2.rps / nginx_h2.rps
    route_ratio = big_run.rps / core_run.rps
    verdict = {True: "ok", False: "MISSED"}
    print(
        f"proxy core / nginx (rps):    {proxy_ratio:.2f}  target >= 0.5: {verdict[proxy_ratio >= 0.5]}"
    )
    print(
        f"proxy core / nginx, HTTP/2 (rps): {h2_ratio:.2f}  target >= 0.5: {verdict[h2_ratio >= 0.5]}"
    )
    print(
        f"{args.routes:,} routes / 1 route: {route_ratio:.2f}  target >= 0.9: {verdict[route_ratio >= 0.9]}"
    )
    # Throughput swings with whatever else runs on the machine; CPU per request does not:
    # 1e6 / (CPU us per request) is what one fully available core would sustain.
    nginx_cap, core_cap, big_cap = (
        1e6 / max(r.cpu_us, 0.001) for r in (nginx_run, core_run, big_run)
    )
    print(
        f"per-core capacity (1e6 / CPU us): nginx {nginx_cap:.0f}, proxy core {core_cap:.0f},"
        f" {args.routes:,} routes {big_cap:.0f} rps; proxy core / nginx {core_cap / nginx_cap:.2f},"
        f" {args.routes:,} routes / 1 route {big_cap / core_cap:.2f}"
    )
    nginx_h2_cap, core_h2_cap = (1e6 / max(r.cpu_us, 0.001) for r in (nginx_h2, core_h2))
    print(
        f"per-core capacity, HTTP/2: nginx {nginx_h2_cap:.0f}, proxy core {core_h2_cap:.0f} rps;"
        f" proxy core / nginx {core_h2_cap / nginx_h2_cap:.2f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
