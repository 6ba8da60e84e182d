"""Text as messengers take it: cleaned of invisible characters, split at a platform's limit.

Shared by every channel (Telegram, Zalo, Zalo OA) and by the Zalo parsers.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["clean_text", "split_text"]

# Bidi controls, zero-width no-break/BOM, and other invisible format chars worth removing.
_BIDI_AND_INVISIBLE = frozenset(
    "\u061c\u200b\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
    "\u2066\u2067\u2068\u2069\u2060\ufeff\ufff9\ufffa\ufffb"
)
_KEEP_CONTROLS = frozenset("\n\t")


def clean_text(value: str, limit: int) -> str:
    """NFC-normalise, drop control/bidi/surrogate characters, truncate to ``limit``."""
    head = value[: limit * 4 + 16]
    out = [
        ch
        for ch in head
        if ch in _KEEP_CONTROLS
        or (ch not in _BIDI_AND_INVISIBLE and unicodedata.category(ch) not in ("Cc", "Cs"))
    ]
    text = unicodedata.normalize("NFC", "".join(out))
    return _safe_cut(text, limit)


def _safe_cut(text: str, limit: int) -> str:
    """Cut to at most ``limit`` chars without leaving a dangling combining mark or ZWJ."""
    if len(text) <= limit:
        return text
    cut = limit
    while cut > 0 and _is_joiner(text[cut]):
        cut -= 1
    if cut == 0:
        cut = limit
    return text[:cut].rstrip("\u200d")


def _is_joiner(ch: str) -> bool:
    """Whether ``ch`` must stay attached to the character before it."""
    return (
        unicodedata.combining(ch) != 0
        or ch in "\u200d\ufe0e\ufe0f"
        or "\U0001f3fb" <= ch <= "\U0001f3ff"  # skin tone modifiers
        or "\U000e0020" <= ch <= "\U000e007f"  # emoji tag sequences
    )


_SENTENCE_END = re.compile(r"[.!?…;:。！？][\"'”’»)\]]*\s+")
_CLAUSE_END = re.compile(r"[,،、]\s+")
_SEPARATORS: tuple[re.Pattern[str], ...] = (
    re.compile(r"\n\s*\n\s*"),  # paragraph
    re.compile(r"\n\s*"),  # line
    _SENTENCE_END,  # sentence
    _CLAUSE_END,  # clause
    re.compile(r"\s+"),  # word
)


def split_text(text: str, limit: int) -> list[str]:
    """Split ``text`` into NFC parts of at most ``limit`` chars at the nicest boundaries."""
    if limit < 1:
        raise ValueError("limit must be positive")
    rest = unicodedata.normalize("NFC", text).strip()
    parts: list[str] = []
    while rest:
        if len(rest) <= limit:
            parts.append(rest)
            break
        cut, resume = _best_cut(rest, limit)
        piece = rest[:cut].rstrip()
        if piece:
            parts.append(piece)
        rest = rest[resume:].lstrip()
    return parts


def _best_cut(text: str, limit: int) -> tuple[int, int]:
    """Return (end of this part, start of the next) for text longer than ``limit``."""
    window = text[: limit + 1]  # a separator starting exactly at ``limit`` is fine
    floor = limit // 2
    for level, pattern in enumerate(_SEPARATORS):
        keeps_mark = pattern in (_SENTENCE_END, _CLAUSE_END)
        best: tuple[int, int] | None = None
        for match in pattern.finditer(window):
            end = match.start() + len(match.group(0).rstrip()) if keeps_mark else match.start()
            if 0 < end <= limit:
                best = (end, match.end())
        # Paragraph / line / sentence / clause cuts must not leave a tiny part.
        if best is None or (level < len(_SEPARATORS) - 1 and best[0] < floor):
            continue
        return best
    # No usable whitespace: hard cut, never between a base and its combining marks.
    cut = limit
    while cut > 1 and _is_joiner(text[cut]):
        cut -= 1
    if cut <= 1:  # one cluster longer than the limit: it has to be cut somewhere
        cut = limit
    return cut, cut
