"""Classes found by the fifth outside tester, through the web chat: an embassy asked for by
country, a joke or a pet that the classifier reads as rescue, a person still in Viet Nam who
names the country they will be taken to, and a border crossing that needs the Border Guard."""

from __future__ import annotations

import pytest

from tests.content.chat import Chat, import_content

ABROAD_ONLY = ("113 và 111 không gọi được", "113 and 111 cannot")


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("vietnamese embassy in cambodia phone number?", "+855 23 726 274"),
        ("so dien thoai dai su quan viet nam o han quoc", "+82"),
        ("Lãnh sự quán Việt Nam ở Đài Loan số mấy?", "+886"),
    ],
)
def test_an_embassy_asked_for_by_country_gets_its_numbers(client, bot_rt, text, number) -> None:  # type: ignore[no-untyped-def]
    import_content(bot_rt)
    chat = Chat(client)
    chat.send(text=text)
    first = chat.messages[0]["text"]
    assert number in first and "+84 981 84 84 84" in first, chat.messages


@pytest.mark.parametrize(
    "text",
    [
        "deadline dí chết mất, cứu tôi với 😂",
        "con mèo nhà em đi lạc 2 ngày rồi, buồn ghê",
        "giải cứu nông sản giúp bà con với, dưa hấu ế quá",
        "bán thận heo ở chợ giá bao nhiêu 1kg",
    ],
)
def test_a_joke_a_pet_or_a_market_gets_no_alarm(client, bot_rt, text) -> None:  # type: ignore[no-untyped-def]
    import_content(bot_rt)
    chat = Chat(client)
    chat.send(text=text)
    assert "🆘" not in chat.text() and "GỌI NGAY" not in chat.text(), chat.messages


@pytest.mark.parametrize(
    "text",
    [
        "help me im in Lang Son they are taking me across the border to China tonight",
        "mình 14t, có chị trên fb bảo đi làm phục vụ ở TQ lương 15tr, mai đi rồi",
        "em hay tu lam dau ban than moi khi nho lai chuyen bi ban sang TQ",
    ],
)
def test_still_in_viet_nam_gets_the_numbers_that_ring_here(client, bot_rt, text) -> None:  # type: ignore[no-untyped-def]
    import_content(bot_rt)
    chat = Chat(client)
    chat.send(text=text)
    first = chat.messages[0]["text"]
    assert "111" in first or "113" in first, chat.messages
    assert not any(s in chat.text() for s in ABROAD_ONLY), chat.messages


def test_someone_moved_to_the_border_is_told_to_alert_the_border_guard(client, bot_rt) -> None:  # type: ignore[no-untyped-def]
    import_content(bot_rt)
    chat = Chat(client)
    chat.send(text="chị tôi đang bị chở ra cửa khẩu Lạng Sơn, họ đánh chị ấy")
    assert "113" in chat.messages[0]["text"]
    assert "Biên phòng" in chat.text() and "Điều 22" in chat.text(), chat.messages


def test_an_embassy_without_a_checked_number_says_so_and_gives_the_hotline(client, bot_rt) -> None:  # type: ignore[no-untyped-def]
    import_content(bot_rt)
    chat = Chat(client)
    chat.send(text="What is the phone number of the Vietnamese embassy in Thailand?")
    first = chat.messages[0]["text"]
    assert "checked number" in first and "+84 981 84 84 84" in first, chat.messages


@pytest.mark.parametrize(
    "text",
    [
        "bai tap toan kho qua muon chet luon",
        "minh bi ket o man 5 game nay, cuu voi",
        "nấu cơm bị khét r cứu mk vs",
    ],
)
def test_figures_of_speech_get_no_alarm(client, bot_rt, text) -> None:  # type: ignore[no-untyped-def]
    import_content(bot_rt)
    chat = Chat(client)
    chat.send(text=text)
    assert "🆘" not in chat.text() and "💛" not in chat.text(), chat.messages


@pytest.mark.parametrize(
    ("text", "opening"),
    [
        ("e bi ep livestream sexy de tra no, bi doa post clip len mang, dang o Ha Noi", "113"),
        ("A girl is being dragged into a van right now outside my house in Hanoi", "113"),
        (
            "We are 20 Chinese workers kept in a compound in Tay Ninh, forced to make scam calls",
            "113",
        ),
        ("mk đang cầm dao cứa tay r, ko chịu nổi nữa", "💛"),
    ],
)
def test_sixth_round_crises_are_answered(client, bot_rt, text, opening) -> None:  # type: ignore[no-untyped-def]
    import_content(bot_rt)
    chat = Chat(client)
    chat.send(text=text)
    assert opening in chat.messages[0]["text"], chat.messages
