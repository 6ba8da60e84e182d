"""A quiz round through Telegram: webhook -> real PTB Application -> fake Bot API."""

from __future__ import annotations

from sqlalchemy import select

from hotline.content.loader import load_files
from hotline.db.session import unit_of_work
from hotline.quiz.models import QuizResult
from tests.channels.conftest import channel_rt  # noqa: F401  (fixtures)
from tests.channels.test_telegram import USER, message, post, press, web  # noqa: F401
from tests.content.chat import ROOT, import_content

ANSWERS = {
    i.item_id: int(i.data["answer"])
    for i in load_files(ROOT / "content").items
    if i.kind == "quiz_question"
}


def _last_payloads(fake_botapi) -> list[str]:  # type: ignore[no-untyped-def]
    markup = fake_botapi.sent_messages(USER)[-1].params.get("reply_markup") or {}
    return [b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row]


def test_quiz_round_on_telegram(web, fake_botapi, channel_rt) -> None:  # noqa: F811
    import_content(channel_rt)
    post(web, message("/quiz"))
    assert "quiz:topic:rights" in _last_payloads(fake_botapi)
    post(web, press("quiz:topic:rights"))
    for _ in range(5):
        payload = next(p for p in _last_payloads(fake_botapi) if p.startswith("quiz:a:"))
        qid = payload.split(":")[2]
        post(web, press(f"quiz:a:{qid}:{ANSWERS[qid]}"))
    texts = fake_botapi.sent_texts(USER)
    assert any("5/5" in t for t in texts)
    assert any("Đúng rồi" in t for t in texts)
    with unit_of_work(channel_rt.hotline.sessions) as s:
        rows = list(s.scalars(select(QuizResult)))
        assert len(rows) == 5 and {r.channel for r in rows} == {"telegram"}
