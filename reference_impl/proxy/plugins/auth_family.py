"""The authentication and authorization plugins that talk to other services or libraries
(issue 17): forward-auth, hmac-auth, authz-casbin, ldap-auth, openid-connect."""

from __future__ import annotations

from ..plugin_api import Plugin
from .authz_casbin import AuthzCasbin
from .forward_auth import ForwardAuth
from .hmac_auth import HmacAuth
from .ldap_auth import LdapAuth
from .openid_connect import OpenidConnect

AUTH_FAMILY: tuple[type[Plugin], ...] = (
    ForwardAuth,
    HmacAuth,
    AuthzCasbin,
    LdapAuth,
    OpenidConnect,
)
