"""Cleaning user text before anything reads it (hostile input is normal input)."""

from __future__ import annotations

import re
import unicodedata

MAX_TEXT = 4000
# C0/C1 controls except newline/tab, zero-width and bidi override/isolate characters:
# RTL overrides can disguise a link or a phone number in the console.
_UNSAFE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"
)
COMMAND = re.compile(r"^/([a-zA-Z_]{1,32})(?:@\w+)?(?:\s+(.*))?$", re.DOTALL)


def clean_text(raw: str, limit: int = MAX_TEXT) -> tuple[str, bool]:
    """NFC, unsafe characters removed, trimmed; returns (text, was_truncated)."""
    text = unicodedata.normalize("NFC", _UNSAFE.sub("", raw)).strip()
    if len(text) > limit:
        return text[:limit], True
    return text, False


def parse_command(text: str) -> tuple[str, str] | None:
    """`/theodoi ABCD-...` -> ("/theodoi", "ABCD-..."); None if not a command."""
    m = COMMAND.match(text.strip())
    if m is None:
        return None
    return "/" + m.group(1).lower(), (m.group(2) or "").strip()


# A question in every typing style: "?", or question words on the folded, teencode-expanded text.
_QUESTION = re.compile(
    r"\?|\b(?:ai|gi|nao|sao|dau|bao nhieu|bao gio|khi nao|the nao|nhu the nao|lam sao|la gi"
    r"|co (?:\w+ ){0,6}(?:khong|chua)|co phai|duoc khong|phai khong|khong a|ko a|chua a"
    r"|what|who|where|when|which|how|why|can i|can we|do i|do we|is it|is there|are there"
    r"|should i|should we|does|am i|xin (?:so|sdt|so dien thoai|dia chi|thong tin)"
    r"|cho (?:minh|em|toi|tui|chau|con) (?:xin|hoi))\b"
    # A closing "không" / "chưa" asks: "đi du lịch Campuchia cần visa không".
    r"|(?:^|\s)(?:khong|chua)(?: a| ha| nhi| vay| the| ta| nhe)?\W*$"
)


def is_question(text: str) -> bool:
    """Whether a message asks something (so an answer, not only a form, is owed)."""
    from nlu.normalize import fold, normalize

    return bool(_QUESTION.search(fold(normalize(text).text)))
