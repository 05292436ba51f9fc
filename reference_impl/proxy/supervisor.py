"""Starts the data plane worker processes, restarts one that dies, stops them all on request."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import sys
from dataclasses import replace

from . import shared_dir
from .control_api import ControlApi, start_control_api
from .plugins import MetricsExporter, start_metrics_exporter
from .worker import ENV_VAR, WorkerSettings

RESTART_DELAY = 0.2
MAX_RESTART_DELAY = 5.0  # for a worker that keeps dying right after it starts
QUICK_EXIT = 2.0  # seconds: dying sooner than this doubles the delay
FATAL_EXIT = 2  # a worker's exit code for "can't run at all" (port taken, bad settings)
STOP_GRACE = 12.0  # a little over the workers' own grace period


class Supervisor:
    """`metrics_addr`: where to serve the workers' summed Prometheus metrics (None: nowhere);
    `control_addr`: where to serve the Control API's health checks (None: nowhere; port 0:
    any free port, read it from `control_address`)."""

    def __init__(
        self,
        settings: WorkerSettings,
        workers: int,
        metrics_addr: tuple[str, int] | None = None,
        control_addr: tuple[str, int] | None = None,
    ) -> None:
        self.settings = settings
        self.count = workers
        # what gateways killed outright left in the temporary folder goes first
        shared_dir.sweep()
        self.shared_dir, hold = shared_dir.create()
        self._shared_hold: int | None = hold
        self.metrics_addr = metrics_addr
        self.exporter: MetricsExporter | None = None
        self.control_addr = control_addr
        self.control: ControlApi | None = None
        self.procs: dict[int, asyncio.subprocess.Process] = {}
        self.restarts = 0
        self.failed = asyncio.Event()  # a worker can't run at all: the gateway can't either
        self.failure = ""
        self._tasks: list[asyncio.Task] = []
        self._stopping = False

    async def start(self) -> None:
        if self.metrics_addr is not None:
            self.exporter = _start_exporter(self.shared_dir, *self.metrics_addr)
        if self.control_addr is not None:
            self.control = _start_control(self.shared_dir, *self.control_addr)
        for worker_id in range(self.count):
            await self._spawn(worker_id)
            self._tasks.append(asyncio.create_task(self._watch(worker_id)))

    @property
    def control_address(self) -> tuple[str, int] | None:
        """Where the Control API listens (None: not serving)."""
        return (self.control.host, self.control.port) if self.control is not None else None

    async def _spawn(self, worker_id: int) -> None:
        # the worker dies with this process (see lifeline.py)
        settings = replace(
            self.settings,
            worker_id=worker_id,
            shared_dir=self.shared_dir,
            parent_pid=os.getpid(),
        )
        env = dict(os.environ)
        env[ENV_VAR] = settings.to_json()
        self.procs[worker_id] = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "reference_impl.proxy.worker", env=env
        )

    async def _watch(self, worker_id: int) -> None:
        loop = asyncio.get_running_loop()
        delay = RESTART_DELAY
        while not self._stopping:
            started = loop.time()
            code = await self.procs[worker_id].wait()
            if self._stopping:
                return
            if code == FATAL_EXIT:
                self.failure = f"data plane worker {worker_id} can't run (exit code {code})"
                self.failed.set()
                return
            print(
                f"gwconform: data plane worker {worker_id} exited ({code}); restarting",
                file=sys.stderr,
                flush=True,
            )
            self.restarts += 1
            quick = loop.time() - started < QUICK_EXIT
            delay = min(delay * 2, MAX_RESTART_DELAY) if quick else RESTART_DELAY
            await asyncio.sleep(delay)
            if not self._stopping:
                await self._spawn(worker_id)

    async def stop(self) -> None:
        self._stopping = True
        for proc in self.procs.values():
            if proc.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    proc.send_signal(signal.SIGTERM)
        for proc in self.procs.values():
            try:
                await asyncio.wait_for(proc.wait(), STOP_GRACE)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    proc.kill()
                await proc.wait()
        for task in self._tasks:
            task.cancel()
        if self.exporter is not None:
            self.exporter.stop()
            self.exporter = None
        if self.control is not None:
            self.control.stop()
            self.control = None
        shared_dir.release(self.shared_dir, self._shared_hold)
        self._shared_hold = None
        shutil.rmtree(self.shared_dir, ignore_errors=True)


def _start_exporter(shared_dir: str, host: str, port: int) -> MetricsExporter | None:
    """The metrics export server; a port already taken costs the metrics, not the gateway."""
    try:
        return start_metrics_exporter(shared_dir, host, port)
    except OSError as exc:
        print(
            f"gwconform: prometheus metrics export on {host}:{port} disabled: "
            f"{exc.strerror or exc}",
            file=sys.stderr,
            flush=True,
        )
        return None


def _start_control(shared_dir: str, host: str, port: int) -> ControlApi | None:
    """The Control API server; a port already taken costs the Control API, not the gateway."""
    try:
        return start_control_api(shared_dir, host, port)
    except OSError as exc:
        print(
            f"gwconform: control API on {host}:{port} disabled: {exc.strerror or exc}",
            file=sys.stderr,
            flush=True,
        )
        return None
