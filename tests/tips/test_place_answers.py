"""Tip intake through the web chat: a district, commune or border gate answer gives the province,
and a tip from a border district is routed to that province's Border Guard unit."""

from __future__ import annotations

import secrets

from sqlalchemy import select

from hotline.agencies import service as agencies
from hotline.casework import service as casework
from hotline.db.session import unit_of_work
from hotline.tips.models import Tip


def say(client, sid: str, text: str | None = None, payload: str | None = None) -> list[dict]:  # type: ignore[no-untyped-def]
    body = {"session_id": sid, **({"text": text} if text is not None else {"payload": payload})}
    r = client.post("/webchat/messages", json=body)
    assert r.status_code == 200, r.text
    return r.json()["messages"]


def send_tip(client, province_answer: str, place: str) -> None:  # type: ignore[no-untyped-def]
    """A tip whose province question is answered with a place name, sent."""
    sid = "sess" + secrets.token_hex(10)
    say(client, sid, "/baotin")
    say(client, sid, f"Có người lạ hay vào bản rủ các em gái đi làm xa {secrets.token_hex(4)}")
    say(client, sid, province_answer)
    say(client, sid, place)
    for _ in range(10):
        out = say(client, sid, payload="tip:skip")
        if any(b["payload"] == "tip:send" for m in out for b in m["buttons"]):
            break
        if any(b["payload"] == "tip:victim:no" for m in out for b in m["buttons"]):
            say(client, sid, payload="tip:victim:no")
            break
    say(client, sid, payload="tip:send")


def only_tip(bot_rt) -> tuple[str | None, str, list[str]]:  # type: ignore[no-untyped-def]
    """The one tip's province, reasons and recipients after routing."""
    with unit_of_work(bot_rt.hotline.sessions) as s:
        agencies.ensure_imported(s, bot_rt.hotline.settings.content_dir)
        tips = s.scalars(select(Tip)).all()
        assert len(tips) == 1
        tip = tips[0]
        casework.route_tip(s, bot_rt.hotline.settings, tip)
        codes = [r.agency_code for r in casework.recipients(s, tip.id)]
        return tip.province, tip.urgency_reasons, codes


def test_an_old_district_answer_fills_the_province_and_reaches_the_border_guard(
    client,  # type: ignore[no-untyped-def]
    bot_rt,  # type: ignore[no-untyped-def]
) -> None:
    send_tip(client, "muong khuong", "ở thôn gần đồn biên phòng")
    province, reasons, codes = only_tip(bot_rt)
    assert province == "Lào Cai"
    assert "border_area" in reasons.split(",")
    assert "lao-cai-border-guard" in codes and "lao-cai-police" in codes


def test_a_commune_answer_fills_the_province_inland(client, bot_rt) -> None:  # type: ignore[no-untyped-def]
    send_tip(client, "xã Tả Van", "chợ phiên")
    province, reasons, codes = only_tip(bot_rt)
    assert province == "Lào Cai"
    assert "border_area" not in reasons.split(",")
    assert codes == ["lao-cai-police"]
