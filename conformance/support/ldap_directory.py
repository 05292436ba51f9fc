"""Start and stop the suite's real LDAP server (conformance/support/ldap_server.py) as a
process of its own, on 127.0.0.1 and a free port."""

from __future__ import annotations

import json
import subprocess
import sys
from types import TracebackType


class LdapDirectory:
    """`users`: name -> password, each an entry `cn=NAME,BASE_DN` a client can bind as."""

    def __init__(self, base_dn: str, users: dict[str, str]) -> None:
        self.base_dn = base_dn
        self.users = users
        self.port = 0
        self._process: subprocess.Popen[str] | None = None

    @property
    def uri(self) -> str:
        """`host:port`, as ldap-auth's `ldap_uri` takes it."""
        return f"127.0.0.1:{self.port}"

    def start(self) -> LdapDirectory:
        command = [sys.executable, "-m", "conformance.support.ldap_server", self.base_dn]
        process = subprocess.Popen(
            [*command, json.dumps(self.users)], stdout=subprocess.PIPE, text=True
        )
        self._process = process
        assert process.stdout is not None
        first = process.stdout.readline().strip()
        if not first.isdigit():
            self.stop()
            raise RuntimeError(f"the LDAP server did not start: {first or 'no output'}")
        self.port = int(first)
        return self

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is not None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            if process.stdout is not None:
                process.stdout.close()

    def __enter__(self) -> LdapDirectory:
        return self.start()

    def __exit__(
        self, exc_type: type | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
