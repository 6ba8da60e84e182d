"""Keyed pseudonyms, authenticated encryption at rest, and slow receipt hashes."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from cryptography.fernet import Fernet, InvalidToken, MultiFernet

# Crockford base32 alphabet: no I, L, O, U, so codes survive being read aloud or retyped.
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


class DecryptionError(ValueError):
    """Ciphertext was tampered with or was made with a key we no longer hold."""


class Pseudonymizer:
    """Derives stable, non-reversible keys for channel identities (HMAC-SHA256)."""

    def __init__(self, secret_key: bytes) -> None:
        # A dedicated sub-key, so the same secret can sign sessions without cross-use.
        self._key = hmac.new(secret_key, b"canhgiac/pseudonym/v1", hashlib.sha256).digest()

    def key(self, channel: str, user_id: str | int) -> str:
        """Pseudonym for (channel, user id); the raw id is never stored."""
        msg = f"{channel}\x1f{user_id}".encode()
        return hmac.new(self._key, msg, hashlib.sha256).hexdigest()

    def derive(self, purpose: str, value: str) -> str:
        """A keyed hash of an arbitrary value for one purpose (e.g. duplicate detection)."""
        msg = f"{purpose}\x1f{value}".encode()
        return hmac.new(self._key, msg, hashlib.sha256).hexdigest()


class Cipher:
    """Fernet (AES-128-CBC + HMAC-SHA256) with rotation: encrypt with the newest key."""

    def __init__(self, data_key: bytes, previous: list[bytes] | None = None) -> None:
        keys = [Fernet(data_key), *(Fernet(k) for k in previous or [])]
        self._fernet = MultiFernet(keys)

    def encrypt(self, plaintext: bytes) -> bytes:
        """Encrypt and authenticate bytes."""
        return self._fernet.encrypt(plaintext)

    def decrypt(self, token: bytes) -> bytes:
        """Decrypt, refusing tampered ciphertext."""
        try:
            return self._fernet.decrypt(token)
        except InvalidToken as exc:
            raise DecryptionError("cannot decrypt (wrong key or tampered)") from exc

    def encrypt_text(self, text: str) -> bytes:
        """Encrypt a UTF-8 string."""
        return self.encrypt(text.encode("utf-8"))

    def decrypt_text(self, token: bytes) -> str:
        """Decrypt to a UTF-8 string."""
        return self.decrypt(token).decode("utf-8")

    def rotate(self, token: bytes) -> bytes:
        """Re-encrypt a token under the newest key (DecryptionError if no held key reads it)."""
        try:
            return self._fernet.rotate(token)
        except InvalidToken as exc:
            raise DecryptionError("cannot decrypt (wrong key or tampered)") from exc


def generate_key() -> str:
    """32 random bytes, URL-safe base64: valid for both CANHGIAC_*_KEY variables."""
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode("ascii")


def new_receipt_code() -> str:
    """A receipt code `XXXX-XXXX-XXXX-XXXX`: 16 Crockford symbols = 80 bits of entropy."""
    symbols = "".join(secrets.choice(CROCKFORD) for _ in range(16))
    return "-".join(symbols[i : i + 4] for i in range(0, 16, 4))


def normalize_receipt_code(raw: str) -> str | None:
    """Canonical form of a typed code (Crockford: O->0, I/L->1), or None if malformed."""
    cleaned = "".join(ch for ch in raw.upper() if ch.isalnum())
    cleaned = cleaned.translate(str.maketrans("OIL", "011"))
    if len(cleaned) != 16 or any(ch not in CROCKFORD for ch in cleaned):
        return None
    return "-".join(cleaned[i : i + 4] for i in range(0, 16, 4))


# Argon2id with moderate cost: a slow hash for passwords and receipt codes.
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)


def slow_hash(secret: str) -> str:
    """Argon2id hash for storage."""
    return _hasher.hash(secret)


def slow_verify(stored: str, secret: str) -> bool:
    """Constant-time verify of an Argon2id hash."""
    try:
        return _hasher.verify(stored, secret)
    except (VerificationError, InvalidHashError):
        return False


def lookup_tag(secret_key: bytes, code: str) -> str:
    """A short keyed tag of a receipt code to find candidate rows without storing the code.

    Only 16 bits are kept, so the tag narrows the search but cannot confirm a guess offline.
    """
    digest = hmac.new(secret_key, b"receipt\x1f" + code.encode(), hashlib.sha256).digest()
    return digest[:2].hex()
