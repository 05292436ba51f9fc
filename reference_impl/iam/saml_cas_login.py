"""SAML 2.0 and CAS sign-in through a login option.

SAML: `GET /api/saml/{id}/login` reads the IdP metadata and redirects to its single sign-on
service (HTTP-Redirect binding) with an AuthnRequest; `GET .../metadata` is the SP metadata
the IdP is configured with; the ACS/SLO callback `.../callback` (POST form or GET query)
reads the SAMLResponse. The reference cannot verify XML signatures, so a successful
response is refused (400) rather than trusted unverified; a failed one answers its status.

CAS: `GET /api/cas/{id}/login` redirects to `{url}/login?service=`; with `ticket` it
validates the ticket at `{url}/serviceValidate` (CAS 2.0) and opens the session.
`GET .../logout?redirect=` ends the session through `{url}/logout`.

A provider that does not answer is a 400 naming its URL (`idp_http`)."""

from __future__ import annotations

import base64
import binascii
import secrets as random
import zlib
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode
from xml.etree import ElementTree
from xml.sax.saxutils import quoteattr

from starlette.responses import RedirectResponse, Response

from ..api.errors import ApiError
from .federated import close_session, login_option, open_session, signed_in_user
from .idp_http import call as idp_call
from .service import IamService
from .web import API, IamCall

MD = "{urn:oasis:names:tc:SAML:2.0:metadata}"
SAMLP = "{urn:oasis:names:tc:SAML:2.0:protocol}"
CAS = "{http://www.yale.edu/tp/cas}"
REDIRECT_BINDING = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
POST_BINDING = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
SUCCESS = "urn:oasis:names:tc:SAML:2.0:status:Success"


def _xml(text: str | bytes, what: str) -> ElementTree.Element:
    try:
        return ElementTree.fromstring(text)
    except ElementTree.ParseError as exc:
        raise ApiError(400, f"invalid {what}: {exc}") from None


def _sp(option: dict[str, Any]) -> tuple[str, str, str]:
    """(entity id, ACS URL, SLO URL) of the dashboard as the option's service provider:
    as configured, else the paths below `sp_root_url` this module serves."""
    config = option["saml_config"]
    own = f"{config['sp_root_url'].rstrip('/')}/api/saml/{option['id']}"
    acs = config.get("sp_acs_url") or f"{own}/callback"
    metadata = config.get("sp_metadata_url") or f"{own}/metadata"
    return config.get("entity_id") or metadata, acs, config.get("sp_slo_url") or f"{own}/callback"


def _idp_service(option: dict[str, Any], element: str) -> str | None:
    url = option["saml_config"]["idp_metadata_url"]
    metadata = _xml(idp_call("GET", url).content, f"SAML IdP metadata at {url}")
    for service in metadata.iter(f"{MD}{element}"):
        if service.get("Binding") == REDIRECT_BINDING and service.get("Location"):
            return service.get("Location")
    return None


def _redirect_target(call: IamCall) -> str:
    target = call.args.get("redirect_uri") or "/"
    if not target.startswith("/"):
        raise ApiError(400, "invalid query: redirect_uri must be a path starting with /")
    return target


def saml_login(iam: IamService, call: IamCall):
    option = login_option(iam, call.params["login_option_id"], "saml")
    relay = _redirect_target(call)
    sso = _idp_service(option, "SingleSignOnService")
    if sso is None:
        raise ApiError(400, "the SAML IdP metadata has no HTTP-Redirect SingleSignOnService")
    entity, acs, _ = _sp(option)
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    request = (
        '<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" '
        'xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" '
        f'ID="_{random.token_hex(16)}" Version="2.0" IssueInstant="{stamp}" '
        f"Destination={quoteattr(sso)} AssertionConsumerServiceURL={quoteattr(acs)} "
        f'ProtocolBinding="{POST_BINDING}"><saml:Issuer>{_escaped(entity)}</saml:Issuer>'
        "</samlp:AuthnRequest>"
    )
    deflated = zlib.compress(request.encode())[2:-4]  # raw DEFLATE, as the binding wants
    query = urlencode({"SAMLRequest": base64.b64encode(deflated).decode(), "RelayState": relay})
    return RedirectResponse(f"{sso}?{query}", status_code=302)


def _escaped(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def saml_logout(iam: IamService, call: IamCall):
    option = login_option(iam, call.params["login_option_id"], "saml")
    relay = _redirect_target(call)
    slo = _idp_service(option, "SingleLogoutService")
    target = f"{slo}?{urlencode({'RelayState': relay})}" if slo else relay
    return close_session(iam, call.principal.session_id, RedirectResponse(target, 302))


def saml_callback(iam: IamService, call: IamCall):
    login_option(iam, call.params["login_option_id"], "saml")
    form = call.body if isinstance(call.body, dict) else {}
    raw = form.get("SAMLResponse") or call.args.get("SAMLResponse")
    if not isinstance(raw, str) or not raw:
        raise ApiError(400, "invalid request: SAMLResponse is required")
    try:
        decoded = base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        raise ApiError(400, "invalid SAMLResponse: not base64") from None
    response = _xml(decoded, "SAMLResponse")
    code = next((s.get("Value") for s in response.iter(f"{SAMLP}StatusCode")), None)
    if code != SUCCESS:
        raise ApiError(401, f"the SAML identity provider refused the sign-in: {code}")
    raise ApiError(
        400, "SAML sign-in is refused: the reference cannot verify the response's XML signature"
    )


def saml_metadata(iam: IamService, call: IamCall):
    option = login_option(iam, call.params["login_option_id"], "saml")
    entity, acs, slo = _sp(option)
    body = (
        '<?xml version="1.0"?>\n'
        '<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" '
        f"entityID={quoteattr(entity)}>"
        '<md:SPSSODescriptor AuthnRequestsSigned="false" WantAssertionsSigned="true" '
        'protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">'
        f'<md:SingleLogoutService Binding="{REDIRECT_BINDING}" '
        f"Location={quoteattr(slo)}/>"
        f'<md:AssertionConsumerService Binding="{POST_BINDING}" Location={quoteattr(acs)} '
        'index="1"/></md:SPSSODescriptor></md:EntityDescriptor>\n'
    )
    return Response(body, media_type="application/samlmetadata+xml")


def _cas_service(call: IamCall) -> str:
    return f"{call.base_url}/api/cas/{call.params['login_option_id']}/login"


def cas_login(iam: IamService, call: IamCall):
    option = login_option(iam, call.params["login_option_id"], "cas")
    config = option["cas_config"]
    url, service = config["url"].rstrip("/"), _cas_service(call)
    ticket = call.args.get("ticket")
    if not ticket:
        return RedirectResponse(f"{url}/login?{urlencode({'service': service})}", 302)
    answer = idp_call(
        "GET",
        f"{url}/serviceValidate",
        verify=config.get("ssl_verify", True),
        params={"service": service, "ticket": ticket},
    )
    document = _xml(answer.content, f"CAS answer from {url}")
    success = document.find(f"{CAS}authenticationSuccess")
    if success is None:
        failure = document.find(f"{CAS}authenticationFailure")
        reason = (failure.text or "").strip() if failure is not None else "no answer"
        raise ApiError(401, f"the CAS server refused the ticket: {reason}")
    username = (success.findtext(f"{CAS}user") or "").strip()
    if not username:
        raise ApiError(401, "the CAS server names no user")
    extra = success.find(f"{CAS}attributes")
    attributes = {e.tag.replace(CAS, ""): (e.text or "") for e in (extra or [])}
    user = signed_in_user(iam, option, username, attributes)
    return open_session(iam, user, RedirectResponse("/", status_code=302))


def cas_logout(iam: IamService, call: IamCall):
    option = login_option(iam, call.params["login_option_id"], "cas")
    redirect = call.args.get("redirect")
    if not redirect:
        raise ApiError(400, "invalid query: redirect is required")
    url = option["cas_config"]["url"].rstrip("/")
    target = f"{url}/logout?{urlencode({'service': redirect})}"
    return close_session(iam, call.principal.session_id, RedirectResponse(target, 302))


ROUTES = [
    API("GET", "/saml/{login_option_id}/login", saml_login, None),
    API("GET", "/saml/{login_option_id}/logout", saml_logout, None),
    API("POST", "/saml/{login_option_id}/callback", saml_callback, None),
    API("GET", "/saml/{login_option_id}/callback", saml_callback, None),
    API("GET", "/saml/{login_option_id}/metadata", saml_metadata, None),
    API("GET", "/cas/{login_option_id}/login", cas_login, None),
    API("GET", "/cas/{login_option_id}/logout", cas_logout, None),
]
