"""/hoc through the web chat engine: topics, parts, related pieces, free-text answers."""

from tests.content.chat import Chat, import_content


def test_browse_topics_pieces_and_parts(client, bot_rt) -> None:
    import_content(bot_rt)
    chat = Chat(client)
    chat.send(text="/hoc")
    assert "chủ đề" in chat.text()
    assert "hoc:topic:tactics" in chat.payloads()
    chat.press("hoc:topic:tactics")
    assert "hoc:piece:fake-jobs-scam-compounds:0" in chat.payloads()
    chat.send(payload="hoc:piece:fake-jobs-scam-compounds:0")
    assert "(1/3)" in chat.text() and "Việc nhẹ lương cao" in chat.text()
    chat.press("hoc:piece:fake-jobs-scam-compounds:1")
    assert "(2/3)" in chat.text()
    chat.press("hoc:piece:fake-jobs-scam-compounds:2")
    assert "(3/3)" in chat.text() and "113" in chat.text()
    payloads = chat.payloads()
    assert "/baotin" in payloads and "/kiemtra" in payloads
    assert "hoc:piece:signs-scam-compound:0" in payloads  # related piece
    for m in chat.messages:
        assert len(m["text"]) <= 900


def test_hotlines_piece_for_the_emergency_button(client, bot_rt) -> None:
    import_content(bot_rt)
    chat = Chat(client)
    chat.send(text="/khancap")
    chat.press("/hoc hotlines")
    assert "111" in chat.text() and "(1/3)" in chat.text()


def test_free_text_questions_get_the_fact_then_the_piece(client, bot_rt) -> None:
    # The FAQ answer comes first (tests/dialogs/test_faq_webchat.py); Read more opens the piece.
    import_content(bot_rt)
    cases = [
        ("nạn nhân mua bán người được hỗ trợ những gì", "Điều 37", "hoc:piece:support-regimes"),
        ("so dien thoai duong day nong chong buon nguoi la gi", "111", "hoc:piece:hotline-numbers"),
        ("bon buon nguoi lua sang campuchia nhu the nao", "Campuchia", "hoc:piece:"),
        ("mua bán người bị phạt tù bao nhiêu năm", "Điều 150", "hoc:piece:penal-code-150-151"),
        ("lam sao biet cty xkld co giay phep ko", "giấy phép", "hoc:piece:check-labour-export"),
    ]
    for text, expected, more in cases:
        chat = Chat(client)
        chat.send(text=text)
        assert expected in chat.messages[0]["text"], (text, chat.messages)
        chat.press(more)
        assert "(" in chat.text() and "/3)" in chat.text(), (text, chat.text())


def test_english_user_reads_english(client, bot_rt) -> None:
    import_content(bot_rt)
    chat = Chat(client)
    chat.send(text="/ngonngu en")
    chat.send(text="/hoc")
    assert "What would you like to learn" in chat.text()
    chat.press("hoc:topic:hotlines")
    chat.press("hoc:piece:hotline-numbers:0")
    assert "Numbers to remember" in chat.text()
