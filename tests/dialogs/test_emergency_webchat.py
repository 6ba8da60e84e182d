"""Emergency through the web chat: 113 / 111 at once, and a family's "lost contact" case."""

from __future__ import annotations

import pytest

from bot.dialogs.emergency import LOST_CONTACT_PIECE, lost_contact
from tests.content.chat import Chat, import_content


@pytest.mark.parametrize(
    "text",
    [
        "con gái tôi mất liên lạc mấy hôm nay",
        "con gai toi di lam o trung quoc 2 tuan nay khong lien lac duoc, toi phai lam sao",
        "em gai toi di xkld ko lien lac dc",  # teencode
        "con toi di lam xa 1 thang nay khong goi ve",
        "chau toi tat may, nhan tin k tra loi",
        "vợ tôi đi Malaysia mấy tháng nay biệt vô âm tín",
    ],
)
def test_lost_contact_words(text: str) -> None:
    assert lost_contact(text)


@pytest.mark.parametrize(
    "text",
    [
        "cứu em với, em bị nhốt",
        # Cut off on purpose while held: the advice for the person held, not for a family.
        "ho tich thu dien thoai, em khong lien lac duoc voi gia dinh",
        "con tôi mất liên lạc, bọn nó gọi về đòi tiền chuộc",
        "con tôi mất tích, có người thấy nó bị đưa lên xe",
        "không liên lạc với ai cả",
        "có người rủ em sang Cam làm việc lương cao",
    ],
)
def test_not_lost_contact(text: str) -> None:
    assert not lost_contact(text)


def test_a_mother_whose_daughter_stopped_answering(client, bot_rt) -> None:  # type: ignore[no-untyped-def]
    import_content(bot_rt)
    chat = Chat(client)
    chat.send(
        text="con gai toi di lam o trung quoc 2 tuan nay khong lien lac duoc, toi phai lam sao"
    )
    first = chat.messages[0]["text"]
    assert "113" in first and "111" in first  # the numbers come first, always
    text = chat.text()
    assert "Điều 22" in text  # the legal statement cites its article
    assert "tiền chuộc" in text  # and says what not to do
    assert f"/hoc {LOST_CONTACT_PIECE}" in chat.payloads()
    assert "safety:tip" in chat.payloads()
    chat.press(f"/hoc {LOST_CONTACT_PIECE}")
    assert "không nghe máy" in chat.text() and "(1/" in chat.text()


def test_someone_held_still_gets_the_advice_for_the_held(client, bot_rt) -> None:  # type: ignore[no-untyped-def]
    import_content(bot_rt)
    chat = Chat(client)
    chat.send(text="cuu em voi, ho tich thu dien thoai, em khong lien lac duoc voi gia dinh")
    assert "113" in chat.messages[0]["text"]
    assert f"/hoc {LOST_CONTACT_PIECE}" not in chat.payloads()
    assert "safety:tip" in chat.payloads() and "/hoc hotlines" in chat.payloads()


def test_english_family_text(client, bot_rt) -> None:  # type: ignore[no-untyped-def]
    import_content(bot_rt)
    chat = Chat(client)
    chat.send(text="/ngonngu en")
    chat.send(text="/khancap")
    assert "CALL 113" in chat.text()
