"""Tips and users for casework tests, written straight to the database (no intake dialog)."""

from __future__ import annotations

import json
import re
import secrets
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from hotline.kit.crypto import Cipher
from hotline.tips.models import Tip
from hotline.users import service as users
from hotline.users.models import StaffUser

PASSWORD = "correct-horse-battery"


def make_tip(session: Session, cipher: Cipher, text: str = "tin báo", **kw: Any) -> Tip:
    """A tip with encrypted content `{"what": text}` and the given plain columns."""
    tip = Tip(
        channel=kw.pop("channel", "webchat"),
        content_enc=cipher.encrypt_text(json.dumps({"what": text}, ensure_ascii=False)),
        receipt_hash="x",
        receipt_tag="t",
        dedupe_key=secrets.token_hex(8),
        submission_key=secrets.token_hex(16),
        **kw,
    )
    session.add(tip)
    session.flush()
    return tip


def make_user(session: Session, username: str, role: str, agency: str | None = None) -> StaffUser:
    """A staff user with the shared test password."""
    return users.create_user(session, username, PASSWORD, role, agency)


def at(s: str) -> datetime:
    """An aware datetime from ISO text (`2026-01-05T10:00+07:00`)."""
    return datetime.fromisoformat(s)


def sign_in(app: Any, username: str) -> tuple[Any, str, str]:
    """A console session (client, CSRF token) and an API bearer token for `username`."""
    from fastapi.testclient import TestClient

    c = TestClient(app)
    token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/console/login").text)
    assert token is not None
    r = c.post(
        "/console/login",
        data={"username": username, "password": PASSWORD, "csrf_token": token.group(1)},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/console").text)
    assert csrf is not None
    bearer = c.post("/api/v1/auth/token", data={"username": username, "password": PASSWORD})
    return c, csrf.group(1), bearer.json()["access_token"]
