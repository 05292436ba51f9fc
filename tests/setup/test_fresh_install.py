"""A first run that works anywhere: the README's first command in a new virtualenv, from an
editable install and from a built wheel, run from a folder that is not the checkout.

Each test installs gwconform with pip into a virtualenv of its own (pip's cache and the
configured indexes serve the packages), so each takes about a minute: they are marked
`fresh_install` (`-m "not fresh_install"` leaves them out). Everything they make lives in one
temporary folder removed at the end; every command runs in a process group of its own, and a
process of it still running after the command returned fails the test.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path

import psutil
import pytest

pytestmark = pytest.mark.fresh_install

REPO = Path(__file__).resolve().parents[2]
# What a build must not read from the checkout: version control, caches and earlier outputs
# (a stale build/lib would end up in the wheel).
NOT_SOURCE = shutil.ignore_patterns(
    ".git", "build", "dist", "*.egg-info", "__pycache__", ".hypothesis", ".pytest_cache",
    ".ruff_cache", ".tox", ".venv", "reports",
)  # fmt: skip
SHIPPED_FOLDERS = ("conformance/data", "conformance/loadkit/locust")
VERDICT = re.compile(r"^│ apisix-v2 +│ Conformant +│", re.MULTILINE)  # the verdict table
INSTALL_TIMEOUT = 180.0
RUN_TIMEOUT = 180.0


@pytest.fixture
def workdir() -> Iterator[Path]:
    """A temporary folder for the virtualenvs, wheels and reports, removed afterwards (pytest's
    tmp_path would keep a few hundred MB of virtualenvs per run)."""
    path = Path(tempfile.mkdtemp(prefix="gwconform-fresh-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def _still_running(group: int) -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter():
        with suppress(psutil.Error, OSError):
            if os.getpgid(proc.pid) == group and proc.status() != psutil.STATUS_ZOMBIE:
                found.append(proc)
    return found


def _run(
    command: list[str], cwd: Path, env: dict[str, str], timeout: float
) -> tuple[int, str, str]:
    """Run `command` in a process group of its own; its exit code, stdout and stderr."""
    proc = subprocess.Popen(
        command, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, start_new_session=True,
    )  # fmt: skip
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        pytest.fail(f"{' '.join(command)} took over {timeout:.0f} s; stderr: {err[-2000:]}")
    deadline = time.monotonic() + 5
    while (left := _still_running(proc.pid)) and time.monotonic() < deadline:
        time.sleep(0.1)
    if left:
        commands = [" ".join(p.cmdline()) for p in left]
        with suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        pytest.fail(f"{' '.join(command)} left processes running: {commands}")
    return proc.returncode, out, err


def _env(venv: Path, **extra: str) -> dict[str, str]:
    """The environment of a shell with only `venv` activated: nothing of this test run's own
    virtualenv or pytest settings."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME") and not key.startswith("PYTEST_")
    }
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env["VIRTUAL_ENV"] = str(venv)
    return env | extra


def _new_venv(path: Path, *requirement: str) -> Path:
    """A new virtualenv at `path` with `pip install <requirement>` done; its python."""
    subprocess.run([sys.executable, "-m", "venv", str(path)], check=True, timeout=120)
    python = path / "bin" / "python"
    code, out, err = _run(
        [str(python), "-m", "pip", "install", "-q", *requirement],
        cwd=path, env=_env(path), timeout=INSTALL_TIMEOUT,
    )  # fmt: skip
    assert code == 0, f"pip install {' '.join(requirement)} failed: {(out + err)[-3000:]}"
    return python


def _assert_conformant_run(python: Path, workdir: Path) -> None:
    """`python -m conformance run --profile apisix-v2` from a folder that is not the checkout:
    Conformant, a report saying so, and no temporary file or folder left behind, nor
    anything in the working folder."""
    elsewhere, reports, tmp = workdir / "elsewhere", workdir / "reports", workdir / "run-tmp"
    elsewhere.mkdir()
    tmp.mkdir()
    venv = python.parent.parent
    code, out, err = _run(
        [str(python), "-m", "conformance", "run", "--profile", "apisix-v2", "--report-dir",
         str(reports)],
        cwd=elsewhere, env=_env(venv, TMPDIR=str(tmp)), timeout=RUN_TIMEOUT,
    )  # fmt: skip
    assert code == 0, f"exit {code}: {(out + err)[-3000:]}"
    assert VERDICT.search(out), out[-3000:]
    report = json.loads((reports / "conformance-report.json").read_text(encoding="utf-8"))
    assert [(p["name"], p["result"]) for p in report["profiles"]] == [("apisix-v2", "conformant")]
    assert list(tmp.iterdir()) == []
    assert list(elsewhere.iterdir()) == []  # no .hypothesis/ in the user's working folder


def test_readme_first_command_in_a_new_virtualenv(workdir: Path) -> None:
    python = _new_venv(workdir / "venv", "-e", f"{REPO}[etcd]")
    code, out, err = _run(
        [str(python), "-m", "conformance", "--help"],
        cwd=workdir, env=_env(python.parent.parent), timeout=60,
    )  # fmt: skip
    assert code == 0, err
    assert all(command in out for command in ("run", "serve", "report", "load"))
    _assert_conformant_run(python, workdir)


def test_wheel_install_runs_from_anywhere_and_names_the_load_extra(workdir: Path) -> None:
    source, wheels = workdir / "source", workdir / "wheels"
    shutil.copytree(REPO, source, ignore=NOT_SOURCE)
    code, out, err = _run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(wheels), str(source)],
        cwd=workdir, env=dict(os.environ), timeout=INSTALL_TIMEOUT,
    )  # fmt: skip
    assert code == 0, (out + err)[-3000:]
    (wheel,) = wheels.glob("gwconform-*.whl")
    packed = set(zipfile.ZipFile(wheel).namelist())
    for folder in SHIPPED_FOLDERS:
        for path in (REPO / folder).rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts:
                assert path.relative_to(REPO).as_posix() in packed, f"{path} is not in the wheel"

    python = _new_venv(workdir / "venv", f"{wheel}[etcd]")
    venv = python.parent.parent
    code, out, err = _run(
        [str(python), "-c", "import conformance; print(conformance.__file__)"],
        cwd=workdir, env=_env(venv), timeout=60,
    )  # fmt: skip
    assert Path(out.strip()).is_relative_to(venv), out + err  # the wheel, not the checkout
    _assert_conformant_run(python, workdir)

    code, out, err = _run(
        [str(venv / "bin" / "gwconform"), "load", "smoke"],
        cwd=workdir, env=_env(venv), timeout=60,
    )  # fmt: skip
    assert code == 2, out + err
    assert out == ""
    (line,) = err.strip().splitlines()
    assert line.startswith("gwconform load: error: the load kit needs the 'load' extra")
    assert line.endswith("pip install 'gwconform[load]'")
