"""openid-connect's session for the authorization code flow: the state of a login, then its
tokens and user, kept in the client's `session` cookie (lua-resty-session's name and its
default cookie storage), encrypted and authenticated with a key from `session.secret` so the
gateway's workers and processes all read it and a client can neither read nor forge it."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import time
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

COOKIE = "session"
LIFETIME = 3600  # lua-resty-session's cookie lifetime, seconds


def _cipher(secret: str) -> AESGCM:
    return AESGCM(hashlib.sha256(secret.encode()).digest())


def open_session(secret: str, cookie: str | None) -> dict[str, Any] | None:
    """The session a cookie carries; None when absent, forged, from another secret, or over."""
    if not cookie:
        return None
    try:
        raw = base64.urlsafe_b64decode(cookie + "=" * (-len(cookie) % 4))
        data = json.loads(_cipher(secret).decrypt(raw[:12], raw[12:], None))
    except (ValueError, InvalidTag):
        return None
    if not isinstance(data, dict) or data.get("expires", 0) <= time.time():
        return None
    return data


def session_cookie(secret: str, data: dict[str, Any], https: bool) -> str:
    """A Set-Cookie value carrying `data` for LIFETIME seconds."""
    expires = int(time.time()) + LIFETIME
    nonce = os.urandom(12)
    sealed = _cipher(secret).encrypt(nonce, json.dumps({**data, "expires": expires}).encode(), None)
    value = base64.urlsafe_b64encode(nonce + sealed).decode().rstrip("=")
    when = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(expires))
    secure = "; Secure" if https else ""
    return f"{COOKIE}={value}; Expires={when}; Max-Age={LIFETIME}; Path=/; SameSite=Lax{secure}; HttpOnly"


def ended_session_cookie() -> str:
    """A Set-Cookie value removing the session (logout)."""
    return f"{COOKIE}=; Expires=Thu, 01 Jan 1970 00:00:01 GMT; Max-Age=0; Path=/; SameSite=Lax; HttpOnly"
