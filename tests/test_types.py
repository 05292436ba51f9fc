"""The type checker is part of the project's test command: mypy (configured in pyproject.toml)
finds nothing in the files it names (the reference, the suite and the developer tools)."""

from __future__ import annotations

import os
from pathlib import Path

from mypy import api

ROOT = Path(__file__).resolve().parent.parent


def test_mypy_finds_no_error() -> None:
    cwd = Path.cwd()
    os.chdir(ROOT)  # pyproject's `files` are relative to the project
    try:
        out, err, status = api.run([])
    finally:
        os.chdir(cwd)
    assert status == 0, out + err
    assert "Success: no issues found" in out
