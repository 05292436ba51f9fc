"""ldap-auth (APISIX 3.5): Basic credentials checked by binding to an LDAP server as
`uid=username,base_dn`; the consumer whose `user_dn` is that DN is attached.

The bind runs in a thread (ldap3 is synchronous) so the event loop never waits on the
directory, within APISIX's 10 s timeout.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from typing import Any

import ldap3
from ldap3.core.exceptions import LDAPException

from ..plugin_api import Ctx, Plugin, Response
from .auth_common import attach_consumer
from .basic_auth import parse_basic_authorization
from .real_ip import parse_addr

log = logging.getLogger(__name__)

TIMEOUT = 10  # seconds, resty.ldap's timeout as APISIX sets it
_CHALLENGE = {"WWW-Authenticate": "Basic realm='.'"}


def _reject(message: str, headers: dict[str, str] | None = None) -> Response:
    return Response(401, {"message": message}, headers or {})


class LdapAuth(Plugin):
    name = "ldap-auth"
    priority = 2540
    kind = "auth"

    def __init__(self, conf: dict[str, Any], env: Any) -> None:
        super().__init__(conf, env)
        parsed = parse_addr(conf["ldap_uri"])
        if parsed is None:
            raise ValueError(f"invalid ldap_uri {conf['ldap_uri']!r}")
        host, port = parsed
        use_tls = bool(conf.get("use_tls"))
        tls = None
        if use_tls:
            verify = ssl.CERT_REQUIRED if conf.get("tls_verify") else ssl.CERT_NONE
            tls = ldap3.Tls(validate=verify)
        self._server = ldap3.Server(
            host.strip("[]"),
            port=port or 389,
            use_ssl=use_tls,
            tls=tls,
            connect_timeout=TIMEOUT,
            get_info=ldap3.NONE,
        )
        self._uid: str = conf.get("uid", "cn")
        self._base_dn: str = conf["base_dn"]

    def _bind(self, user_dn: str, password: str) -> bool:
        try:
            connection = ldap3.Connection(
                self._server, user=user_dn, password=password, receive_timeout=TIMEOUT
            )
            try:
                return bool(connection.bind())
            finally:
                connection.unbind()
        except LDAPException as exc:
            log.warning("ldap-auth failed: %s", exc)
            return False

    async def rewrite(self, ctx: Ctx) -> Response | None:
        authorization = ctx.request.headers.get("authorization")
        if authorization is None:
            return _reject("Missing authorization in request", _CHALLENGE)
        credentials = parse_basic_authorization(authorization)
        if credentials is None:
            return _reject("Invalid authorization in request")
        username, password = credentials
        user_dn = f"{self._uid}={username},{self._base_dn}"
        try:
            bound = await asyncio.wait_for(
                asyncio.to_thread(self._bind, user_dn, password), TIMEOUT
            )
        except TimeoutError:
            log.warning("ldap-auth failed: the LDAP server did not answer in %ss", TIMEOUT)
            bound = False
        if not bound:
            return _reject("Invalid user authorization")
        if not self.env.has_consumers_with(self.name):
            return _reject("Missing related consumer")
        found = self.env.find_consumer(self.name, "user_dn", user_dn)
        if found is None:
            return _reject("Invalid user authorization")
        attach_consumer(ctx, *found)
        return None
