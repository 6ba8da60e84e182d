"""A follow-up reply that tells of danger reaches the tip's thread, flagged urgent, and the
tipster still gets the emergency answer (issue 19)."""

from __future__ import annotations

import secrets
from typing import Any

import pytest
from sqlalchemy import select

from hotline.audit.models import AuditEvent
from hotline.db.session import unit_of_work
from hotline.tips import service
from hotline.tips.models import MessageDirection, Tip, Urgency
from hotline.tips.reasons import Reason, parse
from tests.tips.test_follow_up_unlinkable import _send_tip
from tests.tips.test_intake_dialog import full_text, payloads, say

DANGER = "Họ đánh nó, nó bị nhốt ở tầng 5"


def _thread(bot_rt: Any) -> tuple[Tip, list[str]]:
    with unit_of_work(bot_rt.hotline.sessions) as s:
        tip = s.scalars(select(Tip)).one()
        s.expunge(tip)
        texts = [
            e.text
            for e in service.thread(s, bot_rt.hotline.cipher, tip)
            if e.direction == MessageDirection.TIPSTER_TO_HOTLINE
        ]
    return tip, texts


@pytest.mark.parametrize("press_reply", [True, False])
def test_danger_in_a_follow_up_reply_reaches_the_thread_and_the_crisis_answer(
    client, bot_rt, press_reply: bool
) -> None:  # type: ignore[no-untyped-def]
    code = _send_tip(client, "tipster" + secrets.token_hex(8))
    with unit_of_work(bot_rt.hotline.sessions) as s:
        tip = s.scalars(select(Tip)).one()
        assert tip.urgency != Urgency.CRISIS
        service.add_hotline_message(s, bot_rt.hotline.cipher, tip, "op1", "Em ấy đang ở đâu?")
    sid = "writer" + secrets.token_hex(8)
    out = say(client, sid, f"/theodoi {code}")
    assert "fu:reply" in payloads(out)
    if press_reply:
        say(client, sid, payload="fu:reply")
    out = say(client, sid, DANGER)
    text = full_text(out)
    assert "113" in text  # the emergency answer comes first
    tip, texts = _thread(bot_rt)
    assert texts == [DANGER]
    assert tip.urgency == Urgency.CRISIS
    assert Reason.IMMINENT_DANGER in parse(tip.urgency_reasons)
    with unit_of_work(bot_rt.hotline.sessions) as s:
        actions = list(s.scalars(select(AuditEvent.action)))
    assert "tip.escalated" in actions


def test_a_calm_reply_typed_without_the_button_is_kept_too(client, bot_rt) -> None:  # type: ignore[no-untyped-def]
    code = _send_tip(client, "tipster" + secrets.token_hex(8))
    sid = "writer" + secrets.token_hex(8)
    say(client, sid, f"/theodoi {code}")
    out = say(client, sid, "Biển số xe là 12A-345.67")
    assert "fu:done" in payloads(out)
    tip, texts = _thread(bot_rt)
    assert texts == ["Biển số xe là 12A-345.67"] and tip.urgency != Urgency.CRISIS
