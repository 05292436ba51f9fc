"""The type checker is part of the project's test command: mypy (configured in pyproject.toml)
finds nothing in the checked packages."""

from __future__ import annotations

from pathlib import Path

from mypy import api

ROOT = Path(__file__).resolve().parent.parent
# The packages already clean. At integration, when all of reference_impl is, this list and
# `--follow-imports=silent` go: `api.run([])` checks pyproject's `files`.
CHECKED = [
    "conformance",
    "tools",
    "reference_impl/store",
    "reference_impl/schema",
    *sorted(str(path.relative_to(ROOT)) for path in ROOT.glob("reference_impl/*.py")),
]


def test_mypy_finds_no_error() -> None:
    out, err, status = api.run(["--follow-imports=silent", *(str(ROOT / p) for p in CHECKED)])
    assert status == 0, out + err
    assert "Success: no issues found" in out
