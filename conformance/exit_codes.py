"""The exit codes `gwconform run` and `gwconform load` share, and their --help text."""

from __future__ import annotations

import click

PASSED = 0
FAILED = 1
USAGE_ERROR = 2  # also an aborted run: no verdict

HELP = (
    "Exit codes: 0 passed (run: every selected profile Conformant; load: every SLO met); "
    "1 not (run: a profile is not Conformant; load: an SLO breached); 2 a usage error or an "
    "aborted run (bad option or file, unreachable target, refused key, a target that stopped "
    "answering), with one line saying why."
)


class UsageError(click.ClickException):
    """One line on stderr and exit code 2, as `run` does for its user errors."""

    exit_code = USAGE_ERROR
