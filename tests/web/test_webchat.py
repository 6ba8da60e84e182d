"""The web chat endpoint drives the conversation engine (contract §4, §5)."""

from __future__ import annotations

from typing import Any

import pytest

SESSION = "test-session-0001"


def say(
    client, text: str | None = None, payload: str | None = None, session: str = SESSION
) -> list[dict[str, Any]]:
    body: dict[str, Any] = {"session_id": session}
    if text is not None:
        body["text"] = text
    if payload is not None:
        body["payload"] = payload
    r = client.post("/webchat/messages", json=body)
    assert r.status_code == 200, r.text
    return r.json()["messages"]


def payloads(messages: list[dict[str, Any]]) -> list[str]:
    return [b["payload"] for m in messages for b in m["buttons"]]


def test_start_offers_every_capability(client) -> None:
    msgs = say(client, payload="/start")
    assert "Cảnh Giác" in msgs[0]["text"]
    assert set(payloads(msgs)) >= {
        "/khancap",
        "/baotin",
        "/kiemtra",
        "/hoc",
        "/quiz",
        "/theodoi",
        "/dangky",
        "/ngonngu",
        "/xoa",
    }


@pytest.mark.parametrize("text", ["menu", "giúp tôi", "giup toi voi", "ban lam duoc gi"])
def test_free_text_menu(client, text: str) -> None:
    msgs = say(client, text=text)
    assert "/baotin" in payloads(msgs)


def test_greeting_without_diacritics(client) -> None:
    msgs = say(client, text="xin chao")
    assert "Xin chào" in msgs[0]["text"]


def test_unknown_command_gets_friendly_vietnamese_and_menu(client) -> None:
    msgs = say(client, text="/abcxyz")
    assert "chưa biết lệnh /abcxyz" in msgs[0]["text"]
    assert "/menu" in payloads(msgs) or "/baotin" in payloads(msgs)


def test_emergency_interrupts_with_numbers_first(client) -> None:
    say(client, payload="/ngonngu")
    msgs = say(client, text="cuu em voi, em dang bi nhot o ben cam, ho lay mat ho chieu roi")
    assert "113" in msgs[0]["text"]
    assert "111" in msgs[0]["text"]


def test_language_switch_persists(client) -> None:
    say(client, payload="/start")
    msgs = say(client, payload="/ngonngu en")
    assert "English" in msgs[0]["text"]
    msgs = say(client, payload="/menu")
    assert msgs[0]["text"].startswith("What would you like")
    msgs = say(client, payload="/ngonngu vi")
    assert "tiếng Việt" in msgs[0]["text"]


def test_forget_me_deletes_state(client, bot_rt) -> None:
    from hotline.conversations.models import ConversationState

    say(client, payload="/ngonngu en")
    msgs = say(client, payload="/xoa")
    assert "forget:yes" in payloads(msgs)
    msgs = say(client, payload="forget:yes")
    with bot_rt.hotline.sessions() as s:
        assert s.query(ConversationState).count() == 0
    # Back to the default language: nothing was kept.
    msgs = say(client, payload="/menu")
    assert "Bạn" in msgs[0]["text"]


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"session_id": "short", "text": "hi"},
        {"session_id": SESSION},
        {"session_id": SESSION, "text": "a", "payload": "/start"},
        {"session_id": "bad id with spaces!!", "text": "hi"},
        {"session_id": SESSION, "text": 5},
        {"session_id": SESSION, "text": "x" * 20_001},
    ],
)
def test_malformed_requests_get_4xx_json(client, body: dict[str, Any]) -> None:
    r = client.post("/webchat/messages", json=body)
    assert 400 <= r.status_code < 500
    assert r.json()["error"] == "invalid_request"


def test_not_json_is_4xx(client) -> None:
    r = client.post(
        "/webchat/messages",
        content=b"\xff\x00not json",
        headers={"Content-Type": "application/json"},
    )
    assert 400 <= r.status_code < 500


def test_hostile_text_is_handled(client) -> None:
    msgs = say(client, text="\x00\u202e" + "việc nhẹ lương cao " * 900)
    assert msgs  # answered, not crashed
    assert any("4.000" in m["text"] for m in msgs)


def test_healthz(client) -> None:
    r = client.get("/healthz")
    assert r.status_code == 200
    assert r.json() == {"status": "ok"}


def test_state_survives_a_new_app_instance(bot_rt, nlu_engine) -> None:
    """A restart (new runtime and app on the same database) resumes the conversation."""
    from fastapi.testclient import TestClient

    from bot.runtime import BotRuntime
    from bot.web import create_web_app
    from hotline.runtime import HotlineRuntime

    with TestClient(create_web_app(bot_rt)) as c1:
        say(c1, payload="/start")
        say(c1, payload="/ngonngu en")
    fresh = BotRuntime.build(HotlineRuntime.from_settings(bot_rt.settings), nlu_engine)
    with TestClient(create_web_app(fresh)) as c2:
        msgs = say(c2, payload="/menu")
    fresh.hotline.close()
    assert msgs[0]["text"].startswith("What would you like")
