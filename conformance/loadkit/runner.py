"""Run one load profile: prepare the target, drive Locust headless, judge and report."""

from __future__ import annotations

import json
import os
import platform
import socket
import subprocess
import sys
import time
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import psutil
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from . import baseline as baseline_diff
from . import plots
from .events import analyse, write_csvs
from .locust.event_log import read_events
from .profiles import LOAD_DIR, PROFILES_FILE, resolve
from .slo import judge
from .target_setup import cleanup, prepare

WORKER_QUIT_TIMEOUT = 15.0
SATURATED = 0.9  # share of one core above which a Locust process is the bottleneck


class LoadError(Exception):
    """The run could not be carried out; the message is one line for the user."""


@dataclass
class LoadTarget:
    admin_url: str
    admin_key: str
    data_plane_url: str
    name: str = "gateway"
    gateway_pids: list[int] = field(default_factory=list)  # to measure, when they are local


@contextmanager
def static_upstream():
    """The kit's own fast upstream, as a separate process on 127.0.0.1."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "conformance.loadkit.static_upstream", "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None  # stdout=PIPE
    try:
        line = proc.stdout.readline().strip()
        if not line.isdigit():
            raise LoadError("the load upstream did not start")
        yield f"127.0.0.1:{line}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _CpuMeter:
    """CPU seconds of a set of processes, sampled until they exit."""

    def __init__(self) -> None:
        self.seconds: dict[int, float] = {}
        self._procs: dict[int, psutil.Process] = {}

    def add(self, pid: int) -> None:
        with suppress(psutil.NoSuchProcess):
            self._procs[pid] = psutil.Process(pid)

    def sample(self) -> None:
        for pid, proc in list(self._procs.items()):
            try:
                times = proc.cpu_times()
                self.seconds[pid] = times.user + times.system
            except psutil.NoSuchProcess:
                del self._procs[pid]

    def rss(self) -> int:
        total = 0
        for proc in self._procs.values():
            with suppress(psutil.NoSuchProcess):
                total += proc.memory_info().rss
        return total


def _locust_command(locustfile: Path, host: str, profile: dict, spec: dict, out: Path) -> list[str]:
    users = ["GatewayUser", "ChurnUser"] if spec.get("churn") else ["GatewayUser"]
    return [
        sys.executable, "-m", "locust", "-f", str(locustfile), "--headless",
        "--host", host,
        "-u", str(profile["users"]), "-r", str(profile["spawn_rate"]),
        "-t", f"{int(profile['duration'])}s", "--stop-timeout", "5",
        "--html", str(out / "report.html"),
        "--gw-spec", json.dumps(spec),
        *users,
    ]  # fmt: skip


@dataclass(frozen=True)
class Distribution:
    """Locust workers: `local` started here, `remote` started by the user on other machines."""

    local: int = 0
    remote: int = 0
    bind_host: str = "127.0.0.1"  # where the master listens for its workers
    port: int | None = None

    @property
    def distributed(self) -> bool:
        return bool(self.local or self.remote)


def _drive(
    command: list[str], dist: Distribution, duration: float, out: Path, meter: _CpuMeter,
    console: Console,
) -> int:  # fmt: skip
    log = (out / "locust.log").open("w")
    procs = []
    if dist.distributed:
        port = dist.port or _free_port()
        master = [
            *command, "--master", "--expect-workers", str(dist.local + dist.remote),
            "--master-bind-host", dist.bind_host, "--master-bind-port", str(port),
        ]  # fmt: skip
        procs.append(subprocess.Popen(master, stdout=log, stderr=subprocess.STDOUT))
        if dist.remote:
            locustfile = command[command.index("-f") + 1]
            console.print(
                f"waiting for {dist.remote} remote worker(s): on each, run "
                f"[bold]locust -f {locustfile} --worker --master-host THIS_HOST "
                f"--master-port {port}[/] (with that machine's path to gwconform's locustfile.py)"
            )
        local_master = "127.0.0.1" if dist.bind_host in ("0.0.0.0", "::") else dist.bind_host
        worker = [
            *command[:5],
            "--worker",
            "--master-host",
            local_master,
            "--master-port",
            str(port),
        ]
        procs += [
            subprocess.Popen(worker, stdout=log, stderr=subprocess.STDOUT)
            for _ in range(dist.local)
        ]
    else:
        procs.append(subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT))
    for proc in procs:
        meter.add(proc.pid)
    # remote workers are started by hand: give them time to connect
    deadline = time.monotonic() + duration + 60 + (600 if dist.remote else 0)
    columns = [TextColumn("[bold]{task.description}"), BarColumn(), TimeElapsedColumn()]
    try:
        with Progress(*columns, console=console, transient=True) as bar:
            task = bar.add_task("load", total=duration)
            started = time.monotonic()
            while procs[0].poll() is None:
                if time.monotonic() > deadline:
                    raise LoadError(
                        f"Locust did not finish within {duration + 60:.0f} s; see {out / 'locust.log'}"
                    )
                meter.sample()
                bar.update(task, completed=min(duration, time.monotonic() - started))
                time.sleep(0.5)
        for local_worker in procs[1:]:  # told to quit by the master: let them write events
            with suppress(subprocess.TimeoutExpired):
                local_worker.wait(timeout=WORKER_QUIT_TIMEOUT)
        return procs[0].returncode
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
        log.close()


def _warmup(profile: dict) -> float:
    """Seconds left out of the figures: the profile's `warmup`, else the time to start every
    user (capped at a fifth of the run) for a constant load; a shaped load is all measured."""
    if "warmup" in profile:
        return float(profile["warmup"])
    if profile.get("shape", "constant") != "constant":
        return 0.0
    return min(profile["users"] / profile["spawn_rate"], profile["duration"] / 5)


def _cpu_model() -> str:
    with suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def environment(distribution: Distribution) -> dict:
    """Where the figures were measured."""
    from importlib.metadata import PackageNotFoundError, version

    def installed(name: str) -> str:
        try:
            return version(name)
        except PackageNotFoundError:
            return "unknown"

    return {
        "cpu_model": _cpu_model(),
        "cpu_count": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "locust": installed("locust"),
        "gwconform": installed("gwconform"),
        "workers": {"local": distribution.local, "remote": distribution.remote},
    }


def run_load(
    profile_name: str,
    target_factory,
    *,
    users: int | None = None,
    spawn_rate: float | None = None,
    duration: float | None = None,
    distribution: Distribution = Distribution(),
    upstream: str | None = None,
    report_dir: Path | None = None,
    baseline: Path | None = None,
    tolerance: float = 0.1,
    profiles_file: Path = PROFILES_FILE,
    console: Console | None = None,
) -> int:
    """Run `profile_name` against the target `target_factory()` yields; the exit code. The
    reports go to `report_dir` (default: reports/load/PROFILE)."""
    console = console or Console(stderr=True)
    profile = resolve(profile_name, users, spawn_rate, duration, profiles_file)
    out = Path(report_dir) if report_dir is not None else Path("reports") / "load" / profile_name
    out.mkdir(parents=True, exist_ok=True)
    summary_path = out / "summary.json"
    summary_path.unlink(missing_ok=True)
    events_dir = out / "events"
    for stale in events_dir.glob("events-*.csv"):
        stale.unlink()
    generator, gateway = _CpuMeter(), _CpuMeter()
    with ExitStack() as stack:
        node = upstream or stack.enter_context(static_upstream())
        target: LoadTarget = stack.enter_context(target_factory())
        for pid in target.gateway_pids:
            gateway.add(pid)
        setup = profile.get("setup", {})
        console.print(f"[bold]{profile_name}[/]: {profile.get('description', '')}")
        with Progress(console=console, transient=True) as bar:
            task = bar.add_task("preparing the target", total=None)
            prepared = prepare(target.admin_url, target.admin_key, node, setup,
                               progress=lambda n: bar.advance(task, n))  # fmt: skip
        stack.callback(cleanup, prepared)
        spec = {
            **prepared.spec(),
            "profile": profile,
            "profile_name": profile_name,
            "target": {"name": target.name, "data_plane_url": target.data_plane_url},
            "events_dir": str(events_dir),
        }
        command = _locust_command(
            LOAD_DIR / "locustfile.py", target.data_plane_url, profile, spec, out
        )
        gateway.sample()
        rss_before = gateway.rss()
        wall_start = time.monotonic()
        code = _drive(command, distribution, float(profile["duration"]), out, generator, console)
        wall = time.monotonic() - wall_start
        gateway.sample()
        rss_after = gateway.rss()
    event_files = sorted(events_dir.glob("events-*.csv"))
    if code != 0 or not event_files:
        raise LoadError(f"Locust failed (exit {code}); see {out / 'locust.log'}")
    summary = {
        "profile": profile_name,
        "target": spec["target"],
        **analyse(read_events(event_files), _warmup(profile)),
        "max_users": profile["users"],
        "environment": environment(distribution),
    }
    if distribution.remote:
        summary["remote_workers_note"] = (
            "requests sent by remote workers are recorded on their machines, not counted here"
        )
    slo = profile.get("slo", {})
    breaches = judge(summary, slo, summary["propagation"], summary["drift"])
    summary["slo"] = {"thresholds": slo, "breaches": breaches, "passed": not breaches}
    cores = os.cpu_count() or 1
    busiest = max(generator.seconds.values(), default=0.0) / wall
    summary["generator"] = {
        "processes": len(generator.seconds),
        "cpu_seconds": sum(generator.seconds.values()),
        "cpu_share_of_machine": sum(generator.seconds.values()) / (wall * cores),
        "busiest_process_core_share": busiest,
        "saturated": busiest > SATURATED,
    }
    if target.gateway_pids:
        summary["gateway"] = {
            "cpu_share_of_machine": sum(gateway.seconds.values()) / (wall * cores),
            "rss_bytes_before": rss_before,
            "rss_bytes_after": rss_after,
        }
    regressed = []
    if baseline is not None:
        try:
            old = json.loads(Path(baseline).read_text())
        except (OSError, ValueError) as exc:
            raise LoadError(f"can't read baseline {baseline}: {exc}") from None
        regressed = baseline_diff.regressions(old, summary, tolerance)
        summary["baseline"] = {
            "path": str(baseline),
            "tolerance": tolerance,
            "regressions": regressed,
        }
    summary_path.write_text(json.dumps(summary, indent=2, default=str))
    write_csvs(summary, out)
    plots.latency_over_time(summary, out / "latency-over-time.png")
    plots.latency_histogram(summary, out / "latency-histogram.png")
    _print_result(console, summary, out)
    return 1 if breaches or regressed else 0


def _print_result(console: Console, s: dict, out: Path) -> None:
    p = lambda v: "-" if v is None else f"{v:.2f}"  # noqa: E731
    console.print(
        f"{s['profile']}: {s['requests']} requests, {s['rps']:.0f} req/s, errors {s['error_rate']:.3%}, "
        f"p50 {p(s['p50_ms'])} ms, p95 {p(s['p95_ms'])} ms, p99 {p(s['p99_ms'])} ms "
        f"(the first {s['warmup_s']:.1f} s of warm-up left out)"
    )
    if s.get("propagation"):
        console.print(
            f"config propagation: p50 {p(s['propagation']['p50_ms'])} ms, p95 {p(s['propagation']['p95_ms'])} ms"
        )
    g = s["generator"]
    console.print(f"load generator: {g['cpu_share_of_machine']:.0%} of the machine's CPU, "
                  f"busiest process {g['busiest_process_core_share']:.0%} of a core")  # fmt: skip
    if g["saturated"]:
        console.print("[yellow]warning: the load generator saturated its CPU; the figures measure it, "
                      "not the gateway (add Locust workers: --workers N)[/]")  # fmt: skip
    for line in s["slo"]["breaches"]:
        console.print(f"[red]SLO breached: {line}[/]")
    for line in s.get("baseline", {}).get("regressions", []):
        console.print(f"[red]regression: {line}[/]")
    verdict = "[green]SLOs met[/]" if s["slo"]["passed"] else "[red]SLOs breached[/]"
    console.print(f"{verdict}; reports in {out}")
