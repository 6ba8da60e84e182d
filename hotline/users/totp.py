"""Optional TOTP second factor for staff (RFC 6238, 30 s steps, 6 digits, via pyotp).

`StaffUser.totp_secret` holds "<state>:<Fernet token>"; the state ("pending" while the user
has not yet confirmed a code, "on" once it is required) is readable without the data key, the
secret and the last accepted time step are only inside the ciphertext. Remembering the last
step refuses a code that was already used (a shoulder-surfed or replayed code).
"""

from __future__ import annotations

import hmac
import json
import time
from dataclasses import dataclass

import pyotp

from hotline.db.base import utcnow
from hotline.kit.crypto import Cipher, DecryptionError
from hotline.users.models import StaffUser
from hotline.users.service import LOCKOUT

ISSUER = "Cảnh Giác"
# Wrong codes from someone who already has the password lock the account sooner than wrong
# passwords do (hotline.users.service.MAX_FAILED_LOGINS): 6 digits are few to guess.
MAX_FAILED_CODES = 5
STEP = 30
# One step either side absorbs clock drift between the server and the phone.
WINDOW = 1
PENDING, ON = "pending", "on"


@dataclass(frozen=True)
class Enrolment:
    """What a user types into an authenticator app (no QR code: no external service)."""

    secret: str
    uri: str

    @property
    def grouped(self) -> str:
        """The base32 secret in groups of four, easier to type by hand."""
        return " ".join(self.secret[i : i + 4] for i in range(0, len(self.secret), 4))


def state(user: StaffUser) -> str | None:
    """None (off), "pending" (generated, not confirmed) or "on" (required at login)."""
    value = user.totp_secret or ""
    head = value.split(":", 1)[0]
    return head if head in (PENDING, ON) else None


def enabled(user: StaffUser) -> bool:
    """True when a code is required after the password."""
    return state(user) == ON


def _store(cipher: Cipher, user: StaffUser, st: str, secret: str, last: int) -> None:
    blob = json.dumps({"s": secret, "t": last}).encode()
    user.totp_secret = f"{st}:{cipher.encrypt(blob).decode('ascii')}"


def _load(cipher: Cipher, user: StaffUser) -> tuple[str, int] | None:
    value = user.totp_secret or ""
    if ":" not in value:
        return None
    try:
        data = json.loads(cipher.decrypt(value.split(":", 1)[1].encode("ascii")))
    except (DecryptionError, ValueError):
        return None
    return str(data["s"]), int(data.get("t", 0))


def uri(secret: str, username: str) -> str:
    """The otpauth:// URI of RFC 6238 / Key Uri Format for authenticator apps."""
    return pyotp.TOTP(secret, interval=STEP).provisioning_uri(name=username, issuer_name=ISSUER)


def begin(cipher: Cipher, user: StaffUser) -> Enrolment:
    """Generate a new secret, pending until confirmed with a code (refused when already on)."""
    if enabled(user):
        raise ValueError("TOTP already enabled")
    secret = pyotp.random_base32()
    _store(cipher, user, PENDING, secret, 0)
    return Enrolment(secret, uri(secret, user.username))


def pending(cipher: Cipher, user: StaffUser) -> Enrolment | None:
    """The unconfirmed enrolment, to show again until it is confirmed."""
    if state(user) != PENDING:
        return None
    loaded = _load(cipher, user)
    return Enrolment(loaded[0], uri(loaded[0], user.username)) if loaded else None


def _match(secret: str, code: str, last: int, now: float) -> int | None:
    """The time step `code` belongs to (newer than `last`), else None."""
    code = "".join(code.split())
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret, interval=STEP)
    current = int(now) // STEP
    for step in range(current - WINDOW, current + WINDOW + 1):
        if step > last and hmac.compare_digest(totp.at(step * STEP), code):
            return step
    return None


def confirm(cipher: Cipher, user: StaffUser, code: str, now: float | None = None) -> bool:
    """Turn the pending secret on when the code from the app is right."""
    loaded = _load(cipher, user) if state(user) == PENDING else None
    if loaded is None:
        return False
    step = _match(loaded[0], code, loaded[1], time.time() if now is None else now)
    if step is None:
        return False
    _store(cipher, user, ON, loaded[0], step)
    return True


def verify(cipher: Cipher, user: StaffUser, code: str, now: float | None = None) -> bool:
    """Check a login code of an enabled user (each code works once)."""
    loaded = _load(cipher, user) if enabled(user) else None
    if loaded is None:
        return False
    step = _match(loaded[0], code, loaded[1], time.time() if now is None else now)
    if step is None:
        return False
    _store(cipher, user, ON, loaded[0], step)
    return True


def disable(user: StaffUser) -> None:
    """Forget the secret (the user's own disable, with a code, or an admin's reset)."""
    user.totp_secret = None


def count_failure(user: StaffUser) -> bool:
    """A wrong code counts towards the lockout; True when the account is now locked."""
    user.failed_logins += 1
    if user.failed_logins >= MAX_FAILED_CODES:
        user.locked_until = utcnow() + LOCKOUT
        user.failed_logins = 0
        return True
    return False


def succeeded(user: StaffUser) -> None:
    """Both factors passed: clear the failure counter."""
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = utcnow()


def locked(user: StaffUser) -> bool:
    """True while a lockout runs."""
    return user.locked_until is not None and user.locked_until > utcnow()


def current_code(secret: str, now: float | None = None) -> str:
    """The code an authenticator app would show now (tests and the CLI)."""
    return pyotp.TOTP(secret, interval=STEP).at(int(time.time() if now is None else now))
