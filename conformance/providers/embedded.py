"""The embedded target: the reference implementation, always started as a separate process.

This is the only module of the suite that knows the reference implementation exists, and it
knows it only as a command line.
"""

from __future__ import annotations

import os
import sys

SERVER_MODULE = "reference_impl"


def server_command(*args: str) -> list[str]:
    return [sys.executable, "-m", SERVER_MODULE, "serve", *args]


def exec_serve(args: list[str]) -> None:
    """Replace this process with the reference gateway (for `gwconform serve`)."""
    command = server_command(*args)
    os.execv(command[0], command)
