"""Administration: there is always an active admin; agency users name an agency that exists."""

from __future__ import annotations

from sqlalchemy import select

from hotline.agencies import service as agencies
from hotline.db.session import unit_of_work
from hotline.users.models import StaffUser
from tests.hotline.factories import PASSWORD, make_user, sign_in


def test_the_last_admin_stays_and_unknown_agencies_are_refused(client, hotline_rt) -> None:  # type: ignore[no-untyped-def]
    with unit_of_work(hotline_rt.sessions) as s:
        agencies.ensure_imported(s, hotline_rt.settings.content_dir)
        admin_id = make_user(s, "root", "admin").id
        op_id = make_user(s, "op1", "operator").id
    c, csrf, bearer = sign_in(client.app, "root")
    auth = {"Authorization": f"Bearer {bearer}"}
    # Demoting the only admin (API and console) is refused.
    r = c.patch(f"/api/v1/users/{admin_id}", json={"role": "operator"}, headers=auth)
    assert r.status_code == 409 and r.json()["detail"]["code"] == "users.last_admin"
    assert "quản trị" in r.json()["detail"]["message"]
    r = c.post(
        f"/console/users/{admin_id}",
        data={"csrf_token": csrf, "role": "operator", "active": "1"},
        follow_redirects=False,
    )
    assert r.headers["location"].endswith("?error=not_allowed")
    # Unknown agency codes are refused on create and on change.
    bad = {"username": "ag.x", "password": PASSWORD, "role": "agency", "agency_code": "lao-cai"}
    assert c.post("/api/v1/users", json=bad, headers=auth).status_code == 422
    good = {**bad, "agency_code": "lao-cai-police"}
    assert c.post("/api/v1/users", json=good, headers=auth).status_code == 201
    # The password the admin set is one-time: the new account opens nothing until it changes it.
    token = c.post("/api/v1/auth/token", data={"username": "ag.x", "password": PASSWORD})
    mine = {"Authorization": f"Bearer {token.json()['access_token']}"}
    assert c.get("/api/v1/tips", headers=mine).status_code == 403
    r = c.patch(
        f"/api/v1/users/{op_id}", json={"role": "agency", "agency_code": "nope"}, headers=auth
    )
    assert r.status_code == 409
    r = c.post(
        "/console/users",
        data={
            "csrf_token": csrf,
            "username": "ag.y",
            "password": PASSWORD,
            "role": "agency",
            "agency_code": "typo-police",
        },
        follow_redirects=False,
    )
    assert r.headers["location"].endswith("?error=not_allowed")
    # The create form offers agencies by name and does not default to admin.
    page = c.get("/console/users").text
    assert "Công an tỉnh Lào Cai" in page
    assert '<option value="operator" selected>' in page[page.index('id="new-user-role"') :]
    # With a second admin the first may step down.
    r = c.patch(f"/api/v1/users/{op_id}", json={"role": "admin"}, headers=auth)
    assert r.status_code == 200
    r = c.patch(f"/api/v1/users/{admin_id}", json={"role": "supervisor"}, headers=auth)
    assert r.status_code == 200
    with unit_of_work(hotline_rt.sessions) as s:
        roles = dict(s.execute(select(StaffUser.username, StaffUser.role)).all())
    assert roles["root"] == "supervisor" and roles["op1"] == "admin" and "ag.y" not in roles
