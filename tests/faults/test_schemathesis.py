"""Schemathesis against /openapi.json with an admin bearer token: no operation answers 5xx."""

from __future__ import annotations

import secrets
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from hotline.db.session import unit_of_work
from hotline.users import service as users

pytestmark = [pytest.mark.slow, pytest.mark.fault, pytest.mark.timeout(900)]

PASSWORD = "Fuzz-" + secrets.token_urlsafe(12)
# Per operation: enough to walk every parameter's edge cases, bounded so the run stays minutes.
EXAMPLES = 15


@pytest.fixture
def web_app(bot_rt):  # type: ignore[no-untyped-def]
    """The whole web app with an admin account."""
    from bot.web import create_web_app

    with unit_of_work(bot_rt.hotline.sessions) as s:
        users.create_user(s, "fuzzadmin", PASSWORD, "admin")
    return create_web_app(bot_rt)


@pytest.fixture
def admin_token(web_app) -> str:  # type: ignore[no-untyped-def]
    """A bearer token from POST /api/v1/auth/token (the contract's OAuth2 password form)."""
    with TestClient(web_app) as c:
        r = c.post("/api/v1/auth/token", data={"username": "fuzzadmin", "password": PASSWORD})
        assert r.status_code == 200, r.text
        return str(r.json()["access_token"])


def test_no_server_error(web_app, admin_token: str) -> None:  # type: ignore[no-untyped-def]
    # schemathesis' pytest plugin (from_fixture) does not run under pytest 9 yet: drive each
    # operation's Hypothesis strategy directly, which is what the plugin does.
    schema = schemathesis.openapi.from_asgi("/openapi.json", web_app)
    auth = {"Authorization": f"Bearer {admin_token}"}
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def run(case: Any) -> None:
            response = case.call(headers=auth)
            case.validate_response(response, checks=[not_a_server_error])

        try:
            run()
        except Exception as exc:
            failures.append(f"{operation.label}: {str(exc)[:800]}")
    assert operations > 20
    assert not failures, "\n\n".join(failures)
