"""/kiemtra through the web chat engine: scan, questions, risk, next steps, interruption."""

from typing import Any

import pytest

from bot.channels import webchat
from hotline.conversations import service as conversations
from hotline.db.session import unit_of_work
from tests.content.chat import Chat, import_content
from tests.content.test_redflags import SAFE_ANSWERS

OFFER = (
    "Bên mình tuyển nhân viên chăm sóc khách hàng online ở Campuchia, việc nhẹ lương cao "
    "1000 USD, không cần kinh nghiệm, bao vé máy bay, bay ngay tuần này"
)
# Suspicious but without a critical sign: the questions come first.
PLAIN_OFFER = "Tuyển nhân viên chốt đơn online, bao vé máy bay, bay ngay tuần này"

# Issue 15: each of these once ended "Mức rủi ro: THẤP 🟢" after skipping the questions.
ISSUE_15 = [
    "có người hỏi mua thận giá 500 triệu",
    "co nguoi tra 200 trieu de minh mang thai ho o trung quoc",
    "co viec lam",
]
CRITICAL_VARIANTS = [
    "có người hỏi mua thận giá 500 triệu",
    "co nguoi tra 200 trieu de minh mang thai ho o trung quoc",
    "mk dc ng ta ru ban 1 qua than lay 300tr",
    "cty bảo sang đó họ giữ pp của mk cho an toàn",
    "em gai 15 tuoi dc ru len bien gioi lam quan an",
    "viec nhe luong cao ben cam, bay ngay",
    "phai dat coc 30tr cho a ay moi dc di Nhat",
    "di duong mon qua TQ, ko can ho chieu",
    "They will keep your passport and you pay a placement fee of 2000 USD",
    "someone wants to buy my kidney",
]
THIN_VARIANTS = ["co viec lam", "có việc", "tuyển người", "job offer", "ko bt nua", "?"]
LOW_WORDS = ("THẤP", "LOW", "🟢")
MORE = "/kiemtra kt:more"


def _answer_all(chat: Chat, answers: dict[str, str]) -> None:
    for _ in range(15):
        if "kt:type:job" in chat.payloads():
            chat.send(payload="kt:type:job")
        asked = next((p for p in chat.payloads() if p.startswith("kt:a:")), None)
        if asked is None:
            return
        qid = asked.split(":")[2]
        chat.send(payload=f"kt:a:{qid}:{answers.get(qid, '-')}")
    raise AssertionError("too many questions")


def _skip_to_the_end(chat: Chat, finish_after: int | None) -> str:
    """Pick a type if asked, skip questions (or press "finish now"); all texts seen."""
    seen = [chat.text()]
    for n in range(20):
        payloads = chat.payloads()
        if any(p.startswith("kt:type:") for p in payloads):
            chat.send(payload="kt:type:job")
        elif finish_after is not None and n >= finish_after and "kt:done" in payloads:
            chat.send(payload="kt:done")
        elif asked := next((p for p in payloads if p.startswith("kt:a:")), None):
            chat.send(payload=f"kt:a:{asked.split(':')[2]}:-")
        else:
            return "\n".join(seen)
        seen.append(chat.text())
    raise AssertionError("the check never ended")


def test_high_risk_offer_is_high_at_once_and_can_go_on(client: Any, bot_rt: Any) -> None:
    import_content(bot_rt)
    chat = Chat(client)
    chat.send(text="/kiemtra")
    assert "dán nội dung" in chat.text()
    chat.send(text=OFFER)
    # "Việc nhẹ lương cao" + Cambodia: the verdict comes before any question.
    text = chat.text()
    assert "Mức rủi ro: CAO" in text and "Câu 1/" not in text
    assert "Việc nhẹ lương cao ở Campuchia" in text
    assert "113" in text and "111" in text
    assert "/baotin offer:scam_compound" in chat.payloads()
    # The person may still answer the questions; the destination came from the text.
    chat.press(MORE)
    assert "Câu 1/" in chat.text() and "Bạn sẽ đến đâu" not in chat.text()
    _answer_all(chat, {"who_keeps_passport": "employer_keeps", "how_recruited": "online_stranger"})
    text = chat.text()
    assert "Mức rủi ro: CAO" in text
    assert "Việc nhẹ lương cao" in text and "Bị giữ hộ chiếu" in text
    payloads = chat.payloads()
    assert "/baotin offer:scam_compound" in payloads
    assert any(p.startswith("/hoc ") for p in payloads)


def test_low_risk_offer(client: Any, bot_rt: Any) -> None:
    import_content(bot_rt)
    chat = Chat(client)
    chat.send(text="/kiemtra")
    chat.send(text="Công ty may ở Bắc Ninh tuyển công nhân, có hợp đồng")
    _answer_all(chat, SAFE_ANSWERS)
    # A full, honest check of a safe offer can still be low.
    assert "THẤP" in chat.text()
    assert not any(p.startswith("/baotin") for p in chat.payloads())
    assert MORE not in chat.payloads()


def test_offer_type_question_and_finish_early(client: Any, bot_rt: Any) -> None:
    import_content(bot_rt)
    chat = Chat(client)
    chat.send(text="/kiemtra")
    chat.send(text="???")
    assert "kt:type:marriage" in chat.payloads()
    chat.send(payload="kt:type:marriage")
    chat.press("kt:a:who_keeps_passport:broker_keeps")
    chat.send(payload="kt:done")
    assert "CAO" in chat.text()
    assert "/baotin offer:marriage" in chat.payloads()


def test_emergency_interrupts_and_the_check_resumes(client: Any, bot_rt: Any) -> None:
    import_content(bot_rt)
    chat = Chat(client)
    chat.send(text="/kiemtra")
    chat.send(text=PLAIN_OFFER)
    first = next(p for p in chat.payloads() if p.startswith("kt:a:"))
    chat.send(text="/khancap")
    assert "113" in chat.text()
    # The button of the question asked before the interruption still works.
    chat.send(payload=first)
    assert "Câu 2/" in chat.text()


def test_offers_typed_without_diacritics_start_the_check(client: Any, bot_rt: Any) -> None:
    # How the users in the brief write: no marks, teencode, the offer told in their own words.
    import_content(bot_rt)
    for text in (
        "toi o lao cai, co nguoi ru len bien gioi lam thue",
        "ban trai quen tren mang ru sang trung quoc lay chong",
        "ho bao toi mang thai ho duoc 300tr",
    ):
        chat = Chat(client)
        chat.send(text=text)
        assert "dấu hiệu" in chat.text() or "Câu 1/" in chat.text(), (text, chat.text())


@pytest.mark.parametrize("text", CRITICAL_VARIANTS)
def test_a_critical_sign_in_the_offer_is_high_at_once(client: Any, bot_rt: Any, text: str) -> None:
    import_content(bot_rt)
    chat = Chat(client)
    chat.send(text=f"/kiemtra {text}")
    assert "Mức rủi ro: CAO 🔴" in chat.text(), (text, chat.text())
    assert any(p.startswith("/baotin offer:") for p in chat.payloads())
    if "than" in text or "kidney" in text:
        assert "/baotin offer:organ" in chat.payloads()
    if "thai ho" in text:
        assert "/baotin offer:adoption_surrogacy" in chat.payloads()
    # Answering on, every answer pointing the other way, it stays high.
    chat.press(MORE)
    _answer_all(chat, SAFE_ANSWERS)
    assert "Mức rủi ro: CAO" in chat.text(), text


@pytest.mark.parametrize("finish_after", [None, 0, 1, 2])
@pytest.mark.parametrize("text", ISSUE_15)
def test_issue_15_sentences_are_never_low(
    client: Any, bot_rt: Any, text: str, finish_after: int | None
) -> None:
    import_content(bot_rt)
    for start in ([text], ["/kiemtra", text], [f"/kiemtra {text}"]):
        chat = Chat(client)
        for message in start:
            chat.send(text=message)
        seen = _skip_to_the_end(chat, finish_after)
        assert not any(w in seen for w in LOW_WORDS), (start, finish_after, seen)


@pytest.mark.parametrize("text", THIN_VARIANTS)
def test_too_little_information_is_not_enough_never_low(
    client: Any, bot_rt: Any, text: str
) -> None:
    import_content(bot_rt)
    chat = Chat(client)
    chat.send(text="/kiemtra")
    chat.send(text=text)
    seen = _skip_to_the_end(chat, finish_after=None)
    assert not any(w in seen for w in LOW_WORDS), (text, seen)
    # English typed, English answered (the engine follows the language written).
    said = chat.text()
    assert "CHƯA ĐỦ THÔNG TIN" in said or "NOT ENOUGH INFORMATION" in said, said
    # What to ask the recruiter: the open questions, as a short list.
    assert "• Ai sẽ giữ hộ chiếu" in said or "• Who will keep your passport" in said
    assert MORE in chat.payloads()


def test_not_enough_then_continue_to_a_real_answer(client: Any, bot_rt: Any) -> None:
    import_content(bot_rt)
    chat = Chat(client)
    chat.send(text="/kiemtra")
    chat.send(text="co viec lam")
    chat.press("kt:a:who_pays_fees:company_invoice")
    chat.press("kt:a:who_keeps_passport:i_keep")
    chat.send(payload="kt:done")
    assert "CHƯA ĐỦ THÔNG TIN" in chat.text() and "Bạn mới trả lời 2 câu" in chat.text()
    assert "Ai sẽ giữ hộ chiếu" not in chat.text()  # answered: not in the list to ask
    # What is typed next is a new message for the whole bot, not an answer; the check waits.
    chat.send(text="cảm ơn")
    assert "bấm một nút" not in chat.text() and "Câu" not in chat.text()
    chat.send(payload=MORE)
    assert "Câu 1/" in chat.text() and "hộ chiếu" not in chat.text()
    _answer_all(chat, SAFE_ANSWERS)
    assert "THẤP" in chat.text()


def test_a_critical_sign_typed_as_an_answer_ends_the_questions(client: Any, bot_rt: Any) -> None:
    import_content(bot_rt)
    chat = Chat(client)
    chat.send(text="/kiemtra")
    chat.send(text=PLAIN_OFFER)
    assert "Câu 1/" in chat.text()
    chat.send(text="ho bao dat coc truoc 30tr")
    assert "Mức rủi ro: CAO" in chat.text() and "Đóng phí, đặt cọc" in chat.text()


def test_a_crisis_inside_the_check_pauses_it_and_it_resumes(client: Any, bot_rt: Any) -> None:
    import_content(bot_rt)
    chat = Chat(client)
    chat.send(text="/kiemtra")
    chat.send(text="co viec lam")
    chat.press("kt:a:who_pays_fees:company_invoice")
    assert "Câu 2/" in chat.text()
    chat.send(text="cứu em, họ đang đánh em")
    assert "113" in chat.text() and "Câu" not in chat.text()
    # Nothing was taken as the answer: "back to where I was" asks question 2 again.
    chat.send(payload="safety:resume")
    assert "Câu 2/" in chat.text()
    _answer_all(chat, {})
    assert "CHƯA ĐỦ THÔNG TIN" in chat.text() and "Bạn mới trả lời 1 câu" in chat.text()


def test_english_check_is_never_low_on_too_little(client: Any, bot_rt: Any) -> None:
    import_content(bot_rt)
    chat = Chat(client)
    chat.send(text="/ngonngu en")
    chat.send(text="/kiemtra job offer")
    seen = _skip_to_the_end(chat, finish_after=1)
    assert "NOT ENOUGH INFORMATION" in seen and "LOW" not in seen
    chat = Chat(client)
    chat.send(text="/ngonngu en")
    chat.send(text="/kiemtra they want me to sell my kidney")
    assert "Risk level: HIGH" in chat.text()


def test_only_flag_ids_are_kept_in_the_state(client: Any, bot_rt: Any) -> None:
    import_content(bot_rt)
    chat = Chat(client)
    chat.send(text="/kiemtra có người hỏi mua thận giá 500 triệu, gọi 0912 345 678")
    assert "CAO" in chat.text()
    key = bot_rt.hotline.pseudonyms.key(webchat.CHANNEL, chat.session_id)
    with unit_of_work(bot_rt.hotline.sessions) as s:
        state = conversations.load_state(s, bot_rt.hotline.cipher, key)
    flow = state["flows"]["offer_check"]
    assert flow["text_flags"] == ["organ_sale"]
    assert not any(w in str(state) for w in ("thận", "than", "500", "0912"))


def test_dollar_pay_to_cambodia_is_high_at_once(client, bot_rt) -> None:
    """The scam-compound script with the pay as a number ("1500 đô/tháng"), not the phrase."""
    import_content(bot_rt)
    chat = Chat(client)
    chat.send(text="/kiemtra")
    chat.send(text="nguoi quen ru sang Campuchia lam CSKH luong 1.800 do/thang, bao ve may bay")
    assert "CAO" in chat.text(), chat.messages
