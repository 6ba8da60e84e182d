"""Tip intake and follow-up through the real conversation engine (web chat + direct turns)."""

from __future__ import annotations

import io
import logging
import re
import secrets
import subprocess
from pathlib import Path

from PIL import Image
from sqlalchemy import select

from bot.conversation import handle
from bot.dialogs.types import Incoming
from hotline.db.session import unit_of_work
from hotline.tips import service
from hotline.tips.models import Tip, TipMessage, Urgency

CODE = re.compile(r"[A-Z0-9]{4}(?:-[A-Z0-9]{4}){3}")


def say(client, sid: str, text: str | None = None, payload: str | None = None) -> list[dict]:
    body = {"session_id": sid, **({"text": text} if text is not None else {"payload": payload})}
    r = client.post("/webchat/messages", json=body)
    assert r.status_code == 200, r.text
    return r.json()["messages"]


def payloads(messages: list[dict]) -> list[str]:
    return [b["payload"] for m in messages for b in m["buttons"]]


def full_text(messages: list[dict]) -> str:
    return "\n".join(m["text"] for m in messages)


def walk_tip(client, sid: str, marker: str) -> list[dict]:
    """A complete tip by typing and tapping, ending at the summary."""
    out = say(client, sid, "/baotin")
    assert "tip:skip" in payloads(out)
    say(client, sid, f"Có người rủ em gái tôi sang Campuchia làm việc nhẹ lương cao {marker}")
    say(client, sid, "lang son")
    say(client, sid, "bến xe phía Bắc")
    say(client, sid, "tuần trước")
    say(client, sid, "3 người")
    say(client, sid, payload="tip:child:no")
    # Destination was pre-filled from the first message, so the recruiter step is next.
    say(client, sid, f"Facebook, số 0912 345 678, @viecnhe_{marker}")
    say(client, sid, payload="tip:skip")  # photos
    return say(client, sid, payload="tip:victim:no")


def db_bytes(url: str) -> bytes:
    """Everything a seized database would give: the SQLite files, or a full pg_dump."""
    if url.startswith("postgresql"):
        libpq = url.replace("postgresql+psycopg://", "postgresql://", 1)
        return subprocess.run(
            ["pg_dump", "--no-owner", libpq], check=True, capture_output=True, timeout=120
        ).stdout
    path = Path(url.split("///", 1)[1])
    data = b""
    for p in (path, Path(str(path) + "-wal"), Path(str(path) + "-journal")):
        if p.exists():
            data += p.read_bytes()
    return data


def test_webchat_tip_end_to_end_leaves_no_identity_or_text(client, bot_rt, caplog, capsys):
    caplog.set_level(logging.DEBUG)
    marker = "MARK" + secrets.token_hex(6)
    sid = "sess" + secrets.token_hex(10)
    summary = walk_tip(client, sid, marker)
    text = full_text(summary)
    assert marker in text and "tip:send" in payloads(summary)
    assert "Lạng Sơn" in text and "Campuchia" in text
    sent = say(client, sid, payload="tip:send")
    code = CODE.search(full_text(sent)).group(0)
    assert f"/theodoi {code}" in full_text(sent)

    with unit_of_work(bot_rt.hotline.sessions) as s:
        tips = s.scalars(select(Tip)).all()
        assert len(tips) == 1
        tip = tips[0]
        assert tip.province == "Lạng Sơn" and tip.destination_country == "Campuchia"
        assert tip.people_at_risk == 3 and tip.child_involved is False
        assert tip.urgency == Urgency.HIGH and tip.channel == "webchat"
        content = service.decrypt_content(bot_rt.hotline.cipher, tip)
        assert marker in content["what"] and marker in content["recruiter"]
    bot_rt.hotline.engine.dispose()  # flush the WAL so the scan sees everything on disk

    raw = db_bytes(bot_rt.settings.database_url)
    for secret in (sid, marker, code, code.replace("-", ""), "0912 345 678", "0912345678"):
        assert secret.encode() not in raw, secret
    logs = caplog.text + "".join(capsys.readouterr())
    for secret in (sid, marker, code):
        assert secret not in logs, secret

    # A double tap after sending finds no draft: still exactly one tip.
    say(client, sid, payload="tip:send")
    with unit_of_work(bot_rt.hotline.sessions) as s:
        assert len(s.scalars(select(Tip)).all()) == 1


def test_unfinished_draft_resumes_and_survives_interruptions(client, bot_rt):
    sid = "sess" + secrets.token_hex(10)
    say(client, sid, "/baotin")
    say(client, sid, "Có người lạ tuyển lao động đi Lào ở chợ huyện")
    out = say(client, sid, "/khancap")
    assert "113" in full_text(out)
    out = say(client, sid, "/baotin")
    assert "tip:resume" in payloads(out) and "tip:restart" in payloads(out)
    out = say(client, sid, payload="tip:resume")
    assert "tip:skip" in payloads(out)


def test_double_confirm_creates_one_tip(client, bot_rt):
    sid = "sess" + secrets.token_hex(10)
    say(client, sid, "/baotin")
    say(client, sid, "Một nhóm người lạ hứa việc lương cao ở nước ngoài " + secrets.token_hex(4))
    for _ in range(9):
        out = say(client, sid, payload="tip:skip")
        if "tip:send" in payloads(out):
            break
    first = say(client, sid, payload="tip:send")
    second = say(client, sid, payload="tip:send")
    assert CODE.search(full_text(first))
    assert not CODE.search(full_text(second))
    with unit_of_work(bot_rt.hotline.sessions) as s:
        assert len(s.scalars(select(Tip)).all()) == 1


def test_child_or_unsure_age_is_crisis_and_says_call_first(client, bot_rt):
    sid = "sess" + secrets.token_hex(10)
    say(client, sid, "/baotin")
    say(client, sid, "Một bé gái bị người lạ dụ đi làm ở xa " + secrets.token_hex(4))
    out = []
    for _ in range(12):
        p = payloads(out)
        if "tip:send" in p:
            break
        out = say(
            client, sid, payload="tip:child:unsure" if "tip:child:unsure" in p else "tip:skip"
        )
    sent = say(client, sid, payload="tip:send")
    assert "113" in sent[0]["text"] and "111" in sent[0]["text"]
    with unit_of_work(bot_rt.hotline.sessions) as s:
        tip = s.scalars(select(Tip)).one()
        assert tip.urgency == Urgency.CRISIS and tip.child_involved is True
        assert "child_uncertain_age" in tip.urgency_reasons


def gps_jpeg() -> bytes:
    img = Image.new("RGB", (640, 480), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    exif[0x8825] = {1: "N", 2: (21.0, 1.0, 0.0), 3: "E", 4: (105.0, 50.0, 0.0)}  # GPS IFD
    buf = io.BytesIO()
    img.save(buf, format="JPEG", exif=exif.tobytes(), comment=b"secret comment")
    return buf.getvalue()


def test_photo_gps_exif_is_stripped(bot_rt):
    raw = gps_jpeg()
    assert Image.open(io.BytesIO(raw)).getexif().get_ifd(0x8825)
    user = secrets.token_hex(6)
    handle(bot_rt, "webchat", user, Incoming(text="/baotin"))
    handle(bot_rt, "webchat", user, Incoming(text="Ảnh quảng cáo tuyển người " + user))
    out = handle(bot_rt, "webchat", user, Incoming(photos=(raw, b"not an image")))
    texts = [r.text for r in out.replies]
    assert any("1/5" in t for t in texts)
    for _ in range(12):
        out = handle(bot_rt, "webchat", user, Incoming(payload="tip:skip"))
        if any(b.payload == "tip:send" for r in out.replies for b in r.buttons):
            break
    handle(bot_rt, "webchat", user, Incoming(payload="tip:send"))
    with unit_of_work(bot_rt.hotline.sessions) as s:
        tip = s.scalars(select(Tip)).one()
        atts = service.attachments(s, tip)
        assert len(atts) == 1 and atts[0].mime == "image/jpeg"
        stored = service.attachment_bytes(bot_rt.hotline.cipher, atts[0])
    assert b"Exif" not in stored and b"SecretCam" not in stored and b"secret comment" not in stored
    img = Image.open(io.BytesIO(stored))
    assert img.format == "JPEG" and img.size == (640, 480)
    assert len(img.getexif()) == 0 and "exif" not in img.info and "comment" not in img.info


def test_follow_up_thread_and_wrong_code_limit(client, bot_rt):
    sid = "sess" + secrets.token_hex(10)
    say(client, sid, "/baotin")
    say(client, sid, "Người tuyển dụng lạ ở bến xe " + secrets.token_hex(4))
    for _ in range(12):
        if "tip:send" in payloads(say(client, sid, payload="tip:skip")):
            break
    code = CODE.search(full_text(say(client, sid, payload="tip:send"))).group(0)
    with unit_of_work(bot_rt.hotline.sessions) as s:
        tip = s.scalars(select(Tip)).one()
        service.add_hotline_message(s, bot_rt.hotline.cipher, tip, "op1", "Xe biển số mấy?")

    out = say(client, sid, f"/theodoi {code.lower()}")
    assert "Xe biển số mấy?" in full_text(out) and "fu:reply" in payloads(out)
    say(client, sid, payload="fu:reply")
    out = say(client, sid, "Biển 12A-345.67")
    assert "fu:done" in payloads(out)
    with unit_of_work(bot_rt.hotline.sessions) as s:
        tip = s.scalars(select(Tip)).one()
        entries = service.thread(s, bot_rt.hotline.cipher, tip)
        assert [e.text for e in entries] == ["Xe biển số mấy?", "Biển 12A-345.67"]
        assert entries[0].read_at is not None and entries[1].author is None

    # Wrong codes: "not found" only, then refused even for the right code.
    other = "sess" + secrets.token_hex(10)
    answers = [full_text(say(client, other, "/theodoi AAAA-BBBB-CCCC-DDDD")) for _ in range(5)]
    assert all("Không tìm thấy" in a for a in answers)
    blocked = full_text(say(client, other, f"/theodoi {code}"))
    assert "quá nhiều" in blocked and "Xe biển" not in blocked
    with unit_of_work(bot_rt.hotline.sessions) as s:
        assert len(s.scalars(select(TipMessage)).all()) == 2
