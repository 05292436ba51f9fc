"""A real LDAP server (ldaptor's, on Twisted) for ldap-auth tests, run as its own process:

    python -m conformance.support.ldap_server BASE_DN '{"user01": "password1"}'

serves an in-memory directory with `BASE_DN`, and one person entry `cn=NAME,BASE_DN` (with
`userPassword`) per user, on 127.0.0.1 and a free port, which it prints as its first line.
"""

from __future__ import annotations

import json
import sys
from io import BytesIO
from typing import Any

from ldaptor.inmemory import fromLDIFFile
from ldaptor.interfaces import IConnectedLDAPEntry
from ldaptor.protocols.ldap.ldapserver import LDAPServer
from twisted.internet import reactor as twisted_reactor
from twisted.internet.protocol import ServerFactory
from twisted.python.components import registerAdapter


class _Factory(ServerFactory):
    protocol = LDAPServer

    def __init__(self, root: Any) -> None:
        self.root = root

    def buildProtocol(self, addr: Any) -> LDAPServer:
        proto = self.protocol()
        proto.debug = False
        proto.factory = self
        return proto


reactor: Any = twisted_reactor  # the module-level reactor is typed as the module
registerAdapter(lambda factory: factory.root, _Factory, IConnectedLDAPEntry)


def ldif(base_dn: str, users: dict[str, str]) -> bytes:
    first = base_dn.split(",")[0]
    attribute, _, value = first.partition("=")
    entries = [
        f"dn: {base_dn}\n{attribute}: {value}\nobjectClass: top\n"
        + (
            "objectClass: dcObject\nobjectClass: organization\no: test\n"
            if attribute == "dc"
            else ""
        )
        + ("objectClass: organizationalUnit\n" if attribute == "ou" else "")
    ]
    for name, password in users.items():
        entries.append(
            f"dn: cn={name},{base_dn}\ncn: {name}\nsn: {name}\nobjectClass: person\n"
            f"userPassword: {password}\n"
        )
    return ("\n".join(entries) + "\n").encode()


def main() -> None:
    base_dn, users = sys.argv[1], json.loads(sys.argv[2])

    def listen(root: Any) -> None:
        port = reactor.listenTCP(0, _Factory(root), interface="127.0.0.1")
        print(port.getHost().port, flush=True)

    def fail(failure: Any) -> None:
        print(f"error: {failure.getErrorMessage()}", flush=True)
        reactor.stop()

    loaded = fromLDIFFile(BytesIO(ldif(base_dn, users)))
    loaded.addCallbacks(listen, fail)
    reactor.run()


if __name__ == "__main__":
    main()
