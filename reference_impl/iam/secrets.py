"""Password hashes (bcrypt) and the secrets of API tokens and sessions (random, stored as
SHA-256 digests: they are long random strings, so a fast digest is safe and lets a request
find its token by digest)."""

from __future__ import annotations

import hashlib
import hmac
import secrets

import bcrypt

TOKEN_PREFIX = "a7ee-"
BCRYPT_MAX_BYTES = 72


def _password_bytes(password: str) -> bytes:
    # bcrypt reads at most 72 bytes; pre-hash longer ones so no part of them is ignored
    raw = password.encode("utf-8")
    if len(raw) > BCRYPT_MAX_BYTES:
        raw = hashlib.sha256(raw).hexdigest().encode("ascii")
    return raw


def hash_password(password: str, rounds: int = 10) -> str:
    return bcrypt.hashpw(_password_bytes(password), bcrypt.gensalt(rounds)).decode("ascii")


def check_password(password: str, hashed: str) -> bool:
    try:
        return bcrypt.checkpw(_password_bytes(password), hashed.encode("ascii"))
    except ValueError:
        return False


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_hex(24)


def new_session_id() -> str:
    return secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))
