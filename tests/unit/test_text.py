"""Cleaning hostile text and parsing commands."""

from bot.dialogs.text import MAX_TEXT, clean_text, parse_command


def test_clean_text_strips_controls_and_bidi_and_normalises() -> None:
    raw = "  xin\x00 chao\u202e\u200b ba\u0300n  "
    text, cut = clean_text(raw)
    assert text == "xin chao bàn"
    assert not cut


def test_clean_text_truncates_huge_input() -> None:
    text, cut = clean_text("a" * 1_000_000)
    assert cut and len(text) == MAX_TEXT


def test_parse_command() -> None:
    assert parse_command("/theodoi ABCD-EFGH-JKMN-PQRS") == ("/theodoi", "ABCD-EFGH-JKMN-PQRS")
    assert parse_command("/START@CanhGiacBot") == ("/start", "")
    assert parse_command("hello /start") is None
    assert parse_command("/") is None
