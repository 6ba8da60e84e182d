"""/kiemtra through the web chat engine: scan, questions, risk, next steps, interruption."""

from tests.content.chat import Chat, import_content

OFFER = (
    "Bên mình tuyển nhân viên chăm sóc khách hàng online ở Campuchia, việc nhẹ lương cao "
    "1000 USD, không cần kinh nghiệm, bao vé máy bay, bay ngay tuần này"
)


def _answer_all(chat: Chat, answers: dict[str, str]) -> None:
    for _ in range(15):
        asked = next((p for p in chat.payloads() if p.startswith("kt:a:")), None)
        if asked is None:
            return
        qid = asked.split(":")[2]
        chat.send(payload=f"kt:a:{qid}:{answers.get(qid, '-')}")
    raise AssertionError("too many questions")


def test_high_risk_offer_with_report_button(client, bot_rt) -> None:
    import_content(bot_rt)
    chat = Chat(client)
    chat.send(text="/kiemtra")
    assert "dán nội dung" in chat.text()
    chat.send(text=OFFER)
    assert "dấu hiệu" in chat.text()
    # The destination came from the text (country entity or keywords): not asked again.
    assert "Câu 1/" in chat.text()
    _answer_all(chat, {"who_keeps_passport": "employer_keeps", "how_recruited": "online_stranger"})
    text = chat.text()
    assert "Mức rủi ro: CAO" in text
    assert "Việc nhẹ lương cao" in text and "Bị giữ hộ chiếu" in text
    assert "113" in text and "111" in text
    payloads = chat.payloads()
    assert "/baotin offer:scam_compound" in payloads
    assert any(p.startswith("/hoc ") for p in payloads)


def test_low_risk_offer(client, bot_rt) -> None:
    import_content(bot_rt)
    chat = Chat(client)
    chat.send(text="/kiemtra")
    chat.send(text="Công ty may ở Bắc Ninh tuyển công nhân, có hợp đồng")
    _answer_all(
        chat,
        {
            "who_pays_fees": "company_invoice",
            "who_keeps_passport": "i_keep",
            "licence_contract": "seen_both",
            "destination": "in_vietnam",
            "pay_promised": "normal",
            "job_kind": "factory_farm",
            "special_requests": "none",
            "how_recruited": "official",
            "urgency": "no",
            "age": "adult",
        },
    )
    assert "THẤP" in chat.text()
    assert not any(p.startswith("/baotin") for p in chat.payloads())


def test_offer_type_question_and_finish_early(client, bot_rt) -> None:
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


def test_emergency_interrupts_and_the_check_resumes(client, bot_rt) -> None:
    import_content(bot_rt)
    chat = Chat(client)
    chat.send(text="/kiemtra")
    chat.send(text=OFFER)
    first = next(p for p in chat.payloads() if p.startswith("kt:a:"))
    chat.send(text="/khancap")
    assert "113" in chat.text()
    # The button of the question asked before the interruption still works.
    chat.send(payload=first)
    assert "Câu 2/" in chat.text()


def test_offers_typed_without_diacritics_start_the_check(client, bot_rt) -> None:
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
