"""A follow-up leaves nothing in the database that ties the conversation to the tip (issue 18)."""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import select

from hotline.conversations.models import ConversationState, SentMessage
from hotline.db.base import Base
from hotline.db.session import unit_of_work
from hotline.tips import service
from hotline.tips.models import MessageDirection, Tip, TipReplyHandle
from tests.tips.test_intake_dialog import CODE, full_text, payloads, say


def _send_tip(client: Any, sid: str) -> str:
    """A short tip from another conversation; its receipt code."""
    say(client, sid, "/baotin")
    say(client, sid, "Người tuyển dụng lạ ở bến xe " + secrets.token_hex(4))
    for _ in range(12):
        if "tip:send" in payloads(say(client, sid, payload="tip:skip")):
            break
    return CODE.search(full_text(say(client, sid, payload="tip:send"))).group(0)


def _rows(bot_rt: Any) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, as tuples of column values."""
    with unit_of_work(bot_rt.hotline.sessions) as s:
        return {
            t.name: [tuple(r) for r in s.execute(select(t)).all()]
            for t in Base.metadata.sorted_tables
        }


def _state_row(bot_rt: Any, key: str) -> tuple[Any, ...] | None:
    with unit_of_work(bot_rt.hotline.sessions) as s:
        row = s.get(ConversationState, key)
        return None if row is None else (row.updated_at, row.version, row.state_enc)


def _follow_up(client: Any, sid: str, code: str) -> None:
    """Read the hotline's question, answer it, then close the follow-up."""
    out = say(client, sid, "/theodoi")
    assert "fu:reply" not in payloads(out)  # asks for the code
    out = say(client, sid, code)
    assert "Xe biển số mấy?" in full_text(out) and "fu:reply" in payloads(out)
    say(client, sid, payload="fu:reply")
    out = say(client, sid, "Biển 12A-345.67")
    assert "fu:done" in payloads(out)
    say(client, sid, payload="fu:done")


def test_follow_up_writes_nothing_that_links_the_conversation_to_the_tip(client, bot_rt) -> None:
    code = _send_tip(client, "tipster" + secrets.token_hex(8))
    with unit_of_work(bot_rt.hotline.sessions) as s:
        tip = s.scalars(select(Tip)).one()
        service.add_hotline_message(s, bot_rt.hotline.cipher, tip, "op1", "Xe biển số mấy?")

    # A conversation that already has a stored row, and one that never wrote anything.
    known = "known" + secrets.token_hex(8)
    say(client, known, "/hoc")
    fresh = "fresh" + secrets.token_hex(8)
    known_key = bot_rt.hotline.pseudonyms.key("webchat", known)
    fresh_key = bot_rt.hotline.pseudonyms.key("webchat", fresh)
    before = _state_row(bot_rt, known_key)
    assert before is not None

    _follow_up(client, known, code)
    _follow_up(client, fresh, code)

    with unit_of_work(bot_rt.hotline.sessions) as s:
        tip = s.scalars(select(Tip)).one()
        entries = service.thread(s, bot_rt.hotline.cipher, tip)
        answers = [e for e in entries if e.direction == MessageDirection.TIPSTER_TO_HOTLINE]
        assert [e.text for e in answers] == ["Biển 12A-345.67"] * 2  # the replies arrived
        assert s.scalars(select(SentMessage)).all() == []
    # The stored row is byte for byte what it was: no time stamp moved, nothing re-encrypted.
    assert _state_row(bot_rt, known_key) == before
    assert _state_row(bot_rt, fresh_key) is None
    # No column anywhere holds either conversation's pseudonym or anything keyed from it.
    derived = {
        k: {k, bot_rt.hotline.pseudonyms.derive("tip-reply-handle", k)}
        for k in (known_key, fresh_key)
    }
    for table, rows in _rows(bot_rt).items():
        for row in rows:
            for value in row:
                for key, forms in derived.items():
                    if table == "conversation_states" and value == known_key:
                        continue  # the row the conversation had before, unchanged (above)
                    assert str(value) not in forms, (table, key)

    # The conversation goes on as before the follow-up, and writes its row again.
    out = say(client, fresh, "/menu")
    assert "/baotin" in payloads(out)
    assert _state_row(bot_rt, fresh_key) is not None


def test_open_follow_up_lives_off_the_database_and_ends_with_its_window(client, bot_rt) -> None:
    code = _send_tip(client, "tipster" + secrets.token_hex(8))
    sid = "open" + secrets.token_hex(8)
    say(client, sid, f"/theodoi {code}")
    key = bot_rt.hotline.pseudonyms.key("webchat", sid)
    assert _state_row(bot_rt, key) is None
    from bot.conversation import drop_side, load_side

    side = load_side(bot_rt, key)
    assert side is not None and side["flow"] == "follow_up"
    # The off-database copy expires (here: dropped) -> the follow-up is simply closed.
    drop_side(bot_rt, key)
    out = say(client, sid, payload="fu:reply")
    assert "fu:reply" not in payloads(out)
    with unit_of_work(bot_rt.hotline.sessions) as s:
        tip = s.scalars(select(Tip)).one()
        assert service.thread(s, bot_rt.hotline.cipher, tip) == []


def test_consent_to_notices_is_a_button_nothing_stored_can_tie_to_the_chat(client, bot_rt) -> None:
    code = _send_tip(client, "tipster" + secrets.token_hex(8))
    sid = "consent" + secrets.token_hex(8)
    say(client, sid, "/hoc")  # a stored conversation row, readable with the data key
    say(client, sid, f"/theodoi {code}")
    out = say(client, sid, payload="fu:notify")
    news = next(p for p in payloads(out) if p.startswith("/theodoi news:"))
    token = news.removeprefix("/theodoi news:")
    say(client, sid, payload="fu:done")

    key = bot_rt.hotline.pseudonyms.key("webchat", sid)
    with unit_of_work(bot_rt.hotline.sessions) as s:
        tip = s.scalars(select(Tip)).one()
        handle = s.get(TipReplyHandle, tip.id)
        assert handle is not None
        # The stored handle comes from the button's token, not from anything about the chat.
        assert handle.handle_tag == bot_rt.hotline.pseudonyms.derive("tip-reply-handle", token)
        assert handle.handle_tag != bot_rt.hotline.pseudonyms.derive("tip-reply-handle", key)
        # With the data key every conversation state can be read: none holds the token or tip.
        for state in s.scalars(select(ConversationState)).all():
            plain = bot_rt.hotline.cipher.decrypt(state.state_enc).decode()
            assert token not in plain and code not in plain and f'"tip":{tip.id}' not in plain
    for rows in _rows(bot_rt).values():
        assert not any(token in str(v) for row in rows for v in row)

    # Later, from the same chat, the button answers whether the hotline wrote (not what).
    assert "Chưa có tin nhắn mới" in full_text(say(client, sid, payload=news))
    with unit_of_work(bot_rt.hotline.sessions) as s:
        tip = s.scalars(select(Tip)).one()
        service.add_hotline_message(s, bot_rt.hotline.cipher, tip, "op1", "Bạn còn ở đó không?")
    answer = full_text(say(client, sid, payload=news))
    assert "1 tin nhắn mới" in answer and "Bạn còn ở đó không?" not in answer
    # Turning notices off makes the button say so.
    say(client, sid, f"/theodoi {code}")
    say(client, sid, payload="fu:notify_off")
    say(client, sid, payload="fu:done")
    assert "không còn dùng được" in full_text(say(client, sid, payload=news))
