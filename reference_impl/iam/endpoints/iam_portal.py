"""The paths anyone may call to sign in (the middleware lets them through unauthenticated),
and the portal namespace's endpoints no route table declares: the files of approvals."""

from __future__ import annotations

from ...api.actions import Endpoint, row

# the paths anyone may call, to sign in or to see how (the middleware lets them through
# unauthenticated)
SIGN_IN = (
    ("POST", "/api/login"),
    ("GET", "/api/login_options/public"),
    ("POST", "/api/ldap/{login_option_id}/login"),
    ("GET", "/api/oidc/{login_option_id}/login"),
    ("GET", "/api/oidc/{login_option_id}/callback"),
    ("GET", "/api/saml/{login_option_id}/login"),
    ("GET", "/api/saml/{login_option_id}/callback"),
    ("POST", "/api/saml/{login_option_id}/callback"),
    ("GET", "/api/saml/{login_option_id}/metadata"),
    ("GET", "/api/cas/{login_option_id}/login"),
)


def portal_endpoints() -> list[Endpoint]:
    """The portal endpoints no app's route table declares (the files of approvals)."""
    return [
        row("POST", "/api/files", None),
        row("GET", "/api/files/{file_id}", None),
    ]
