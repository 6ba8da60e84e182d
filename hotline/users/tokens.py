"""Bearer tokens for the REST API: signed, expiring, bound to the user's current password."""

from __future__ import annotations

import hashlib

from itsdangerous import BadSignature, URLSafeTimedSerializer

TOKEN_MAX_AGE = 8 * 3600


def _serializer(secret_key: bytes) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt="canhgiac/api-token/v1")


def _fingerprint(password_hash: str) -> str:
    # Changing the password invalidates every token issued before.
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


def issue(secret_key: bytes, user_id: int, password_hash: str) -> str:
    """A token for a signed-in user."""
    return _serializer(secret_key).dumps({"u": user_id, "p": _fingerprint(password_hash)})


def read(secret_key: bytes, token: str, max_age: int = TOKEN_MAX_AGE) -> tuple[int, str] | None:
    """(user id, password fingerprint) from a valid token, else None."""
    try:
        data = _serializer(secret_key).loads(token, max_age=max_age)
    except BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        return None
    return data["u"], str(data.get("p", ""))


def matches(password_hash: str, fingerprint: str) -> bool:
    """True when the token was issued for the current password."""
    return _fingerprint(password_hash) == fingerprint
