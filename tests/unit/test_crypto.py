"""Pseudonyms, encryption at rest and receipt codes."""

import re

import pytest

from hotline.kit.crypto import (
    CROCKFORD,
    Cipher,
    DecryptionError,
    Pseudonymizer,
    generate_key,
    new_receipt_code,
    normalize_receipt_code,
    slow_hash,
    slow_verify,
)

CODE = re.compile(r"^[A-Z0-9]{4}(-[A-Z0-9]{4}){3}$")


def test_receipt_code_format_and_alphabet() -> None:
    codes = {new_receipt_code() for _ in range(2000)}
    assert len(codes) == 2000
    for code in codes:
        assert CODE.match(code)
        assert set(code.replace("-", "")) <= set(CROCKFORD)
    # 16 symbols of a 32-letter alphabet = 80 bits
    assert len(CROCKFORD) ** 16 == 2**80


def test_normalize_receipt_code_forgives_typing() -> None:
    assert normalize_receipt_code("abcd efgh jkmn pqrs") == "ABCD-EFGH-JKMN-PQRS"
    assert normalize_receipt_code("0O1I-L000-0000-0000") == "0011-1000-0000-0000"
    assert normalize_receipt_code("ABCD-EFGH-JKMN") is None
    assert normalize_receipt_code("ABCD-EFGH-JKMN-PQRU") is None  # U is not Crockford


def test_pseudonyms_are_stable_keyed_and_channel_separated() -> None:
    a = Pseudonymizer(generate_key().encode())
    b = Pseudonymizer(generate_key().encode())
    assert a.key("telegram", 42) == a.key("telegram", "42")
    assert a.key("telegram", 42) != a.key("zalo", 42)
    assert a.key("telegram", 42) != b.key("telegram", 42)


def test_cipher_roundtrip_tamper_and_rotation() -> None:
    old, new = generate_key().encode(), generate_key().encode()
    c_old = Cipher(old)
    token = c_old.encrypt_text("Có người bị giữ hộ chiếu ở Bavet")
    assert b"Bavet" not in token
    assert c_old.decrypt_text(token) == "Có người bị giữ hộ chiếu ở Bavet"
    with pytest.raises(DecryptionError):
        c_old.decrypt(token[:-3] + b"AAA")
    rotated = Cipher(new, [old])
    assert rotated.decrypt_text(token).endswith("Bavet")
    fresh = rotated.rotate(token)
    assert Cipher(new).decrypt_text(fresh).endswith("Bavet")
    with pytest.raises(DecryptionError):
        Cipher(new).decrypt(token)


def test_slow_hash() -> None:
    h = slow_hash("ABCD-EFGH-JKMN-PQRS")
    assert h.startswith("$argon2id$")
    assert slow_verify(h, "ABCD-EFGH-JKMN-PQRS")
    assert not slow_verify(h, "ABCD-EFGH-JKMN-PQRT")
    assert not slow_verify("garbage", "x")
