"""/quiz through the web chat engine: a round, explanations, score, anonymous results."""

from datetime import timedelta

from sqlalchemy import select

from hotline.content.loader import load_files
from hotline.db.base import utcnow
from hotline.db.session import unit_of_work
from hotline.quiz.models import QuizResult
from hotline.quiz.service import knowledge_rates
from tests.content.chat import ROOT, Chat, import_content

ANSWERS = {
    i.item_id: int(i.data["answer"])
    for i in load_files(ROOT / "content").items
    if i.kind == "quiz_question"
}


def _play(chat: Chat, right: int) -> None:
    """Answer 5 questions, the first `right` correctly."""
    for n in range(5):
        payload = next(p for p in chat.payloads() if p.startswith("quiz:a:"))
        qid = payload.split(":")[2]
        good = ANSWERS[qid]
        choice = good if n < right else (good + 1) % 3
        chat.send(payload=f"quiz:a:{qid}:{choice}")
        assert ("Đúng rồi" if n < right else "Chưa đúng") in chat.text()


def test_round_score_and_anonymous_results(client, bot_rt) -> None:
    import_content(bot_rt)
    chat = Chat(client)
    chat.send(text="/quiz")
    assert "quiz:topic:law" in chat.payloads() and "quiz:topic:mixed" in chat.payloads()
    chat.send(payload="quiz:topic:law")
    assert "Câu 1/5" in chat.text()
    _play(chat, right=4)
    assert "4/5" in chat.text()
    assert "tỉnh" in chat.text()
    chat.send(text="mình ở lao cai")
    assert "quiz:age:18_24" in chat.payloads()
    chat.send(payload="quiz:age:18_24")
    assert "Cảm ơn" in chat.text() and "/quiz" in chat.payloads()

    with unit_of_work(bot_rt.hotline.sessions) as s:
        rows = list(s.scalars(select(QuizResult)))
        assert len(rows) == 5 and sum(r.correct for r in rows) == 4
        assert {(r.topic, r.province, r.age_band, r.channel) for r in rows} == {
            ("law", "Lào Cai", "18_24", "webchat")
        }
        now = utcnow()
        rates = knowledge_rates(s, now - timedelta(minutes=5), now + timedelta(minutes=5))
        assert [(r.topic, r.province, r.answered, r.correct) for r in rates] == [
            ("law", "Lào Cai", 5, 4)
        ]

    # A second round does not ask again and reuses the province given once.
    chat.send(payload="/quiz mixed")
    _play(chat, right=5)
    # Not "tỉnh" anywhere: a mixed round's last explanation may itself name "Công an tỉnh".
    ask = bot_rt.catalog.t("vi", "quiz.ask_province")
    assert "5/5" in chat.text() and ask not in chat.text()
    assert "quiz:prov:-" not in chat.payloads()
    with unit_of_work(bot_rt.hotline.sessions) as s:
        assert (
            len(list(s.scalars(select(QuizResult).where(QuizResult.province == "Lào Cai")))) == 10
        )


def test_skipping_the_profile(client, bot_rt) -> None:
    import_content(bot_rt)
    chat = Chat(client)
    chat.send(text="/quiz tactics")
    _play(chat, right=2)
    chat.press("quiz:prov:-")
    chat.press("quiz:age:-")
    with unit_of_work(bot_rt.hotline.sessions) as s:
        rows = list(s.scalars(select(QuizResult)))
        assert len(rows) == 5 and all(r.province is None and r.age_band is None for r in rows)


def test_emergency_mid_quiz_keeps_the_round(client, bot_rt) -> None:
    import_content(bot_rt)
    chat = Chat(client)
    chat.send(text="/quiz signs")
    payload = next(p for p in chat.payloads() if p.startswith("quiz:a:"))
    chat.send(text="cứu với, tôi đang bị nhốt, họ giữ hộ chiếu của tôi")
    assert "113" in chat.text()
    chat.send(payload=payload)
    assert "Câu 2/5" in chat.text()


def test_a_seeded_runtime_asks_the_same_questions(client, bot_rt) -> None:
    import_content(bot_rt)
    asked = []
    for _ in range(2):
        bot_rt.rng.seed("the same seed")
        chat = Chat(client)
        chat.send(text="/quiz mixed")
        questions = []
        for _ in range(5):
            payload = next(p for p in chat.payloads() if p.startswith("quiz:a:"))
            qid = payload.split(":")[2]
            questions.append(qid)
            chat.send(payload=f"quiz:a:{qid}:{ANSWERS[qid]}")
        asked.append(questions)
    assert asked[0] == asked[1] and len(set(asked[0])) == 5
