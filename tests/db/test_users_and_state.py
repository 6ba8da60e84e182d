"""Staff users (Argon2id, lockout) and encrypted conversation state."""

import pytest
from sqlalchemy import select

from hotline.conversations import service as conversations
from hotline.conversations.models import ConversationState
from hotline.db.session import unit_of_work
from hotline.users import service as users


def test_create_and_authenticate(hotline_rt) -> None:
    with unit_of_work(hotline_rt.sessions) as s:
        u = users.create_user(s, "lan.nguyen", "mat-khau-rat-dai", "operator")
        assert u.password_hash.startswith("$argon2id$")
    with unit_of_work(hotline_rt.sessions) as s:
        assert users.authenticate(s, "lan.nguyen", "mat-khau-rat-dai") is not None
        assert users.authenticate(s, "lan.nguyen", "sai") is None
        assert users.authenticate(s, "nobody", "x") is None


def test_invalid_users_refused(hotline_rt) -> None:
    with unit_of_work(hotline_rt.sessions) as s:
        with pytest.raises(users.UserError):
            users.create_user(s, "a", "short", "operator")
        with pytest.raises(users.UserError):
            users.create_user(s, "bg.laocai", "mat-khau-rat-dai", "agency")
        with pytest.raises(users.UserError):
            users.create_user(s, "x", "mat-khau-rat-dai", "king")


def test_lockout_after_repeated_failures(hotline_rt) -> None:
    with unit_of_work(hotline_rt.sessions) as s:
        users.create_user(s, "op1", "mat-khau-rat-dai", "operator")
    for _ in range(users.MAX_FAILED_LOGINS):
        with unit_of_work(hotline_rt.sessions) as s:
            assert users.authenticate(s, "op1", "wrong-password") is None
    with unit_of_work(hotline_rt.sessions) as s:
        assert users.authenticate(s, "op1", "mat-khau-rat-dai") is None  # locked


def test_state_is_encrypted_at_rest(hotline_rt) -> None:
    key = hotline_rt.pseudonyms.key("telegram", 987654321)
    with unit_of_work(hotline_rt.sessions) as s:
        conversations.save_state(
            s, hotline_rt.cipher, key, "telegram", {"draft": "MARKER-XYZ Lào Cai"}
        )
    with unit_of_work(hotline_rt.sessions) as s:
        row = s.scalar(select(ConversationState))
        assert row is not None
        assert b"MARKER-XYZ" not in row.state_enc
        assert "987654321" not in row.key
        assert conversations.load_state(s, hotline_rt.cipher, key) == {
            "draft": "MARKER-XYZ Lào Cai"
        }
        conversations.delete_state(s, key)
    with unit_of_work(hotline_rt.sessions) as s:
        assert conversations.load_state(s, hotline_rt.cipher, key) == {}


def test_processed_updates_are_idempotent(hotline_rt) -> None:
    with unit_of_work(hotline_rt.sessions) as s:
        assert conversations.mark_processed(s, "telegram", "abc")
        assert not conversations.mark_processed(s, "telegram", "abc")
        assert conversations.mark_processed(s, "zalo", "abc")


def test_start_turn_marks_loads_and_refuses_duplicates(hotline_rt) -> None:
    """One round trip on PostgreSQL, two statements elsewhere: the same answers."""
    key = hotline_rt.pseudonyms.key("telegram", 555)
    with unit_of_work(hotline_rt.sessions) as s:
        assert conversations.start_turn(s, hotline_rt.cipher, key, "telegram", "u1") == {}
        conversations.save_state(s, hotline_rt.cipher, key, "telegram", {"step": 1})
    with unit_of_work(hotline_rt.sessions) as s:
        assert conversations.start_turn(s, hotline_rt.cipher, key, "telegram", "u1") is None
        assert conversations.start_turn(s, hotline_rt.cipher, key, "telegram", "u2") == {"step": 1}
        # The same update key on another channel is another update.
        assert conversations.start_turn(s, hotline_rt.cipher, key, "zalo", "u1") == {"step": 1}
    with unit_of_work(hotline_rt.sessions) as s:
        assert not conversations.mark_processed(s, "telegram", "u2")


def test_sent_ids_recorded_once_taken_within_the_window_and_forgotten(hotline_rt) -> None:
    from datetime import timedelta

    from hotline.db.base import utcnow

    now = utcnow()
    old = now - timedelta(hours=50)
    with unit_of_work(hotline_rt.sessions) as s:
        conversations.record_sent(s, [("k1", 7, now), ("k1", 3, old), ("k2", 7, now)])
        conversations.record_sent(s, [("k1", 7, now)])  # a repeated batch adds nothing
        conversations.record_sent(s, [])
    with unit_of_work(hotline_rt.sessions) as s:
        # Only what Telegram can still delete; every id of the pseudonym is dropped.
        assert conversations.take_sent(s, "k1", now - timedelta(hours=47)) == [7]
        assert conversations.take_sent(s, "k1", now - timedelta(hours=47)) == []
        conversations.delete_state(s, "k2")
        assert conversations.take_sent(s, "k2", old) == []
