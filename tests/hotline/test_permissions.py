"""The permission matrix: every API route and console page x every role, from the route table.

A route is covered when its rule is listed in RULES or OPEN below, or discoverable from its
dependencies (`allowed_roles` of `require_roles(...)` / `hotline.console.access.staff(...)`);
a route with neither fails `test_every_route_has_a_rule`, so nothing ships unguarded.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from hotline.agencies import service as agencies
from hotline.casework import service as casework
from hotline.db.session import unit_of_work
from tests.hotline.factories import PASSWORD, make_tip, make_user

A, S, OP, C, G = "admin", "supervisor", "operator", "communicator", "agency"
READ, STAFF, SUP, ALL = {A, S, OP, G}, {A, S, OP}, {A, S}, {A, S, OP, C, G}

# The intended rule of each route (admin is always allowed). Reviewed here, checked below.
RULES: dict[tuple[str, str], set[str]] = {
    ("GET", "/api/v1/tips"): READ,
    ("GET", "/api/v1/tips/{tip_id}"): READ,
    ("POST", "/api/v1/tips/{tip_id}/status"): STAFF,
    ("POST", "/api/v1/tips/{tip_id}/assign"): STAFF,
    ("POST", "/api/v1/tips/{tip_id}/route"): STAFF,
    ("POST", "/api/v1/tips/{tip_id}/recipients"): STAFF,
    ("DELETE", "/api/v1/tips/{tip_id}/recipients/{code}"): STAFF,
    ("POST", "/api/v1/tips/{tip_id}/recipients/{code}/status"): READ,
    ("POST", "/api/v1/tips/{tip_id}/notes"): READ,
    ("POST", "/api/v1/tips/{tip_id}/recipients/{code}/outcome"): READ,
    ("POST", "/api/v1/tips/{tip_id}/urgency"): STAFF,
    ("POST", "/api/v1/tips/{tip_id}/recipients/{code}/transfer"): READ,
    ("POST", "/api/v1/tips/{tip_id}/messages"): STAFF,
    ("GET", "/api/v1/agencies"): STAFF,
    ("PATCH", "/api/v1/agencies/{code}"): SUP,
    ("GET", "/api/v1/reports/{period}"): SUP,
    ("GET", "/api/v1/reports/{period}/public"): {A, S, C},
    ("GET", "/api/v1/users"): {A},
    ("POST", "/api/v1/users"): {A},
    ("PATCH", "/api/v1/users/{user_id}"): {A},
    ("DELETE", "/api/v1/users/{user_id}/totp"): {A},
    ("GET", "/api/v1/audit"): SUP,
    ("GET", "/console/tips"): READ,
    ("GET", "/console/tips/{tip_id}"): READ,
    ("GET", "/console/tips/export.csv"): READ,
    ("GET", "/console/tips/{tip_id}/photos/{photo_id}"): READ,
    ("POST", "/console/tips/{tip_id}/status"): STAFF,
    ("POST", "/console/tips/{tip_id}/assign"): STAFF,
    ("POST", "/console/tips/{tip_id}/recipients"): STAFF,
    ("POST", "/console/tips/{tip_id}/recipients/{code}/remove"): STAFF,
    ("POST", "/console/tips/{tip_id}/recipients/{code}/status"): READ,
    ("POST", "/console/tips/{tip_id}/notes"): READ,
    ("POST", "/console/tips/{tip_id}/recipients/{code}/outcome"): READ,
    ("POST", "/console/tips/{tip_id}/urgency"): STAFF,
    ("POST", "/console/tips/{tip_id}/recipients/{code}/transfer"): READ,
    ("POST", "/console/tips/{tip_id}/messages"): STAFF,
    ("GET", "/console/agencies"): SUP,
    ("POST", "/console/agencies/{code}"): SUP,
    ("POST", "/console/rules/{rule_id}"): SUP,
    ("GET", "/console/users"): {A},
    ("POST", "/console/users"): {A},
    ("POST", "/console/users/{user_id}"): {A},
    ("GET", "/console/audit"): SUP,
    ("GET", "/console/reports"): SUP,
    ("GET", "/console/reports/export"): SUP,
    # Two-step verification: everyone manages their own; only admins reset someone else's.
    ("GET", "/console/2fa"): ALL,
    ("POST", "/console/2fa/setup"): ALL,
    ("POST", "/console/2fa/confirm"): ALL,
    ("POST", "/console/2fa/disable"): ALL,
    ("POST", "/console/users/{user_id}/2fa/reset"): {A},
}
# Open on purpose (login, health, citizen channels) or open to any signed-in staff member.
OPEN = {
    "/healthz",
    "/",
    "/openapi.json",
    "/docs",
    "/docs/oauth2-redirect",
    "/redoc",
    "/metrics",
    "/webchat/messages",
    "/webhooks/telegram",
    "/webhooks/zalo",
    "/api/v1/auth/token",
    "/api/v1/auth/me",
    "/console/login",
    "/console/login/2fa",
    "/console/logout",
    "/console/lang",
    "/console/password",
    "/console",
}
ROLES = [A, S, OP, C, G, "agency_other"]
BODIES = {
    "status": {"status": "bogus"},
    "assign": {"user_id": None},
    "recipients": {"agency_code": "zzz", "reason": "r"},
    "notes": {"text": "n"},
    "messages": {"text": "m"},
    "outcome": {"verified": "bogus"},
    "urgency": {"urgency": "bogus", "reason": "r"},
    "transfer": {"to": "zzz", "reason": "r"},
    "users": {"username": "u", "password": "x" * 12, "role": "agency"},
}


def walk(routes: list[Any]) -> Iterator[tuple[str, str, Any]]:
    """(method, path, route) of every route, through included routers."""
    for r in routes:
        kind = type(r).__name__
        if kind == "_IncludedRouter":
            yield from walk(r.effective_candidates())
            continue
        original = r.original_route if kind == "_EffectiveRouteContext" else r
        for m in sorted((getattr(original, "methods", None) or {"*"}) - {"HEAD"}):
            yield m, r.path, original


def declared_roles(route: Any) -> set[str] | None:
    """`allowed_roles` of any dependency of the route, if one declares them."""
    stack = list(getattr(getattr(route, "dependant", None), "dependencies", []))
    while stack:
        d = stack.pop()
        roles = getattr(d.call, "allowed_roles", None)
        if roles is not None:
            return {str(getattr(r, "value", r)) for r in roles}
        stack.extend(d.dependencies)
    return None


def table(app: Any) -> list[tuple[str, str, set[str]]]:
    """The guarded routes of the app with the roles allowed on each."""
    out = []
    for method, path, route in walk(app.routes):
        if path in OPEN or path.startswith(("/static", "/console/static")):
            continue
        rule = RULES.get((method, path))
        declared = declared_roles(route)
        out.append((method, path, rule if rule is not None else (declared or set())))
    return out


def test_every_route_has_a_rule(client) -> None:  # type: ignore[no-untyped-def]
    missing, disagree = [], []
    for method, path, route in walk(client.app.routes):
        if path in OPEN or path.startswith(("/static", "/console/static")):
            continue
        declared, rule = declared_roles(route), RULES.get((method, path))
        if declared is None and rule is None:
            missing.append(f"{method} {path}")
        if declared is not None and rule is not None and declared != rule | {A}:
            disagree.append(f"{method} {path}: {sorted(declared)} != {sorted(rule | {A})}")
    assert not missing, f"routes without a role rule (use require_roles/staff): {missing}"
    assert not disagree, disagree


@pytest.fixture
def world(client, hotline_rt) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """A tip routed to Lào Cai police, one user per role, and their sessions."""
    with unit_of_work(hotline_rt.sessions) as s:
        agencies.ensure_imported(s, hotline_rt.settings.content_dir)
        tip = make_tip(s, hotline_rt.cipher, province="Lào Cai", crosses_border=True)
        casework.route_tip(s, hotline_rt.settings, tip)
        for role in (A, S, OP, C):
            make_user(s, f"u_{role}", role)
        make_user(s, "u_agency", G, "lao-cai-police")
        make_user(s, "u_agency_other", G, "hue-police")
        target = make_user(s, "u_target", OP)
        tip_id, target_id = tip.id, target.id
    sessions: dict[str, tuple[TestClient, str, str]] = {}
    for role in ROLES:
        c = TestClient(client.app)
        page = c.get("/console/login").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        r = c.post(
            "/console/login",
            data={"username": f"u_{role}", "password": PASSWORD, "csrf_token": token},
            follow_redirects=False,
        )
        assert r.status_code == 303, role
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/console").text).group(1)
        bearer = c.post(
            "/api/v1/auth/token", data={"username": f"u_{role}", "password": PASSWORD}
        ).json()["access_token"]
        sessions[role] = (c, csrf, bearer)
    return {"tip": tip_id, "user": target_id, "sessions": sessions}


def concrete(path: str, world: dict[str, Any]) -> str:
    """Fill path parameters with objects that exist (and harmless targets for edits)."""
    code = "lao-cai-police"
    if path.startswith(("/console/agencies", "/api/v1/agencies")):
        code = "hue-social"
    elif path.endswith(("/remove", "/recipients/{code}")):
        code = "lao-cai-border-guard"
    return (
        path.replace("{tip_id}", str(world["tip"]))
        .replace("{photo_id}", "999")
        .replace("{code}", code)
        .replace("{user_id}", str(world["user"]))
        .replace("{period}", "2026-H1")
        .replace("{rule_id}", "victim_support")
    )


def call(c: TestClient, method: str, url: str, csrf: str, bearer: str | None) -> Any:
    """One request as this role (bearer for the API, session cookie + CSRF for the console)."""
    if url.startswith("/api/"):
        headers = {"Authorization": f"Bearer {bearer}"} if bearer else {}
        body = BODIES.get(url.rstrip("/").split("/")[-1], {})
        if method in ("GET", "DELETE"):
            return c.request(method, url, headers=headers)
        return c.request(method, url, headers=headers, json=body)
    if method == "GET":
        return c.get(url, follow_redirects=False)
    return c.post(url, data={"csrf_token": csrf}, follow_redirects=False)


def test_permission_matrix(client, world) -> None:  # type: ignore[no-untyped-def]
    failures = []
    rows = table(client.app)
    assert len(rows) >= len(RULES)
    for method, path, allowed in rows:
        url = concrete(path, world)
        anon = call(TestClient(client.app), method, url, "", None)
        if anon.status_code not in (401, 303) or (
            anon.status_code == 303 and anon.headers["location"] != "/console/login"
        ):
            failures.append(f"anonymous {method} {path}: {anon.status_code}")
        for role in ROLES:
            c, csrf, bearer = world["sessions"][role]
            base = G if role == "agency_other" else role
            r = call(c, method, url, csrf, bearer)
            may = base == A or base in allowed
            if not may:
                ok = r.status_code == 403
            elif role == "agency_other" and "{tip_id}" in path:
                ok = r.status_code == 404
            else:
                ok = (
                    r.status_code not in (401, 403)
                    and r.headers.get("location") != "/console/login"
                )
            if not ok:
                failures.append(f"{role} {method} {path}: {r.status_code} (allowed={may})")
    assert not failures, "\n".join(failures)


def test_agency_user_sees_only_its_tips_in_lists(client, world) -> None:  # type: ignore[no-untyped-def]
    own, _, own_bearer = world["sessions"][G]
    other, _, other_bearer = world["sessions"]["agency_other"]
    mine = own.get("/api/v1/tips", headers={"Authorization": f"Bearer {own_bearer}"}).json()
    theirs = other.get("/api/v1/tips", headers={"Authorization": f"Bearer {other_bearer}"}).json()
    assert [t["id"] for t in mine] == [world["tip"]] and theirs == []
    assert f"#{world['tip']}" not in other.get("/console/tips").text


def test_console_pages_render_for_admin(client, world) -> None:  # type: ignore[no-untyped-def]
    c, _, _ = world["sessions"][A]
    for path in (
        "/console/tips",
        f"/console/tips/{world['tip']}",
        "/console/agencies",
        "/console/users",
        "/console/audit",
        "/console/reports?period=2026-H1",
    ):
        r = c.get(path)
        assert r.status_code == 200, path
    assert c.get("/console/reports/export?period=2026&format=csv").status_code == 200


def test_api_token_endpoint_is_rate_limited(client) -> None:  # type: ignore[no-untyped-def]
    codes = [
        client.post("/api/v1/auth/token", data={"username": "nobody", "password": "x"}).status_code
        for _ in range(12)
    ]
    assert codes[0] == 401 and codes[-1] == 429
