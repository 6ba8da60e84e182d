"""Overdue-SLA alerts reach the supervisors' channels (CANHGIAC_SUPERVISOR_NOTIFY), no content."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from pydantic import SecretStr, ValidationError
from sqlalchemy import select

from hotline.agencies import service as agencies
from hotline.config import Settings
from hotline.db.base import utcnow
from hotline.db.session import unit_of_work
from hotline.notifications.models import Notification
from hotline.notifications.senders import build_senders
from hotline.worker import tick
from tests.hotline.factories import make_tip

SUPERVISORS = [
    {"channel": "telegram", "chat_id": "-100777"},
    {"channel": "webhook", "url": "http://127.0.0.1:9/none"},
]


def test_setting_is_read_from_the_environment_and_validated(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv(
        "CANHGIAC_SUPERVISOR_NOTIFY",
        '[{"channel": "telegram", "chat_id": "-100777"}, '
        '{"channel": "email", "address": "giamsat@example.gov.vn"}]',
    )
    s = Settings(_env_file=None)
    assert s.supervisor_notify == [
        {"channel": "telegram", "chat_id": "-100777"},
        {"channel": "email", "address": "giamsat@example.gov.vn"},
    ]
    monkeypatch.setenv("CANHGIAC_SUPERVISOR_NOTIFY", '[{"channel": "telegram"}]')
    with pytest.raises(ValidationError):
        Settings(_env_file=None)
    monkeypatch.delenv("CANHGIAC_SUPERVISOR_NOTIFY")
    assert Settings(_env_file=None).supervisor_notify == []


def test_overdue_tip_alerts_supervisors_without_content(hotline_rt, fake_botapi) -> None:  # type: ignore[no-untyped-def]
    settings = hotline_rt.settings.model_copy(
        update={
            "supervisor_notify": SUPERVISORS,
            "telegram_bot_token": SecretStr("123:abc"),
            "telegram_api_base_url": fake_botapi.root_url,
        }
    )
    hotline_rt.settings = settings
    with unit_of_work(hotline_rt.sessions) as s:
        agencies.ensure_imported(s, settings.content_dir)
        # The desk shares one destination with the setting: it must be alerted only once.
        agencies.get(s, "national-desk").notify = [
            {"channel": "telegram", "chat_id": "-100777"},
            {"channel": "telegram", "chat_id": "-100888"},
        ]
        late = make_tip(
            s,
            hotline_rt.cipher,
            "SECRET-TIP-TEXT Nguyễn Văn A 0912345678",
            province="Hà Nội",
            urgency="crisis",
            created_at=utcnow() - timedelta(hours=2),
        )
        make_tip(s, hotline_rt.cipher, province="Hà Nội", urgency="normal")
        late_id = late.id
    with httpx.Client() as client:
        senders = build_senders(settings, client)
        first = tick(hotline_rt, senders)
        again = tick(hotline_rt, senders)
    assert first["overdue"] == 1 and again["overdue"] == 0  # once per tip
    with hotline_rt.sessions() as s:
        rows = list(s.scalars(select(Notification).where(Notification.kind == "overdue")))
    dests = sorted(
        (r.channel, r.destination.get("chat_id") or r.destination.get("url")) for r in rows
    )
    assert dests == [
        ("telegram", "-100777"),
        ("telegram", "-100888"),
        ("webhook", "http://127.0.0.1:9/none"),
    ]
    texts = fake_botapi.sent_texts("-100777") + fake_botapi.sent_texts("-100888")
    assert len(texts) == 2
    for text in [*texts, *(r.text for r in rows)]:
        assert f"#{late_id}" in text and f"/console/tips/{late_id}" in text
        assert "SECRET" not in text and "0912345678" not in text and "Nguyễn" not in text
