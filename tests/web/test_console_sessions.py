"""Console sessions end server side (logout, new password, disabling) and a one-time password
must be replaced before any other console page (issue 18)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from hotline.db.session import unit_of_work
from hotline.tips import service as tips
from hotline.tips.models import Tip
from hotline.users import service as users
from hotline.users.models import StaffSession, StaffUser
from tests.tips.test_service import draft
from tests.web.test_console import PASSWORD, csrf


def sign_in(client: TestClient, username: str, password: str = PASSWORD) -> None:
    token = csrf(client)
    r = client.post(
        "/console/login",
        data={"username": username, "password": password, "csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text


def copy_of(client: TestClient, app) -> TestClient:  # type: ignore[no-untyped-def]
    """Another browser holding a copy of ``client``'s cookie."""
    other = TestClient(app)
    other.cookies.set("cg_session", client.cookies["cg_session"])
    return other


def opens(client: TestClient, path: str) -> bool:
    return client.get(path, follow_redirects=False).status_code == 200


def test_copied_cookie_is_refused_after_logout(client, hotline_rt) -> None:
    with unit_of_work(hotline_rt.sessions) as s:
        users.create_user(s, "op.a", PASSWORD, "operator")
        tip = tips.submit_tip(s, hotline_rt, draft()).tip
        path = f"/console/tips/{tip.id}"
    sign_in(client, "op.a")
    stolen = copy_of(client, client.app)
    assert opens(client, path) and opens(stolen, path)
    client.post("/console/logout", data={"csrf_token": csrf(client, "/console")})
    r = stolen.get(path, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/console/login"
    with unit_of_work(hotline_rt.sessions) as s:
        assert s.scalars(select(StaffSession)).all() == []
        # Only a hash of the token is stored: the table itself is no cookie.
    sign_in(client, "op.a")
    with unit_of_work(hotline_rt.sessions) as s:
        row = s.scalars(select(StaffSession)).one()
    assert row.token_hash not in client.cookies["cg_session"]


def test_new_password_and_disabling_end_every_session(client, hotline_rt) -> None:
    with unit_of_work(hotline_rt.sessions) as s:
        users.create_user(s, "op.b", PASSWORD, "operator")
        users.create_user(s, "boss", PASSWORD, "admin")
    sign_in(client, "op.b")
    laptop = copy_of(client, client.app)
    phone = TestClient(client.app)
    sign_in(phone, "op.b")
    assert opens(laptop, "/console/tips") and opens(phone, "/console/tips")
    new = "mat-khau-moi-456789"
    r = client.post(
        "/console/password",
        data={
            "current": PASSWORD,
            "new": new,
            "confirm": new,
            "csrf_token": csrf(client, "/console/password"),
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert opens(client, "/console/tips")  # the browser that changed it stays signed in
    assert not opens(laptop, "/console/tips") and not opens(phone, "/console/tips")

    admin = TestClient(client.app)
    sign_in(admin, "boss")
    with unit_of_work(hotline_rt.sessions) as s:
        uid = s.scalars(select(StaffUser.id).where(StaffUser.username == "op.b")).one()
    r = admin.post(
        f"/console/users/{uid}",
        data={"role": "operator", "active": "0", "csrf_token": csrf(admin, "/console/users")},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert not opens(client, "/console/tips")
    with unit_of_work(hotline_rt.sessions) as s:
        assert s.scalars(select(StaffSession).where(StaffSession.user_id == uid)).all() == []


def test_one_time_password_is_enforced_on_every_console_page(client, hotline_rt) -> None:
    with unit_of_work(hotline_rt.sessions) as s:
        users.create_user(s, "new.admin", PASSWORD, "admin", must_change_password=True)
        tips.submit_tip(s, hotline_rt, draft())
        tip_id = s.scalars(select(Tip.id)).one()
    sign_in(client, "new.admin")
    pages = [
        "/console",
        "/console/tips",
        f"/console/tips/{tip_id}",
        "/console/content/due",
        "/console/agencies",
        "/console/users",
        "/console/audit",
        "/console/reports",
        "/console/reports/export?period=2026-H1&format=csv",
        "/console/2fa",
        "/console/campaigns",
        "/console/campaigns/new",
        "/console/content",
        "/console/content/review",
    ]
    assert len(pages) >= 10, pages
    for path in pages:
        r = client.get(path, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/console/password", path
    # Forms are refused the same way (the tip's status cannot be changed yet).
    r = client.post(
        f"/console/tips/{tip_id}/status",
        data={"status": "triaged", "csrf_token": csrf(client, "/console/password")},
        follow_redirects=False,
    )
    assert r.headers["location"] == "/console/password"
    assert opens(client, "/console/password")


def test_one_time_password_opens_no_api_route_either(client, hotline_rt) -> None:
    with unit_of_work(hotline_rt.sessions) as s:
        users.create_user(s, "api.admin", PASSWORD, "admin", must_change_password=True)
    r = client.post("/api/v1/auth/token", data={"username": "api.admin", "password": PASSWORD})
    assert r.status_code == 200
    bearer = {"Authorization": f"Bearer {r.json()['access_token']}"}
    for path in ("/api/v1/tips", "/api/v1/users", "/api/v1/agencies"):
        refused = client.get(path, headers=bearer)
        assert refused.status_code == 403 and "/console/password" in refused.text, path
    with unit_of_work(hotline_rt.sessions) as s:
        user = s.scalars(select(StaffUser).where(StaffUser.username == "api.admin")).one()
        users.set_password(s, user, "mat-khau-moi-456789")
    r = client.post(
        "/api/v1/auth/token", data={"username": "api.admin", "password": "mat-khau-moi-456789"}
    )
    fresh = {"Authorization": f"Bearer {r.json()['access_token']}"}
    assert client.get("/api/v1/tips", headers=fresh).status_code == 200
