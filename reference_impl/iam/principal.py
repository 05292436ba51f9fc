"""Who is calling: a dashboard user (by session, API token or basic auth) or one of the
gateway's admin keys."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Principal:
    kind: str  # "user" or "admin_key"
    id: str  # the user id, or the admin key's name
    username: str
    roles: tuple[str, ...]
    boundaries: tuple[str, ...] = ()
    token_id: str | None = None
    session_id: str | None = None  # the digest of the session, for logout

    @property
    def is_user(self) -> bool:
        return self.kind == "user"


class AuthError(Exception):
    """Credentials that do not identify anyone: 401."""
