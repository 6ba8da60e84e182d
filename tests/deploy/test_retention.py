"""Retention purge on SQLite and PostgreSQL: what goes, what stays, dry run, and the CLI."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from hotline.casework.models import TipCase, TipNote
from hotline.config import Settings
from hotline.conversations.models import ConversationState, ProcessedUpdate, SentMessage
from hotline.db.base import utcnow
from hotline.db.session import unit_of_work
from hotline.notifications.models import Notification
from hotline.retention import purge
from hotline.tips.models import Tip, TipMessage, TipReplyHandle

NOW = utcnow()


def _tip(n: int, status: str, updated_days_ago: int) -> Tip:
    return Tip(
        channel="telegram",
        urgency="normal",
        status=status,
        content_enc=b"enc",
        receipt_hash="h",
        receipt_tag="t",
        dedupe_key=f"dedupe{n}",
        submission_key=f"submission{n}",
        created_at=NOW - timedelta(days=updated_days_ago + 30),
        updated_at=NOW - timedelta(days=updated_days_ago),
    )


def seed(hotline_rt) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """Rows on both sides of every cutoff; returns the tip ids by name."""
    with unit_of_work(hotline_rt.sessions) as s:
        s.add_all(
            [
                ConversationState(
                    key="old",
                    channel="telegram",
                    state_enc=b"x",
                    updated_at=NOW - timedelta(days=31),
                ),
                ConversationState(
                    key="fresh", channel="zalo", state_enc=b"x", updated_at=NOW - timedelta(days=29)
                ),
                ProcessedUpdate(
                    channel="telegram", update_key="u-old", created_at=NOW - timedelta(days=8)
                ),
                ProcessedUpdate(
                    channel="telegram", update_key="u-new", created_at=NOW - timedelta(days=1)
                ),
                SentMessage(key="fresh", message_id=1, sent_hour=NOW - timedelta(hours=49)),
                SentMessage(key="fresh", message_id=2, sent_hour=NOW - timedelta(hours=47)),
            ]
        )
        tips = {
            # Closed 800 days ago according to its case (its row was touched recently).
            "closed_long_ago": _tip(1, "closed", 5),
            # Closed 10 days ago.
            "closed_recently": _tip(2, "closed", 10),
            # Open for ages: never purged, whatever its age.
            "open_old": _tip(3, "in_progress", 900),
            # Closed, no case row: its own updated_at counts.
            "closed_no_case": _tip(4, "closed", 731),
        }
        s.add_all(tips.values())
        s.flush()
        due = NOW + timedelta(days=1)
        s.add_all(
            [
                TipCase(
                    tip_id=tips["closed_long_ago"].id,
                    sla_due_at=due,
                    closed_at=NOW - timedelta(days=800),
                ),
                TipCase(
                    tip_id=tips["closed_recently"].id,
                    sla_due_at=due,
                    closed_at=NOW - timedelta(days=10),
                ),
            ]
        )
        for tip in tips.values():
            s.add(TipNote(tip_id=tip.id, author="op", body_enc=b"n"))
            s.add(TipMessage(tip_id=tip.id, direction="hotline_to_tipster", body_enc=b"m"))
            s.add(Notification(tip_id=tip.id, kind="new_tip", channel="email", text="x"))
        s.add(
            TipReplyHandle(
                tip_id=tips["open_old"].id, handle_tag="h", expires_at=NOW - timedelta(days=1)
            )
        )
        return {name: tip.id for name, tip in tips.items()}


def count(hotline_rt, model, *where) -> int:  # type: ignore[no-untyped-def]
    with unit_of_work(hotline_rt.sessions) as s:
        return int(s.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def test_purge_deletes_only_what_expired(hotline_rt, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    ids = seed(hotline_rt)
    with unit_of_work(hotline_rt.sessions) as s:
        counts = purge(s, NOW, settings)
    assert counts["conversation_states"] == 1
    assert counts["processed_updates"] == 1
    assert counts["sent_messages"] == 1
    assert counts["closed_tips"] == 2
    assert counts["tip_reply_handles"] == 1
    with unit_of_work(hotline_rt.sessions) as s:
        assert set(s.scalars(select(SentMessage.message_id))) == {2}
        assert set(s.scalars(select(ConversationState.key))) == {"fresh"}
        assert set(s.scalars(select(ProcessedUpdate.update_key))) == {"u-new"}
        left = set(s.scalars(select(Tip.id)))
    assert left == {ids["closed_recently"], ids["open_old"]}
    gone = [ids["closed_long_ago"], ids["closed_no_case"]]
    for model in (TipNote, TipMessage, Notification, TipCase):
        assert count(hotline_rt, model, model.tip_id.in_(gone)) == 0, model
        assert count(hotline_rt, model, model.tip_id.in_(left)) >= 1 or model is TipCase
    # Running again finds nothing more.
    with unit_of_work(hotline_rt.sessions) as s:
        again = purge(s, NOW, settings)
    assert again["closed_tips"] == 0
    assert again["conversation_states"] == 0


def test_worker_job(hotline_rt) -> None:  # type: ignore[no-untyped-def]
    from hotline.retention import run_scheduled

    seed(hotline_rt)
    assert run_scheduled(hotline_rt)["closed_tips"] == 2
    assert count(hotline_rt, Tip) == 2


def test_dry_run_counts_without_deleting(hotline_rt, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    seed(hotline_rt)
    with unit_of_work(hotline_rt.sessions) as s:
        counts = purge(s, NOW, settings, dry_run=True)
    assert counts["closed_tips"] == 2
    assert counts["conversation_states"] == 1
    assert count(hotline_rt, Tip) == 4
    assert count(hotline_rt, ConversationState) == 2


def test_periods_are_configurable(hotline_rt, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    seed(hotline_rt)
    longer = settings.model_copy(
        update={"retention_conversation_days": 90, "retention_closed_tip_days": 3650}
    )
    with unit_of_work(hotline_rt.sessions) as s:
        counts = purge(s, NOW, longer)
    assert counts["conversation_states"] == 0
    assert counts["closed_tips"] == 0


def test_settings_from_environment() -> None:
    s = Settings(
        _env_file=None,
        CANHGIAC_RETENTION_CONVERSATION_DAYS="14",
        CANHGIAC_RETENTION_CLOSED_TIP_DAYS="365",
    )
    assert (s.retention_conversation_days, s.retention_closed_tip_days) == (14, 365)
    default = Settings(_env_file=None)
    assert default.retention_conversation_days == 30
    assert default.retention_processed_update_days == 7
    assert default.retention_closed_tip_days == 730


def test_cli(hotline_rt, db_url: str, keys: dict[str, str], monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from bot.cli import app
    from hotline.config import get_settings

    seed(hotline_rt)
    monkeypatch.setenv("CANHGIAC_DATABASE_URL", db_url)
    monkeypatch.setenv("CANHGIAC_SECRET_KEY", keys["secret"])
    monkeypatch.setenv("CANHGIAC_DATA_KEY", keys["data"])
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        dry = runner.invoke(app, ["retention", "purge", "--dry-run"])
        assert dry.exit_code == 0, dry.output
        assert "closed_tips\t2\t" in dry.output
        assert count(hotline_rt, Tip) == 4
        real = runner.invoke(app, ["retention", "purge"])
        assert real.exit_code == 0, real.output
        assert "closed_tips\t2\t" in real.output
        assert count(hotline_rt, Tip) == 2
    finally:
        get_settings.cache_clear()


def test_expired_console_sessions_are_purged(hotline_rt, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    from hotline.users import service as users
    from hotline.users.models import StaffSession

    life = timedelta(seconds=settings.session_max_age_seconds)
    with unit_of_work(hotline_rt.sessions) as s:
        user = users.create_user(s, "op.purge", "mat-khau-du-dai-123", "operator")
        s.add(StaffSession(token_hash="a" * 64, user_id=user.id, created_at=NOW - life * 2))
        s.add(StaffSession(token_hash="b" * 64, user_id=user.id, created_at=NOW))
    with unit_of_work(hotline_rt.sessions) as s:
        assert purge(s, NOW, settings)["staff_sessions"] == 1
    with unit_of_work(hotline_rt.sessions) as s:
        assert set(s.scalars(select(StaffSession.token_hash))) == {"b" * 64}
