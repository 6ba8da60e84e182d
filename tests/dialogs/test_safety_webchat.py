"""The safety net through the web chat: the first reply, every dialog paused and resumed."""

from __future__ import annotations

import secrets

from sqlalchemy import select

from bot.conversation import handle
from bot.dialogs.types import Incoming
from hotline.db.session import unit_of_work
from hotline.tips import service
from hotline.tips.models import Tip
from tests.content.chat import Chat, import_content
from tests.tips.test_intake_dialog import CODE, full_text, payloads, say

HELD = "cứu em, họ nhốt em trong phòng và đánh em"


def test_abroad_gets_the_consular_hotline_and_the_embassy_never_113_alone(client, bot_rt) -> None:  # type: ignore[no-untyped-def]
    import_content(bot_rt)
    chat = Chat(client)
    chat.send(text="em dang bi giu o Sihanoukville, ho thu ho chieu, cuu em")
    first = chat.messages[0]["text"]
    assert "+84 981 84 84 84" in first and "+84 965 41 11 18" in first
    assert "+855" in first  # Viet Nam's mission in Cambodia, from content/contacts.yml
    assert "Gọi ngay 113" not in first  # 113 does not work there


def test_english_speaker_gets_english_without_choosing_it(client, bot_rt) -> None:  # type: ignore[no-untyped-def]
    import_content(bot_rt)
    chat = Chat(client)
    chat.send(
        text="I'm a foreigner working in a factory in Binh Duong and my boss took my passport,"
        " what can I do?"
    )
    text = chat.text()
    assert "113" in chat.messages[0]["text"] and "111" in chat.messages[0]["text"]
    assert "Article 17" in text and "embassy" in text
    chat.send(text="thank you")
    assert "Gọi" not in chat.text()
    # Writing Vietnamese again switches back, unless a language was chosen with /ngonngu.
    chat.send(text="cảm ơn bạn nhiều")
    assert "Không có gì" in chat.text()


def test_a_chosen_language_is_kept(client, bot_rt) -> None:  # type: ignore[no-untyped-def]
    import_content(bot_rt)
    chat = Chat(client)
    chat.send(text="/ngonngu vi")
    chat.send(text="help me please, they locked me in")
    assert "Gọi ngay 113" in chat.messages[0]["text"] or "113" in chat.messages[0]["text"]
    assert "CALL" not in chat.text() and "call now" not in chat.text()


def test_suicide_gets_115_and_kind_words_first(client, bot_rt) -> None:  # type: ignore[no-untyped-def]
    import_content(bot_rt)
    chat = Chat(client)
    chat.send(text="em không muốn sống nữa")
    first = chat.messages[0]["text"]
    assert "115" in first and "111" in first and "Cảm ơn bạn đã nói ra" in first
    assert "Ý bạn là" not in chat.text()


def test_quiz_pauses_and_resumes(client, bot_rt) -> None:  # type: ignore[no-untyped-def]
    import_content(bot_rt)
    chat = Chat(client)
    chat.send(text="/quiz")
    chat.press("quiz:topic:")
    assert "Câu 1/" in chat.text()
    chat.send(text=HELD)
    assert "113" in chat.messages[0]["text"] and "Câu 1/" not in chat.text()
    assert {"safety:tip", "safety:resume"} <= set(chat.payloads())
    chat.send(payload="safety:resume")
    assert "Câu 1/" in chat.text()


def test_subscription_pauses_and_resumes(bot_rt) -> None:  # type: ignore[no-untyped-def]
    import_content(bot_rt)
    user = secrets.token_hex(6)  # Telegram: the channel campaigns are delivered on

    def send(**kw: str) -> tuple[str, list[str]]:
        out = handle(bot_rt, "telegram", user, Incoming(**kw))
        texts = "\n".join(r.text for r in out.replies)
        return texts, [b.payload for r in out.replies for b in r.buttons]

    _, buttons = send(text="/dangky")
    topic = next(p for p in buttons if p.startswith("sub:t:") and p != "sub:t:done")
    send(payload=topic)
    text, _ = send(payload="sub:t:done")
    assert "tỉnh" in text
    text, buttons = send(text=HELD)
    assert "113" in text and "safety:resume" in buttons
    text, buttons = send(payload="safety:resume")
    assert "tỉnh" in text and "sub:p:-" in buttons


def test_crisis_typed_in_a_form_becomes_an_urgent_tip(client, bot_rt) -> None:  # type: ignore[no-untyped-def]
    import_content(bot_rt)
    chat = Chat(client)
    chat.send(text="/quiz")
    chat.press("quiz:topic:")
    marker = secrets.token_hex(4)
    chat.send(text=f"{HELD} {marker}")
    chat.send(payload="safety:tip")
    assert marker in chat.text() and "tip:send" in chat.payloads()
    chat.send(payload="tip:send")
    with unit_of_work(bot_rt.hotline.sessions) as s:
        tip = s.scalars(select(Tip)).one()
        assert marker in str(service.decrypt_content(bot_rt.hotline.cipher, tip))


def test_the_crisis_words_wait_one_turn_only(client, bot_rt) -> None:  # type: ignore[no-untyped-def]
    import_content(bot_rt)
    chat = Chat(client)
    chat.send(text=HELD)
    chat.send(text="menu")
    chat.send(payload="safety:tip")
    # The words were dropped with the next message: the tip starts empty, asking what happened.
    assert HELD not in chat.text()


def test_a_follow_up_reply_telling_of_danger_reaches_the_hotline(client, bot_rt) -> None:  # type: ignore[no-untyped-def]
    import_content(bot_rt)
    sid = "sess" + secrets.token_hex(10)
    say(client, sid, "/baotin")
    say(client, sid, "Người tuyển dụng lạ ở bến xe " + secrets.token_hex(4))
    for _ in range(12):
        if "tip:send" in payloads(say(client, sid, payload="tip:skip")):
            break
    code = CODE.search(full_text(say(client, sid, payload="tip:send"))).group(0)
    say(client, sid, f"/theodoi {code}")
    say(client, sid, payload="fu:reply")
    out = say(client, sid, "Họ đánh nó, nó bị nhốt ở tầng 5")
    assert "113" in out[0]["text"]  # the numbers first
    assert "fu:done" in payloads(out)  # and the follow-up goes on
    with unit_of_work(bot_rt.hotline.sessions) as s:
        tip = s.scalars(select(Tip)).one()
        texts = [e.text for e in service.thread(s, bot_rt.hotline.cipher, tip)]
    assert texts == ["Họ đánh nó, nó bị nhốt ở tầng 5"]


def test_a_quiz_answer_typed_as_a_letter(client, bot_rt) -> None:  # type: ignore[no-untyped-def]
    import_content(bot_rt)
    chat = Chat(client)
    chat.send(text="/quiz")
    chat.press("quiz:topic:")
    chat.send(text="b")
    assert "Tạm biệt" not in chat.text() and "Câu 2/" in chat.text()


def test_urgent_tip_reads_the_province_and_the_child_from_the_words(client, bot_rt) -> None:  # type: ignore[no-untyped-def]
    from hotline.conversations import service as conversations

    import_content(bot_rt)
    sid = "sess" + secrets.token_hex(10)
    say(client, sid, "/baotin")
    say(client, sid, "Có người lạ hay đến bản tuyển người đi làm xa")
    say(client, sid, payload="tip:skip")
    say(client, sid, "cuu voi, em gai toi 14 tuoi dang bi nhot o Ha Giang")
    out = say(client, sid, payload="safety:tip")
    assert "tip:send" in payloads(out)
    key = bot_rt.hotline.pseudonyms.key("webchat", sid)
    with unit_of_work(bot_rt.hotline.sessions) as s:
        draft = conversations.load_state(s, bot_rt.hotline.cipher, key)["flows"]["tip"]["draft"]
    assert draft["province"] == "Tuyên Quang" and draft["child"] == "yes"


def test_a_kidney_offer_described_in_the_check_gets_the_verdict(client, bot_rt) -> None:  # type: ignore[no-untyped-def]
    import_content(bot_rt)
    chat = Chat(client)
    chat.send(text="/kiemtra")
    chat.send(text="có người hỏi mua thận giá 500 triệu, bao vé sang Campuchia mổ")
    assert "Mức rủi ro: CAO" in chat.text() and "154" in chat.text()
    assert "safety:resume" not in chat.payloads()


def test_a_question_about_reporting_is_not_taken_as_the_tip(client, bot_rt) -> None:  # type: ignore[no-untyped-def]
    import_content(bot_rt)
    chat = Chat(client)
    chat.send(text="how do i report a suspected trafficking case anonymously?")
    assert "I have kept what you just told me" not in chat.text()


def test_an_urgent_tip_from_abroad_ends_with_the_numbers_that_work_there(client, bot_rt) -> None:  # type: ignore[no-untyped-def]
    import_content(bot_rt)
    chat = Chat(client)
    chat.send(text="em dang bi giu o Phnom Penh, ho thu ho chieu, cuu em")
    chat.send(payload="safety:tip")
    chat.send(payload="tip:send")
    text = chat.text()
    assert "+84 981 84 84 84" in text and "GỌI NGAY 113" not in text


def test_adult_sextortion_gets_its_own_advice_not_the_held_persons(client, bot_rt) -> None:  # type: ignore[no-untyped-def]
    import_content(bot_rt)
    chat = Chat(client)
    chat.send(text="có thằng dọa tung ảnh nóng của tôi nếu không chuyển 20 triệu")
    first = chat.messages[0]["text"]
    assert "113" in first and "Điều 170" in first
    text = chat.text()
    assert "Đừng chuyển tiền" in text and "biển số" not in text


def test_a_wish_to_die_typed_as_a_tips_story_pauses_the_form(client, bot_rt) -> None:  # type: ignore[no-untyped-def]
    import_content(bot_rt)
    chat = Chat(client)
    chat.send(text="/baotin")
    chat.send(text="t bi lua het tien r ko muon song nua")
    text = chat.text()
    assert "115" in text and "2️⃣" not in text, chat.messages
    assert "safety:resume" in [b["payload"] for m in chat.messages for b in m.get("buttons", [])]
