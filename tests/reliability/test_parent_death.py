"""`kill -9` of the gateway's main process (what the OOM killer does): every process it
started (its data plane workers, the data planes of its API7 gateway groups) stops
answering at once and exits, none is left sharing the data plane port (SO_REUSEPORT) with
a restarted gateway, and no `gwconform-shared-*` folder outlives the gateway."""

from __future__ import annotations

import contextlib
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil
import pytest

from .served import ADMIN_HEADERS, START_TIMEOUT, ServedGateway, answers

GONE_WITHIN = 2.0  # seconds after the kill: nothing the gateway started answers any more
WORKERS = 2

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="Linux process semantics")


def _gateway(
    workdir: Path, tmpdir: Path, ports: tuple[int, int, int, int] | None = None
) -> ServedGateway:
    return ServedGateway(workdir, workers=WORKERS, tmpdir=tmpdir, ports=ports)


def _new_group_port(gateway: ServedGateway) -> int:
    """Create an API7 gateway group (a data plane process of its own); its HTTP port."""
    reply = httpx.post(
        f"{gateway.admin_url}/api/gateway_groups",
        json={"name": "parent-death"},
        headers=ADMIN_HEADERS,
        timeout=30,
    )
    assert reply.status_code == 200, reply.text
    port = reply.json()["value"]["instances"][0]["ports"][0]
    assert answers(port)
    return port


def _listening_pids(port: int) -> set[int]:
    pids = set()
    for proc in psutil.process_iter():
        with contextlib.suppress(psutil.Error):
            for conn in proc.net_connections(kind="tcp"):
                if conn.status == psutil.CONN_LISTEN and conn.laddr.port == port:
                    pids.add(proc.pid)
    return pids


def _shared_dirs(tmpdir: Path) -> list[str]:
    return sorted(p.name for p in tmpdir.glob("gwconform-shared-*"))


def _running(procs: list[psutil.Process]) -> list[psutil.Process]:
    """Those of `procs` that have not exited. An orphan that exited stays a zombie until the
    machine's init reaps it, which may take a while: a zombie holds no socket, file or memory."""
    out = []
    for proc in procs:
        with contextlib.suppress(psutil.Error):
            if proc.status() != psutil.STATUS_ZOMBIE:
                out.append(proc)
    return out


def _kill_all(procs: list[psutil.Process]) -> None:
    for proc in procs:
        with contextlib.suppress(psutil.Error):
            proc.kill()


def test_kill_9_of_the_gateway_takes_every_process_it_started(tmp_path) -> None:
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    gateway = _gateway(tmp_path, tmpdir)
    started: list[psutil.Process] = []
    try:
        group_port = _new_group_port(gateway)
        started = gateway.started()
        # the workers of the gateway and of the group: one shared folder per data plane
        assert len(started) == WORKERS + 1, [p.cmdline() for p in started]
        assert len(_shared_dirs(tmpdir)) == 2, _shared_dirs(tmpdir)
        ports = (gateway.node_port, group_port)

        killed_at = time.monotonic()
        gateway.kill()
        while any(answers(port) for port in ports):
            assert time.monotonic() - killed_at < GONE_WITHIN, "an orphan still answers"
            time.sleep(0.02)
        silent_after = time.monotonic() - killed_at
        while _running(started):
            assert time.monotonic() - killed_at < GONE_WITHIN, [
                p.cmdline() for p in _running(started)
            ]
            time.sleep(0.02)
        gone_after = time.monotonic() - killed_at
        # the last worker to leave removed its data plane's shared folder
        deadline = time.monotonic() + 1.0
        while _shared_dirs(tmpdir) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert _shared_dirs(tmpdir) == []

        # a gateway started again on the same ports has its data plane port to itself
        again = _gateway(tmp_path, tmpdir, gateway.ports)
        try:
            mine = {p.pid for p in again.started()}
            assert len(mine) == WORKERS
            deadline = time.monotonic() + START_TIMEOUT
            while (listening := _listening_pids(gateway.node_port)) != mine:
                assert listening <= mine, f"{listening - mine} listen too"  # no orphan
                assert time.monotonic() < deadline, "the new workers did not all listen"
                time.sleep(0.05)
        finally:
            again.stop()
        assert _shared_dirs(tmpdir) == []
    finally:
        gateway.stop()
        _kill_all(started)
    print(
        f"kill -9 of the gateway: its {len(started)} processes stopped answering after "
        f"{silent_after:.2f}s and were gone after {gone_after:.2f}s (bound {GONE_WITHIN}s); "
        "no shared folder left"
    )


def test_a_new_gateway_removes_the_shared_folders_of_dead_ones(tmp_path) -> None:
    """Even `kill -9` of every process of a gateway at once (no worker left to clean up)
    leaves no folder past the next start; a live gateway's folder is left alone."""
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    (tmp_path / "live").mkdir()
    live = _gateway(tmp_path / "live", tmpdir)
    dead: list[ServedGateway] = []
    try:
        live_dirs = _shared_dirs(tmpdir)
        assert len(live_dirs) == 1
        for round_ in range(2):
            workdir = tmp_path / f"dead{round_}"
            workdir.mkdir()
            dead.append(_gateway(workdir, tmpdir))
        left = sorted(set(_shared_dirs(tmpdir)) - set(live_dirs))
        assert len(left) == 2
        procs = [p for g in dead for p in (psutil.Process(g.proc.pid), *g.started())]
        _kill_all(procs)  # all at once: SIGKILL leaves no process time for any cleanup
        for gateway in dead:
            gateway.proc.wait()
        deadline = time.monotonic() + 10
        while _running(procs) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert set(left) <= set(_shared_dirs(tmpdir))  # left behind

        workdir = tmp_path / "next"
        workdir.mkdir()
        nxt = _gateway(workdir, tmpdir)
        try:
            now = _shared_dirs(tmpdir)
            assert not set(left) & set(now), now  # the dead gateways' folders are gone
            assert set(live_dirs) <= set(now)  # the live gateway's is still there
            assert len(now) == 2
        finally:
            nxt.stop()
    finally:
        for gateway in [live, *dead]:
            gateway.stop()
    assert _shared_dirs(tmpdir) == []
    print(
        f"restart after kill -9 of every process: {len(left)} shared folders of dead "
        "gateways removed at the next start, the live gateway's kept, 0 left at the end"
    )


# A process that watches its parent with no help from the kernel (no PR_SET_PDEATHSIG) and
# whose work never ends (a stuck event loop): the watch alone must end it.
_STUCK_CHILD = """
import sys, time
from reference_impl.proxy.lifeline import ParentWatch
log = open(sys.argv[2], "a")
watch = ParentWatch(int(sys.argv[1]), lambda: print("orphan", file=log, flush=True), deadline=1.0)
watch.start()
print("watching", file=log, flush=True)
while True:
    time.sleep(0.01)
"""
_PARENT = """
import subprocess, sys, time, os
child = subprocess.Popen([sys.executable, "-c", sys.argv[1], str(os.getpid()), sys.argv[2]])
print(child.pid, flush=True)
time.sleep(60)
"""


def test_the_parent_watch_alone_ends_a_stuck_orphan(tmp_path) -> None:
    log = tmp_path / "child.log"
    log.touch()
    parent = subprocess.Popen(
        [sys.executable, "-c", _PARENT, _STUCK_CHILD, str(log)],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    child = None
    try:
        assert parent.stdout is not None
        child = psutil.Process(int(parent.stdout.readline()))
        deadline = time.monotonic() + START_TIMEOUT
        while "watching" not in log.read_text():
            assert time.monotonic() < deadline, "the child did not start"
            time.sleep(0.05)
        killed_at = time.monotonic()
        parent.kill()
        parent.wait()
        while _running([child]):
            assert time.monotonic() - killed_at < 1.0 + GONE_WITHIN, "the orphan lives on"
            time.sleep(0.02)
        gone_after = time.monotonic() - killed_at
        assert log.read_text().split() == ["watching", "orphan"]
    finally:
        parent.kill()
        parent.wait()
        if parent.stdout is not None:
            parent.stdout.close()
        if child is not None:
            _kill_all([child])
    print(
        f"a stuck orphan, no kernel signal: noticed and ended {gone_after:.2f}s after its "
        "parent's kill -9 (check every 0.25s, 1s deadline)"
    )
