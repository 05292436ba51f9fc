"""The IAM core the endpoints and the middleware share: bootstrap, authentication and
decisions."""

from __future__ import annotations

import base64
import binascii
import secrets as random_secrets
import sys
import threading
from collections.abc import Mapping
from typing import Any

from ..config import ConfigError, GatewayConfig
from ..store import Store
from . import builtins, secrets
from .engine import CompiledPolicy, compile_policy, is_allowed
from .principal import AuthError, Principal
from .records import iam_records, now

SESSION_COOKIE = "api7ee_session"
DEFAULT_SESSION_TTL = 12 * 3600


def iam_settings(config: GatewayConfig) -> dict[str, Any]:
    settings = (config.raw.get("gwconform") or {}).get("iam") or {}
    return settings if isinstance(settings, dict) else {}


def configured_admin_password(settings: Mapping[str, Any]) -> str | None:
    """`gwconform.iam.admin_password`: the password the `admin` user is created with; None
    when the configuration does not name one (then one is generated)."""
    password = settings.get("admin_password")
    if password is None:
        return None
    if isinstance(password, bool) or not isinstance(password, str | int) or not str(password):
        raise ConfigError(f"invalid gwconform.iam.admin_password: {password!r}")
    return str(password)


def announce(line: str) -> None:
    """One line for the operator on stderr (the gateway's log)."""
    print(f"gwconform: {line}", file=sys.stderr, flush=True)


class IamService:
    def __init__(self, config: GatewayConfig, store: Store) -> None:
        settings = iam_settings(config)
        self.config = config
        self.records = iam_records(store)
        self.bcrypt_rounds = int(settings.get("bcrypt_rounds", 10))
        self.session_ttl = int(settings.get("session_ttl", DEFAULT_SESSION_TTL))
        configured = configured_admin_password(settings)
        self.admin_password_configured = configured is not None
        self.admin_password = configured or random_secrets.token_urlsafe(18)
        self.admin_keys = {k.key: k for k in config.admin_keys}
        self._compiled: dict[str, tuple[int, CompiledPolicy]] = {}
        self._basic_ok: dict[tuple[str, str], str] = {}  # (user id, hash) -> password digest
        self._lock = threading.Lock()
        self.write_lock = threading.RLock()
        self.bootstrapped = False

    # -- bootstrap --------------------------------------------------------------------
    def ensure_bootstrapped(self) -> None:
        if not self.bootstrapped:
            with self.write_lock:
                if not self.bootstrapped:
                    self.bootstrap()

    def bootstrap(self) -> None:
        """Write the built-in policies and roles and the `admin` user unless present. A
        generated password is announced once, when the user is created with it."""
        stamp = now()
        for policy in builtins.BUILT_IN_POLICIES:
            self.records.create(
                "permission_policies", {**policy, "created_at": stamp, "updated_at": stamp}
            )
        for role in builtins.BUILT_IN_ROLE_RECORDS:
            record = {"desc": "", "labels": {}, "type": "built_in", **role}
            self.records.create("roles", {**record, "created_at": stamp, "updated_at": stamp})
        created = self.records.create(
            "users",
            {
                "id": builtins.ADMIN_USER_ID,
                "username": "admin",
                "name": "admin",
                "email": "",
                "labels": {},
                "state": "Active",
                "type": "built_in",
                "roles": [builtins.SUPER_ADMIN],
                "boundaries": [],
                "password_hash": secrets.hash_password(self.admin_password, self.bcrypt_rounds),
                "created_at": stamp,
                "updated_at": stamp,
            },
        )
        if created and not self.admin_password_configured:
            self._announce_admin_password("created")
        elif not created:
            self._retire_former_password()
        self.bootstrapped = True

    def _retire_former_password(self) -> None:
        """An `admin` user that a store written by an earlier version still holds with the
        former built-in password `admin` gets this start's password instead, unless the
        configuration names `admin` itself."""
        if self.admin_password == builtins.FORMER_ADMIN_PASSWORD:
            return
        user = self.records.get("users", builtins.ADMIN_USER_ID)
        if user is None or user.get("type") != "built_in":
            return
        stored = str(user.get("password_hash", ""))
        if not secrets.check_password(builtins.FORMER_ADMIN_PASSWORD, stored):
            return
        hashed = secrets.hash_password(self.admin_password, self.bcrypt_rounds)
        self.records.put("users", {**user, "password_hash": hashed, "updated_at": now()})
        self._announce_admin_password("had the former built-in password; it was replaced")

    def _announce_admin_password(self, what: str) -> None:
        if self.admin_password_configured:
            announce(f'IAM user "admin" {what} with the password of gwconform.iam.admin_password')
        else:
            announce(
                f'IAM user "admin" {what} with the generated password {self.admin_password}'
                " (set gwconform.iam.admin_password to choose it)"
            )

    # -- authentication -----------------------------------------------------------------
    def user_principal(self, user: Mapping[str, Any], **extra: Any) -> Principal:
        return Principal(
            "user",
            user["id"],
            user["username"],
            tuple(user.get("roles") or ()),
            tuple(user.get("boundaries") or ()),
            **extra,
        )

    def admin_key_principal(self, key: str) -> Principal | None:
        admin_key = self.admin_keys.get(key)
        if admin_key is None:
            return None
        role = builtins.VIEWER if admin_key.role == "viewer" else builtins.SUPER_ADMIN
        return Principal("admin_key", admin_key.name, admin_key.name, (role,))

    def token_principal(self, token: str) -> Principal | None:
        """The owner of API token `token`, or None when no live token has that secret."""
        wanted = secrets.digest(token)
        for record in self.records.all("tokens"):
            if not secrets.same(record.get("token_digest", ""), wanted):
                continue
            expires = int(record.get("expires_at") or 0)
            if expires and expires <= now():
                raise AuthError("token expired")
            user = self.records.get("users", record["user_id"])
            if user is None:
                raise AuthError("the token's user no longer exists")
            return self.user_principal(_active(user), token_id=record["id"])
        return None

    def session_principal(self, session_id: str) -> Principal | None:
        record = self.records.get("sessions", secrets.digest(session_id))
        if record is None or int(record.get("expires_at", 0)) <= now():
            return None
        user = self.records.get("users", record["user_id"])
        if user is None:
            return None
        return self.user_principal(_active(user), session_id=record["id"])

    def basic_principal(self, header: str) -> Principal:
        try:
            raw = base64.b64decode(header, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise AuthError("malformed basic credentials") from None
        username, sep, password = raw.partition(":")
        user = self.find_user(username) if sep else None
        if user is None or not self.password_ok(user, password):
            raise AuthError("wrong username or password")
        return self.user_principal(_active(user))

    def find_user(self, username: str) -> dict[str, Any] | None:
        return next((u for u in self.records.all("users") if u["username"] == username), None)

    def password_ok(self, user: Mapping[str, Any], password: str) -> bool:
        """bcrypt check, remembered per (user, hash) so basic auth is not slow per request."""
        hashed = user.get("password_hash", "")
        key = (user["id"], hashed)
        if self._basic_ok.get(key) == secrets.digest(password):
            return True
        if not secrets.check_password(password, hashed):
            return False
        with self._lock:
            self._basic_ok[key] = secrets.digest(password)
        return True

    def authenticate(self, headers: Mapping[str, str], cookies: Mapping[str, str]) -> Principal:
        """The caller, by precedence: X-API-KEY (gateway admin key, then API token),
        basic auth, session cookie. AuthError (401) when none identifies anyone."""
        key = headers.get("x-api-key")
        if key:
            principal = self.admin_key_principal(key) or self.token_principal(key)
            if principal is None:
                raise AuthError("invalid API key")
            return principal
        authorization = headers.get("authorization", "")
        if authorization[:6].lower() == "basic ":
            return self.basic_principal(authorization[6:].strip())
        session = cookies.get(SESSION_COOKIE)
        if session:
            principal = self.session_principal(session)
            if principal is not None:
                return principal
            raise AuthError("session expired or logged out")
        raise AuthError("authentication required")

    # -- decisions ----------------------------------------------------------------------
    def compiled(self, policy_id: str) -> CompiledPolicy | None:
        kv = self.records.store.get(self.records.key("permission_policies", policy_id))
        if kv is None or not isinstance(kv.value, dict):
            return None
        cached = self._compiled.get(policy_id)
        if cached is not None and cached[0] == kv.mod_revision:
            return cached[1]
        policy = compile_policy(kv.value["policy_document"])
        with self._lock:
            self._compiled[policy_id] = (kv.mod_revision, policy)
        return policy

    def policies_of(
        self, principal: Principal
    ) -> tuple[list[CompiledPolicy], list[CompiledPolicy]]:
        policy_ids: list[str] = []
        for role_id in principal.roles:
            role = self.records.get("roles", role_id)
            if role is not None:
                policy_ids += role.get("policies") or []
        policies = [p for p in map(self.compiled, dict.fromkeys(policy_ids)) if p is not None]
        boundaries = [p for p in map(self.compiled, principal.boundaries) if p is not None]
        if principal.boundaries and not boundaries:
            # every boundary policy is gone: the boundary allows nothing rather than all
            return policies, [CompiledPolicy()]
        return policies, boundaries

    def allowed(
        self,
        principal: Principal,
        action: str,
        resource: str,
        context: Mapping[str, Any] | None = None,
    ) -> bool:
        policies, boundaries = self.policies_of(principal)
        return is_allowed(policies, boundaries, action, resource, context)


def _active(user: Mapping[str, Any]) -> Mapping[str, Any]:
    """A user whose credentials still identify it (SCIM deactivates users)."""
    if user.get("state", "Active") != "Active":
        raise AuthError(f"user {user['username']} is deactivated")
    return user
