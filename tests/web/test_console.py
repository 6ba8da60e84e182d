"""Console skeleton: login, CSRF, session, logout; REST token; security headers."""

from __future__ import annotations

import re

from hotline.db.session import unit_of_work
from hotline.users import service as users

PASSWORD = "mat-khau-du-dai-123"


def make_user(rt, username: str = "tuan.op", role: str = "operator") -> None:
    with unit_of_work(rt.sessions) as s:
        users.create_user(s, username, PASSWORD, role)


def csrf(client, path: str = "/console/login") -> str:
    html = client.get(path).text
    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert m, html
    return m.group(1)


def test_console_requires_login(client) -> None:
    r = client.get("/console", follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/console/login"
    page = client.get("/console/login")
    assert "Đăng nhập" in page.text
    assert page.headers["x-frame-options"] == "DENY"
    assert "default-src 'self'" in page.headers["content-security-policy"]


def test_login_logout_flow(client, hotline_rt) -> None:
    make_user(hotline_rt)
    token = csrf(client)
    r = client.post(
        "/console/login",
        data={"username": "tuan.op", "password": PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code == 303
    home = client.get("/console")
    assert "Xin chào, tuan.op" in home.text
    token = csrf(client, "/console")
    client.post("/console/logout", data={"csrf_token": token}, follow_redirects=False)
    assert client.get("/console", follow_redirects=False).status_code == 303


def test_wrong_password_and_missing_csrf(client, hotline_rt) -> None:
    make_user(hotline_rt)
    token = csrf(client)
    r = client.post(
        "/console/login",
        data={"username": "tuan.op", "password": "sai-mat-khau", "csrf_token": token},
    )
    assert r.status_code == 401
    assert "Sai tên đăng nhập" in r.text
    r = client.post("/console/login", data={"username": "tuan.op", "password": PASSWORD})
    assert r.status_code == 403


def test_console_language_switch(client, hotline_rt) -> None:
    token = csrf(client)
    client.post(
        "/console/lang",
        data={"lang": "en", "csrf_token": token},
        headers={"referer": "http://x/console/login"},
    )
    assert "Sign in" in client.get("/console/login").text


def test_api_token(client, hotline_rt) -> None:
    make_user(hotline_rt, "sup", "supervisor")
    r = client.post("/api/v1/auth/token", data={"username": "sup", "password": PASSWORD})
    assert r.status_code == 200
    body = r.json()
    assert body["token_type"] == "bearer"
    me = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.json()["role"] == "supervisor"
    assert client.get("/api/v1/auth/me").status_code == 401
    assert (
        client.get("/api/v1/auth/me", headers={"Authorization": "Bearer forged"}).status_code == 401
    )
    bad = client.post("/api/v1/auth/token", data={"username": "sup", "password": "wrong-password"})
    assert bad.status_code == 401


def test_openapi_served(client) -> None:
    assert client.get("/openapi.json").json()["info"]["title"] == "Cảnh Giác API"


def test_one_time_password_must_be_changed(client, hotline_rt) -> None:
    with unit_of_work(hotline_rt.sessions) as s:
        users.create_user(s, "admin", "mot-lan-duy-nhat-1", "admin", must_change_password=True)
    token = csrf(client)
    r = client.post(
        "/console/login",
        data={"username": "admin", "password": "mot-lan-duy-nhat-1", "csrf_token": token},
        follow_redirects=False,
    )
    assert r.headers["location"] == "/console/password"
    assert client.get("/console", follow_redirects=False).headers["location"] == "/console/password"
    token = csrf(client, "/console/password")
    bad = client.post(
        "/console/password",
        data={
            "current": "mot-lan-duy-nhat-1",
            "new": "mat-khau-moi-2026",
            "confirm": "khac",
            "csrf_token": token,
        },
    )
    assert bad.status_code == 400
    ok = client.post(
        "/console/password",
        data={
            "current": "mot-lan-duy-nhat-1",
            "new": "mat-khau-moi-2026",
            "confirm": "mat-khau-moi-2026",
            "csrf_token": token,
        },
        follow_redirects=False,
    )
    assert ok.headers["location"] == "/console"
    assert "Xin chào, admin" in client.get("/console").text
