"""A Redis dump lists no web chat session id, client address or username (issue 18)."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from hotline.kit.scratch import RedisScratch
from tests.tips.test_follow_up_unlinkable import _send_tip
from tests.tips.test_intake_dialog import payloads, say
from tests.web.test_console import csrf

REDIS = "redis://127.0.0.1:6379/15"


@pytest.fixture
def redis_client(bot_rt) -> Iterator[tuple[TestClient, object]]:  # type: ignore[no-untyped-def]
    redis = pytest.importorskip("redis")
    conn = redis.Redis.from_url(REDIS, socket_connect_timeout=0.5)
    try:
        conn.ping()
    except redis.RedisError:
        pytest.skip("no Redis at 127.0.0.1:6379")
    from bot.web import create_web_app

    bot_rt.hotline.settings = bot_rt.hotline.settings.model_copy(update={"redis_url": REDIS})
    bot_rt.hotline.scratch = RedisScratch(REDIS)
    with TestClient(create_web_app(bot_rt)) as client:
        yield client, conn


def test_key_names_hold_no_session_id_address_or_username(redis_client, bot_rt) -> None:
    client, conn = redis_client
    sid = "redis" + secrets.token_hex(10)
    code = _send_tip(client, "tipster" + secrets.token_hex(8))
    say(client, sid, "xin chào")
    out = say(client, sid, f"/theodoi {code}")
    assert "fu:reply" in payloads(out)
    token = csrf(client)
    r = client.post(
        "/console/login",
        data={"username": "nobody.here", "password": "x" * 12, "csrf_token": token},
    )
    assert r.status_code == 401
    names = [n.decode() for n in conn.scan_iter(count=1000)]
    ours = [n for n in names if n.startswith(("webchat", "login", "cg:"))]
    assert any(n.startswith("webchat:") for n in ours) and any(n.startswith("cg:x:") for n in ours)
    assert any(n.startswith("login-account:") for n in ours)
    for name in ours:
        for secret in (sid, "testclient", "nobody.here", code):
            assert secret not in name, name
    # The open follow-up is there, encrypted, and expires by itself within 30 minutes.
    side = [n for n in ours if n.startswith("cg:x:")]
    for name in side:
        assert 0 < conn.ttl(name) <= 30 * 60
        assert b"follow_up" not in conn.get(name)
    say(client, sid, payload="fu:done")
    for name in side:
        conn.delete(name)
