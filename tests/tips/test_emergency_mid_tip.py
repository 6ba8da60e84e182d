"""A rescue request typed in the middle of a tip: numbers first, and the words are kept."""

from __future__ import annotations

import secrets

from sqlalchemy import select

from hotline.db.session import unit_of_work
from hotline.tips import service
from hotline.tips.models import Tip, Urgency
from tests.tips.test_intake_dialog import full_text, payloads, say


def test_rescue_words_during_intake_show_113_and_stay_in_the_draft(client, bot_rt) -> None:
    sid = "sess" + secrets.token_hex(10)
    say(client, sid, "/baotin")
    marker = "RESCUE" + secrets.token_hex(4)
    out = say(client, sid, f"cuu em voi, em dang bi nhot trong phong o ben cam {marker}")
    assert "113" in out[0]["text"]  # the emergency numbers come first
    # Finish the tip quickly: skip everything to the summary, then send.
    for _ in range(15):
        buttons = payloads(out)
        if "tip:send" in buttons:
            break
        out = say(client, sid, payload="tip:skip" if "tip:skip" in buttons else "tip:resume")
    assert marker in full_text(out)
    say(client, sid, payload="tip:send")
    with unit_of_work(bot_rt.hotline.sessions) as s:
        tip = s.scalars(select(Tip)).one()
        assert tip.urgency == Urgency.CRISIS
        assert marker in str(service.decrypt_content(bot_rt.hotline.cipher, tip))


def test_report_button_from_offer_check_prefills_the_tactic(client, bot_rt) -> None:
    from hotline.conversations import service as conversations

    sid = "sess" + secrets.token_hex(10)
    say(client, sid, payload="/baotin offer:scam_compound")
    key = bot_rt.hotline.pseudonyms.key("webchat", sid)
    with unit_of_work(bot_rt.hotline.sessions) as s:
        state = conversations.load_state(s, bot_rt.hotline.cipher, key)
    assert state["flows"]["tip"]["draft"]["tactic"] == "scam_compound"
