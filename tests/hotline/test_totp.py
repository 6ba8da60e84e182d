"""TOTP second factor: set-up in the console, the login step, the API token, lockout, reset."""

from __future__ import annotations

import re
import time
from typing import Any

import pyotp
from fastapi.testclient import TestClient
from sqlalchemy import select

from hotline.audit.models import AuditEvent
from hotline.db.session import unit_of_work
from hotline.users import service as users
from hotline.users import totp
from hotline.users.models import StaffUser
from tests.hotline.factories import PASSWORD, make_user


def code_at(secret: str, offset_steps: int) -> str:
    """The app's code `offset_steps` x 30 s from now (each code is accepted only once)."""
    return totp.current_code(secret, time.time() + 30 * offset_steps)


def csrf(c: TestClient, path: str) -> str:
    """The CSRF token of a rendered console page."""
    return re.search(r'name="csrf_token" value="([^"]+)"', c.get(path).text).group(1)


def login(c: TestClient, username: str, password: str = PASSWORD) -> Any:
    """Post the password form (no redirects followed)."""
    return c.post(
        "/console/login",
        data={"username": username, "password": password, "csrf_token": csrf(c, "/console/login")},
        follow_redirects=False,
    )


def enable_for(rt: Any, username: str) -> str:
    """Turn TOTP on for a user directly (its set-up consumed the previous step's code)."""
    with unit_of_work(rt.sessions) as s:
        user = users.get_by_username(s, username)
        secret = totp.begin(rt.cipher, user).secret
        assert totp.confirm(rt.cipher, user, code_at(secret, -1))
    return secret


def user_row(rt: Any, username: str) -> StaffUser:
    """A fresh copy of the user from the database."""
    with rt.sessions() as s:
        user = users.get_by_username(s, username)
        s.expunge(user)
        return user


def actions(rt: Any) -> list[str]:
    """Audit actions, oldest first."""
    with rt.sessions() as s:
        return list(s.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_secret_encrypted_single_use_and_drift_window(hotline_rt) -> None:  # type: ignore[no-untyped-def]
    with unit_of_work(hotline_rt.sessions) as s:
        user = make_user(s, "alice", "operator")
        enrolment = totp.begin(hotline_rt.cipher, user)
        assert totp.state(user) == "pending" and not totp.enabled(user)
        assert enrolment.secret not in (user.totp_secret or "")
        assert enrolment.uri.startswith("otpauth://totp/") and "secret=" in enrolment.uri
        now = time.time()
        assert not totp.confirm(
            hotline_rt.cipher,
            user,
            "000000" if code_at(enrolment.secret, 0) != "000000" else "111111",
        )
        assert not totp.confirm(hotline_rt.cipher, user, "12ab56")
        assert totp.confirm(hotline_rt.cipher, user, totp.current_code(enrolment.secret, now))
        assert totp.enabled(user)
    with unit_of_work(hotline_rt.sessions) as s:
        user = users.get_by_username(s, "alice")
        # Stored (and read back from the database) only as ciphertext; fits the column.
        assert user.totp_secret.startswith("on:") and enrolment.secret not in user.totp_secret
        secret = enrolment.secret
        # The code already used to confirm is refused (replay); the next step's is fine once.
        assert not totp.verify(hotline_rt.cipher, user, totp.current_code(secret, now))
        assert totp.verify(hotline_rt.cipher, user, totp.current_code(secret, now + 30), now)
        assert not totp.verify(hotline_rt.cipher, user, totp.current_code(secret, now + 30), now)
        # Two steps ahead is outside the drift window.
        assert not totp.verify(hotline_rt.cipher, user, totp.current_code(secret, now + 90), now)
        # RFC 6238 codes: pyotp's own generator agrees with what we accept.
        assert pyotp.TOTP(secret).at(int(now + 60)) == totp.current_code(secret, now + 60)


def test_enable_in_console_then_login_needs_code(client, hotline_rt) -> None:  # type: ignore[no-untyped-def]
    with unit_of_work(hotline_rt.sessions) as s:
        make_user(s, "bob", "operator")
    assert login(client, "bob").headers["location"] == "/console"
    page = client.get("/console/2fa")
    assert page.status_code == 200 and 'data-state="off"' in page.text
    client.post("/console/2fa/setup", data={"csrf_token": csrf(client, "/console/2fa")})
    page = client.get("/console/2fa").text
    assert 'data-state="pending"' in page and "otpauth://totp/" in page
    secret = re.search(r'data-secret="([A-Z2-7]+)"', page).group(1)
    token = csrf(client, "/console/2fa")
    bad = client.post("/console/2fa/confirm", data={"code": "12345", "csrf_token": token})
    assert bad.status_code == 400 and not totp.enabled(user_row(hotline_rt, "bob"))
    ok = client.post(
        "/console/2fa/confirm",
        data={"code": code_at(secret, -1), "csrf_token": token},
        follow_redirects=False,
    )
    assert ok.status_code == 303 and totp.enabled(user_row(hotline_rt, "bob"))
    client.post("/console/logout", data={"csrf_token": token})

    fresh = TestClient(client.app)
    r = login(fresh, "bob")
    assert r.status_code == 303 and r.headers["location"] == "/console/login/2fa"
    # The password alone is not a session.
    assert fresh.get("/console/tips", follow_redirects=False).headers["location"] == (
        "/console/login"
    )
    assert fresh.get("/console", follow_redirects=False).headers["location"] == "/console/login"
    r = fresh.post(
        "/console/login/2fa",
        data={"code": code_at(secret, 0), "csrf_token": csrf(fresh, "/console/login/2fa")},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/console"
    assert fresh.get("/console/tips").status_code == 200
    assert {"user.totp_setup_started", "user.totp_enabled", "console.login"} <= set(
        actions(hotline_rt)
    )


def test_five_wrong_codes_back_to_login_and_lockout(client, hotline_rt) -> None:  # type: ignore[no-untyped-def]
    with unit_of_work(hotline_rt.sessions) as s:
        make_user(s, "carol", "supervisor")
    secret = enable_for(hotline_rt, "carol")
    assert login(client, "carol").headers["location"] == "/console/login/2fa"
    token = csrf(client, "/console/login/2fa")
    wrong = "000000" if code_at(secret, 0) != "000000" else "999999"
    statuses = []
    for _ in range(5):
        r = client.post("/console/login/2fa", data={"code": wrong, "csrf_token": token})
        statuses.append(r.status_code)
    assert statuses == [401] * 5
    assert 'action="/console/login"' in r.text  # back to the password form
    assert client.get("/console/login/2fa", follow_redirects=False).status_code == 303
    row = user_row(hotline_rt, "carol")
    assert row.locked_until is not None  # counted in the password lockout
    # Locked: even the right password and then a right code do not get in.
    assert login(client, "carol").status_code == 401
    assert actions(hotline_rt).count("console.login_2fa_failed") == 5


def test_password_success_does_not_clear_code_failures(client, hotline_rt) -> None:  # type: ignore[no-untyped-def]
    with unit_of_work(hotline_rt.sessions) as s:
        make_user(s, "dave", "operator")
    secret = enable_for(hotline_rt, "dave")
    wrong = "000000" if code_at(secret, 0) != "000000" else "999999"
    for _ in range(2):
        login(client, "dave")
        token = csrf(client, "/console/login/2fa")
        client.post("/console/login/2fa", data={"code": wrong, "csrf_token": token})
    # Restarting from the password does not reset the counter an attacker is running up.
    assert user_row(hotline_rt, "dave").failed_logins == 2
    login(client, "dave")
    r = client.post(
        "/console/login/2fa",
        data={"code": code_at(secret, 0), "csrf_token": csrf(client, "/console/login/2fa")},
        follow_redirects=False,
    )
    assert r.headers["location"] == "/console"
    assert user_row(hotline_rt, "dave").failed_logins == 0


def test_api_token_requires_code(client, hotline_rt) -> None:  # type: ignore[no-untyped-def]
    with unit_of_work(hotline_rt.sessions) as s:
        make_user(s, "erin", "operator")
    secret = enable_for(hotline_rt, "erin")
    form = {"username": "erin", "password": PASSWORD}
    r = client.post("/api/v1/auth/token", data=form)
    assert r.status_code == 401 and "totp_required" in r.headers["www-authenticate"]
    r = client.post("/api/v1/auth/token", data=form, headers={"X-TOTP": "000000"})
    assert r.status_code == 401 or code_at(secret, 0) == "000000"
    r = client.post("/api/v1/auth/token", data=form, headers={"X-TOTP": code_at(secret, 0)})
    assert r.status_code == 200
    bearer = {"Authorization": f"Bearer {r.json()['access_token']}"}
    assert client.get("/api/v1/auth/me", headers=bearer).json()["username"] == "erin"
    # The OAuth2 form field works too (for clients that cannot set headers).
    r = client.post("/api/v1/auth/token", data=form | {"client_secret": code_at(secret, 1)})
    assert r.status_code == 200
    # Documented in OpenAPI.
    spec = client.get("/openapi.json").json()["paths"]["/api/v1/auth/token"]["post"]
    assert any(p["name"] == "X-TOTP" for p in spec["parameters"])
    assert "client_secret" in spec["description"]


def test_disable_needs_current_code(client, hotline_rt) -> None:  # type: ignore[no-untyped-def]
    with unit_of_work(hotline_rt.sessions) as s:
        make_user(s, "fay", "agency", "lao-cai-police")
    secret = enable_for(hotline_rt, "fay")
    login(client, "fay")
    client.post(
        "/console/login/2fa",
        data={"code": code_at(secret, 0), "csrf_token": csrf(client, "/console/login/2fa")},
    )
    token = csrf(client, "/console/2fa")
    r = client.post("/console/2fa/disable", data={"code": "", "csrf_token": token})
    assert r.status_code in (400, 422) and totp.enabled(user_row(hotline_rt, "fay"))
    r = client.post(
        "/console/2fa/disable",
        data={"code": code_at(secret, 1), "csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code == 303 and totp.state(user_row(hotline_rt, "fay")) is None
    assert "user.totp_disabled" in actions(hotline_rt)


def test_admin_resets_a_users_second_factor(client, hotline_rt) -> None:  # type: ignore[no-untyped-def]
    with unit_of_work(hotline_rt.sessions) as s:
        make_user(s, "root", "admin")
        target_id = make_user(s, "gus", "operator").id
    enable_for(hotline_rt, "gus")
    login(client, "root")
    page = client.get("/console/users").text
    assert f"totp-reset-{target_id}" in page
    r = client.post(
        f"/console/users/{target_id}/2fa/reset",
        data={"csrf_token": csrf(client, "/console/users")},
        follow_redirects=False,
    )
    assert r.status_code == 303 and totp.state(user_row(hotline_rt, "gus")) is None
    with hotline_rt.sessions() as s:
        ev = s.scalars(select(AuditEvent).where(AuditEvent.action == "user.totp_reset")).one()
        assert ev.actor == "root" and ev.target == "user:gus"
    other = TestClient(client.app)
    assert login(other, "gus").headers["location"] == "/console"
    # Only admins may reset.
    token = csrf(other, "/console")
    r = other.post(f"/console/users/{target_id}/2fa/reset", data={"csrf_token": token})
    assert r.status_code == 403


def test_admin_resets_over_the_api(client, hotline_rt) -> None:  # type: ignore[no-untyped-def]
    with unit_of_work(hotline_rt.sessions) as s:
        make_user(s, "root", "admin")
        target_id = make_user(s, "hal", "operator").id
    enable_for(hotline_rt, "hal")
    token = client.post("/api/v1/auth/token", data={"username": "root", "password": PASSWORD})
    bearer = {"Authorization": f"Bearer {token.json()['access_token']}"}
    listed = {u["username"]: u for u in client.get("/api/v1/users", headers=bearer).json()}
    assert listed["hal"]["totp_enabled"] is True and "totp_secret" not in listed["hal"]
    r = client.delete(f"/api/v1/users/{target_id}/totp", headers=bearer)
    assert r.status_code == 204 and totp.state(user_row(hotline_rt, "hal")) is None
    assert "user.totp_reset" in actions(hotline_rt)
    token = client.post("/api/v1/auth/token", data={"username": "hal", "password": PASSWORD})
    assert token.status_code == 200
