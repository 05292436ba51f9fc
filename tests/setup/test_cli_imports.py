"""Each `gwconform` command imports what it needs: the command line itself loads neither the
suite nor the load kit's extra dependencies, and `load` without them is one line naming the
extra to install."""

from __future__ import annotations

import subprocess
import sys

from click.testing import CliRunner

from conformance.cli import main
from conformance.loadkit import command

HEAVY = ("psutil", "matplotlib", "locust", "pytest", "schemathesis", "hypothesis")


def test_the_command_line_imports_neither_the_suite_nor_the_load_extra():
    probe = (
        f"import sys, conformance.cli\nprint(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    )
    run = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=False
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == ""


def test_help_lists_every_command():
    outcome = CliRunner().invoke(main, ["--help"])
    assert outcome.exit_code == 0
    for name in ("run", "serve", "report", "load"):
        assert f"  {name} " in outcome.output


def test_load_without_its_extra_is_one_line_naming_it(monkeypatch, tmp_path):
    monkeypatch.setattr(command, "LOAD_EXTRA_MODULES", ("psutil", "gwconform_not_installed"))
    outcome = CliRunner().invoke(main, ["load", "smoke", "--report-dir", str(tmp_path)])
    assert outcome.exit_code == 2
    assert outcome.output == (
        "gwconform load: error: the load kit needs the 'load' extra (gwconform_not_installed "
        "not installed): pip install 'gwconform[load]'\n"
    )
    assert list(tmp_path.iterdir()) == []


def test_the_load_extra_modules_are_real_module_names():
    """The test extra includes the load extra, so each name must be found here: a misspelt one
    would refuse every load run."""
    assert command.missing_load_modules() == []
