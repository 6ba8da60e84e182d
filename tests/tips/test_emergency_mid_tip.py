"""A crisis typed in the middle of a tip: numbers first, never stored as the step's answer."""

from __future__ import annotations

import secrets

from sqlalchemy import select

from hotline.conversations import service as conversations
from hotline.db.session import unit_of_work
from hotline.tips import service
from hotline.tips.models import Tip, Urgency
from tests.tips.test_intake_dialog import full_text, payloads, say


def _draft(bot_rt, sid: str) -> dict:  # type: ignore[no-untyped-def]
    key = bot_rt.hotline.pseudonyms.key("webchat", sid)
    with unit_of_work(bot_rt.hotline.sessions) as s:
        state = conversations.load_state(s, bot_rt.hotline.cipher, key)
    return dict(state["flows"]["tip"]["draft"])


def test_rescue_words_as_the_story_are_kept_and_the_tip_is_a_crisis(client, bot_rt) -> None:
    sid = "sess" + secrets.token_hex(10)
    say(client, sid, "/baotin")
    marker = "RESCUE" + secrets.token_hex(4)
    out = say(client, sid, f"cuu em voi, em dang bi nhot trong phong o ben cam {marker}")
    first = out[0]["text"]
    # Abroad: the consular hotline first, never 113 alone; then the next question of the tip.
    assert "+84 981 84 84 84" in first
    assert "tip:skip" in payloads(out)
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


def test_a_crisis_at_another_step_pauses_the_form(client, bot_rt) -> None:
    sid = "sess" + secrets.token_hex(10)
    say(client, sid, "/baotin")
    say(client, sid, "Có người tuyển lao động đi Campuchia ở chợ huyện")
    out = say(client, sid, payload="tip:skip")  # province
    assert "3️⃣" in full_text(out)  # the place question
    out = say(client, sid, "cuu voi ho dang danh em, em dang tren xe ve bien gioi")
    text = full_text(out)
    assert "113" in out[0]["text"] and "3️⃣" not in text
    assert {"safety:tip", "safety:resume"} <= set(payloads(out))
    assert not _draft(bot_rt, sid).get("place")  # not taken as the place
    out = say(client, sid, payload="safety:resume")
    assert "3️⃣" in full_text(out)  # where it left off
    out = say(client, sid, "cuu voi ho dang danh em, em dang tren xe ve bien gioi")
    out = say(client, sid, payload="safety:tip")
    summary = full_text(out)
    assert "Chuyện xảy ra: Có người tuyển" in summary and "dang danh em" in summary
    assert "Địa điểm: (bỏ qua)" in summary
    assert _draft(bot_rt, sid)["urgent"] is True


def test_an_ordinary_answer_is_not_a_crisis(client, bot_rt) -> None:
    sid = "sess" + secrets.token_hex(10)
    say(client, sid, "/baotin")
    say(client, sid, "Có người tuyển lao động đi Campuchia ở chợ huyện")
    for _ in range(3):  # province, place, when
        out = say(client, sid, payload="tip:skip")
    out = say(client, sid, "khoang 3 em")  # how many people
    assert "113" not in full_text(out) and "safety:tip" not in payloads(out)
    assert _draft(bot_rt, sid).get("people_text") == "khoang 3 em"


def test_report_button_from_offer_check_prefills_the_tactic(client, bot_rt) -> None:
    sid = "sess" + secrets.token_hex(10)
    say(client, sid, payload="/baotin offer:scam_compound")
    assert _draft(bot_rt, sid)["tactic"] == "scam_compound"
