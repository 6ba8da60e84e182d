"""FAQ answers through the web chat: the fact in the first message, then Read more."""

from __future__ import annotations

import inspect
from typing import Any

import pytest

import bot.dialogs.engine as engine_module
from bot.dialogs.awareness import answer_question
from bot.dialogs.types import Turn
from hotline.db.session import unit_of_work
from tests.content.chat import Chat, import_content

# The hotline question as citizens type it: marks, none, teencode, slips, English.
HOTLINE_QUESTIONS = [
    "so dien thoai bao tin buon nguoi la bao nhieu",
    "Số điện thoại báo tin buôn người là bao nhiêu?",
    "số điện thoại đường dây nóng phòng chống mua bán người",
    "sdt bao tin buon nguoi la bn",
    "sđt tổng đài tố giác buôn người",
    "cho mik xin sdt hotline chong buon nguoi vs",
    "hotline chống buôn người số mấy ạ",
    "muốn báo tin buôn bán người thì gọi số nào",
    "goi so nao de to cao buon nguoi",
    "tổng đài báo tin mua bán người",
    "so hotline chong mua ban nguoi",
    "What is the human trafficking hotline number?",
    "anti trafficking hotline vietnam",
    "which number do I call to report human trafficking",
]


# A question the intent classifier is unsure about reaches answer_question only once the
# engine hands it over (bot/dialogs/engine.py, wired by the engine's owner).
ENGINE_WIRED = "answer_question" in inspect.getsource(engine_module)


def _first(chat: Chat) -> str:
    return chat.messages[0]["text"]


@pytest.mark.parametrize("text", HOTLINE_QUESTIONS)
def test_hotline_question_answers_with_111_first(bot_rt, text: str) -> None:
    import_content(bot_rt)
    with unit_of_work(bot_rt.hotline.sessions) as s:
        for strict in (False, True):
            replies = answer_question(_turn(bot_rt, s), text, strict=strict)
            assert replies is not None, (text, strict)
            assert "111" in replies[0].text.split("\n")[0], (text, strict, replies)


@pytest.mark.xfail(not ENGINE_WIRED, reason="engine not yet handing unsure questions over")
@pytest.mark.parametrize("text", HOTLINE_QUESTIONS)
def test_hotline_question_gets_111_in_the_first_message(client, bot_rt, text: str) -> None:
    import_content(bot_rt)
    chat = Chat(client)
    chat.send(text=text)
    assert "111" in _first(chat).split("\n")[0], (text, chat.messages)


def test_answer_then_read_more_into_the_right_part(client, bot_rt) -> None:
    import_content(bot_rt)
    chat = Chat(client)
    chat.send(text="so dien thoai bao tin buon nguoi la bao nhieu")
    first = chat.messages[0]
    assert first["text"].startswith("Gọi 111")
    payloads = [b["payload"] for b in first["buttons"]]
    assert "hoc:piece:hotline-numbers:0" in payloads and "/menu" in payloads
    chat.press("hoc:piece:hotline-numbers:0")
    assert "(1/3)" in chat.text() and "111" in chat.text()


def test_english_question_gets_the_english_answer(client, bot_rt) -> None:
    import_content(bot_rt)
    chat = Chat(client)
    chat.send(text="What is the penalty for human trafficking in Vietnam?")
    first = _first(chat)
    assert "Article 150" in first and "prison" in first, chat.messages
    assert any(b["title"] == "📖 Read more" for b in chat.messages[0]["buttons"])


def test_next_best_question_is_a_button(client, bot_rt) -> None:
    import_content(bot_rt)
    chat = Chat(client)
    chat.send(text="Đi xuất khẩu lao động thế nào cho an toàn?")
    assert "giấy phép" in _first(chat)
    faq_buttons = [p for p in chat.payloads() if p.startswith("hoc:faq:")]
    assert faq_buttons, chat.messages
    chat.press(faq_buttons[0])
    assert chat.messages[0]["text"] and chat.payloads()[-1] == "/menu"


@pytest.mark.parametrize(
    ("text", "fact"),
    [
        ("Ngày toàn dân phòng chống mua bán người là ngày nào?", "30/7"),
        ("Đi xuất khẩu lao động thế nào cho an toàn?", "giấy phép"),
        ("Bọn buôn người hay dụ dỗ bằng cách nào?", "việc nhẹ lương cao"),
        ("Người Việt bị lừa sang Campuchia làm gì?", "lừa đảo"),
        ("mua bán người bị phạt tù bao nhiêu năm", "Điều 150"),
        ("Tôi vừa được giải cứu từ Campuchia về. Tôi sợ bị mọi người dị nghị", "bí mật"),
    ],
)
def test_issue_questions_get_the_fact_first(client, bot_rt, text: str, fact: str) -> None:
    import_content(bot_rt)
    chat = Chat(client)
    chat.send(text=text)
    assert fact in _first(chat), (text, chat.messages)


def _turn(bot_rt: Any, session: Any, lang: str = "vi") -> Turn:
    return Turn(bot_rt, session, "k", "web", {"lang": lang})


def test_strict_answers_only_confident_questions(bot_rt) -> None:
    import_content(bot_rt)
    with unit_of_work(bot_rt.hotline.sessions) as s:
        turn = _turn(bot_rt, s)
        for chit_chat in ("xin chào", "hôm nay trời đẹp quá", "bạn tên gì", "ok cảm ơn"):
            assert answer_question(turn, chit_chat, strict=True) is None, chit_chat
        replies = answer_question(turn, "số điện thoại báo tin buôn người", strict=True)
        assert replies is not None and "111" in replies[0].text
        assert turn.state["flow"] == "awareness"


def test_english_user_gets_english_even_for_plain_vietnamese_words(bot_rt) -> None:
    import_content(bot_rt)
    with unit_of_work(bot_rt.hotline.sessions) as s:
        replies = answer_question(
            _turn(bot_rt, s, "en"), "what is the hotline number", strict=False
        )
        assert replies is not None and replies[0].text.startswith("Call 111")
        vi = answer_question(_turn(bot_rt, s, "en"), "số điện thoại tố giác", strict=False)
        assert vi is not None and vi[0].text.startswith("Gọi 111")


def test_passport_taken_abroad_in_english(bot_rt) -> None:
    import_content(bot_rt)
    with unit_of_work(bot_rt.hotline.sessions) as s:
        text = "I'm abroad and my passport was taken, who do I contact?"
        replies = answer_question(_turn(bot_rt, s), text, strict=True)
        assert replies is not None and "+84 981 84 84 84" in replies[0].text
        assert "passport" in replies[0].text
        assert any(b.title == "📖 Read more" for b in replies[0].buttons)


def test_a_general_question_about_offers_is_answered_not_quizzed(client, bot_rt) -> None:
    import_content(bot_rt)
    chat = Chat(client)
    chat.send(text="lam sao biet 1 loi moi viec lam tren mang la lua dao vay?")
    assert "Câu 1/" not in chat.text(), chat.messages  # no quiz for a question with no offer
    assert "lương cao" in chat.text(), chat.messages  # the signs, in the first reply
    # An offer described with its money and recruiter is checked, even when asked as a question.
    chat = Chat(client)
    chat.send(text="co cty tuyen di Nhat luong 45 trieu, phai dong truoc 120 trieu, co lua ko?")
    assert "Câu 1/" in chat.text(), chat.messages


def test_two_questions_in_one_message_get_two_answers(client, bot_rt) -> None:
    import_content(bot_rt)
    chat = Chat(client)
    chat.send(
        text="Chị mới trở về sau khi bị lừa bán, chị được hỗ trợ những gì và người trong xóm "
        "có biết chuyện của chị không?"
    )
    assert "Ý bạn là câu nào" not in chat.text(), chat.messages
    assert "37" in chat.text(), chat.messages


def test_a_greeting_that_could_be_english_is_answered_in_both(client, bot_rt) -> None:
    import_content(bot_rt)
    chat = Chat(client)
    chat.send(text="hello")
    assert "Xin chào" in chat.text() and "Hello" in chat.text(), chat.messages
    chat = Chat(client)
    chat.send(text="xin chao")
    assert "Hello" not in chat.text(), chat.messages


def test_send_pressed_again_after_the_flow_ended_is_not_misunderstood(client, bot_rt) -> None:
    """After a crash between storing a tip and answering, 'Gửi' again says it was kept once."""
    import_content(bot_rt)
    chat = Chat(client)
    chat.send(payload="tip:send")
    assert "không bị gửi trùng" in chat.text(), chat.messages
    assert "chưa hiểu" not in chat.text().lower(), chat.messages


def test_off_topic_look_alikes_get_no_wrong_dialog(client, bot_rt) -> None:  # type: ignore[no-untyped-def]
    import_content(bot_rt)
    # "đăng ký" for blood donation is no subscription to our news.
    chat = Chat(client)
    chat.send(text="Tôi muốn đi hiến máu nhân đạo thì đăng ký ở đâu?")
    assert "/dangky" not in chat.text(), chat.messages
    # A phone dropped in a café: "not my topic", no "did you mean".
    chat = Chat(client)
    chat.send(text="e lam roi dt o quan cafe r, lam sao tim lai dc")
    assert "Ý bạn là" not in chat.text() and "114" not in chat.text(), chat.messages
    # A labour company asking for money ("lao động đòi") is no game ("đồng đội").
    chat = Chat(client)
    chat.send(text="cong ty xkld doi nop 120 trieu truoc khi ky hop dong co dang tin ko")
    assert "giấy phép" in chat.text(), chat.messages
    # A confident "how do they lure" gets the lures, not another topic's entry.
    chat = Chat(client)
    chat.send(text="ng ta du du ntn de ban ng v")
    assert "việc nhẹ lương cao" in chat.text(), chat.messages
