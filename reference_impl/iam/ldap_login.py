"""`POST /api/ldap/{login_option_id}/login|logout`: a bind to the option's LDAP server as
`{identifier}={username},{base_dn}` with the user's password; the bound entry's attributes
(renamed by the option's `attributes` map, e.g. `{"email": "mail"}`) feed the role mappings."""

from __future__ import annotations

from typing import Any

import ldap3
from ldap3.core.exceptions import LDAPException
from ldap3.utils.conv import escape_filter_chars
from ldap3.utils.dn import escape_rdn
from starlette.responses import JSONResponse

from ..api.errors import ApiError
from .federated import close_session, login_option, open_session, signed_in_user
from .service import IamService
from .web import API, IamCall, public_user, text

TIMEOUT = 10  # seconds, the option's default


def _entry(config: dict[str, Any], username: str, password: str) -> dict[str, Any]:
    """The attributes of the user's entry, read over the user's own bind; ApiError 401 when
    the bind fails, 400 when the server does not answer."""
    timeout = int(config.get("timeout", TIMEOUT))
    server = ldap3.Server(
        config["host"], port=int(config["port"]), connect_timeout=timeout, get_info=ldap3.NONE
    )
    dn = f"{config['identifier']}={escape_rdn(username)},{config['base_dn']}"
    try:
        connection = ldap3.Connection(server, user=dn, password=password, receive_timeout=timeout)
        if not connection.bind():
            raise ApiError(401, "wrong username or password")
        try:
            wanted = f"({config['identifier']}={escape_filter_chars(username)})"
            connection.search(dn, wanted, search_scope=ldap3.BASE, attributes=ldap3.ALL_ATTRIBUTES)
            found = connection.entries[0].entry_attributes_as_dict if connection.entries else {}
        finally:
            connection.unbind()
    except LDAPException as exc:
        raise ApiError(
            400, f"LDAP server {config['host']}:{config['port']} did not answer: {exc}"
        ) from None
    attributes: dict[str, Any] = {k: [str(x) for x in v] for k, v in found.items()}
    for name, source in (config.get("attributes") or {}).items():
        values = attributes.get(source) or []
        if values:
            attributes[name] = values[0]
    return attributes


def login(iam: IamService, call: IamCall):
    option = login_option(iam, call.params["login_option_id"], "ldap")
    body = call.obj()
    username = text(body, "username", required=True, max_len=128)
    password = text(body, "password", required=True, max_len=128)
    attributes = _entry(option["ldap_config"], username, password)
    user = signed_in_user(iam, option, username, attributes)
    return open_session(iam, user, JSONResponse({"value": public_user(user)}))


def logout(iam: IamService, call: IamCall):
    login_option(iam, call.params["login_option_id"], "ldap")
    return close_session(iam, call.principal.session_id, JSONResponse({"value": {}}))


ROUTES = [
    API("POST", "/ldap/{login_option_id}/login", login, None),
    API("POST", "/ldap/{login_option_id}/logout", logout, None),
]
