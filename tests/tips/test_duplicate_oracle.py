"""Sending a text someone already reported gets an ordinary receipt: no "already reported"."""

from __future__ import annotations

import secrets

from sqlalchemy import select

from hotline.db.session import unit_of_work
from hotline.tips.models import Tip
from tests.tips.test_intake_dialog import CODE, full_text, payloads, say


def _send(client, text: str) -> str:  # type: ignore[no-untyped-def]
    sid = "dup" + secrets.token_hex(8)
    say(client, sid, "/baotin")
    say(client, sid, text)
    for _ in range(12):
        if "tip:send" in payloads(say(client, sid, payload="tip:skip")):
            break
    return full_text(say(client, sid, payload="tip:send"))


def test_a_repeated_text_cannot_be_told_apart(client, bot_rt) -> None:  # type: ignore[no-untyped-def]
    text = "Có người lạ tuyển lao động đi Lào ở chợ huyện " + secrets.token_hex(4)
    first, second = _send(client, text), _send(client, text)
    assert CODE.search(first) and CODE.search(second)
    assert CODE.sub("X", first) == CODE.sub("X", second)
    assert "đã được nhận rồi" not in second
    with unit_of_work(bot_rt.hotline.sessions) as s:
        reasons = [t.urgency_reasons for t in s.scalars(select(Tip).order_by(Tip.id))]
    assert len(reasons) == 2 and "possible_duplicate" in reasons[1].split(",")
