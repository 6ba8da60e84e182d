"""Vietnamese text normalisation with a character-offset map back to the original text."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

# Zero-width, BOM, soft hyphen and bidi controls: invisible, but they split words and can be
# used to smuggle text past keyword filters, so they are dropped before anything else.
_INVISIBLE = frozenset(
    "\u00ad\u034f\u061c\u180e\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
    "\u2060\u2061\u2062\u2063\u2064\u2066\u2067\u2068\u2069\ufeff"
)

# The five Vietnamese tone marks (grave, acute, hook above, tilde, dot below) as combining chars.
_TONE_MARKS = frozenset("\u0300\u0301\u0309\u0303\u0323")

# Teencode and chat abbreviations -> standard words. Only tokens that are (almost) never
# ordinary words are listed; "bn" is resolved by context in `_expand_token`.
TEENCODE: dict[str, str] = {
    "ko": "không",
    "k": "không",
    "kh": "không",
    "khg": "không",
    "kg": "không",
    "hok": "không",
    "hông": "không",
    "khum": "không",
    "hem": "không",
    "bj": "bị",
    "dc": "được",
    "đc": "được",
    "đx": "được",
    "mik": "mình",
    "mk": "mình",
    "mjk": "mình",
    "mjnh": "mình",
    "mh": "mình",
    "j": "gì",
    "ji": "gì",
    "gi": "gì",
    "ntn": "như thế nào",
    "ns": "nói",
    "e": "em",
    "a": "anh",
    "c": "chị",
    "cj": "chị",
    "chj": "chị",
    "ah": "à",
    "ib": "nhắn tin",
    "inbox": "nhắn tin",
    "sdt": "số điện thoại",
    "sđt": "số điện thoại",
    "đt": "điện thoại",
    "dt": "điện thoại",
    "vs": "với",
    "r": "rồi",
    "rùi": "rồi",
    "ròi": "rồi",
    "ng": "người",
    "trc": "trước",
    "ck": "chồng",
    "vk": "vợ",
    "ny": "người yêu",
    "cx": "cũng",
    "cg": "cũng",
    "bik": "biết",
    "bít": "biết",
    "bt": "biết",
    "bjt": "biết",
    "hnay": "hôm nay",
    "hqua": "hôm qua",
    "wa": "quá",
    "wá": "quá",
    "bh": "bây giờ",
    "bg": "bây giờ",
    "tl": "trả lời",
    "lm": "làm",
    "ms": "mới",
    "mún": "muốn",
    "mun": "muốn",
    "đag": "đang",
    "dag": "đang",
    "nhìu": "nhiều",
    "iu": "yêu",
    "lun": "luôn",
    "z": "vậy",
    "v": "vậy",
    "zậy": "vậy",
    "dzậy": "vậy",
    "gđ": "gia đình",
    "cty": "công ty",
    "xkld": "xuất khẩu lao động",
    "xklđ": "xuất khẩu lao động",
    "ctv": "cộng tác viên",
    "tks": "cảm ơn",
    "thks": "cảm ơn",
    "thanks": "cảm ơn",
    "thank": "cảm ơn",
    "thx": "cảm ơn",
    "camon": "cảm ơn",
    "oke": "ok",
    "okie": "ok",
    "oki": "ok",
    "okela": "ok",
    "okay": "ok",
    "uk": "ừ",
    "ukm": "ừ",
    "um": "ừ",
    "ừm": "ừ",
    "uh": "ừ",
    "ik": "đi",
    "pm": "nhắn tin",
    "ad": "admin",
}

# Words after "bn" that make it "bao nhiêu" (how much/many) rather than "bạn" (you).
_BN_QUANTITY_NEXT = frozenset(
    [
        "tiền",
        "tien",
        "tuổi",
        "tuoi",
        "ngày",
        "ngay",
        "tháng",
        "thang",
        "năm",
        "nam",
        "người",
        "nguoi",
        "lâu",
        "lau",
        "đô",
        "do",
        "triệu",
        "trieu",
        "củ",
        "cu",
        "lần",
        "lan",
        "km",
        "giờ",
        "gio",
        "k",
    ]
)
_BN_QUANTITY_PREV = frozenset(
    [
        "lương",
        "luong",
        "giá",
        "gia",
        "hết",
        "het",
        "mất",
        "mat",
        "là",
        "la",
        "tốn",
        "ton",
        "trả",
        "tra",
    ]
)

_WORD_RE = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class Normalized:
    """Normalised text plus, for each of its characters, the [start, end) span in the original.

    Shared between callers (the entry points below are memoised): treat it as read-only.
    """

    text: str
    starts: list[int] = field(default_factory=list)
    ends: list[int] = field(default_factory=list)

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Map a [start, end) span of the normalised text to the original text."""
        if not self.starts:
            return 0, 0
        if start >= end:
            pos = self.starts[start] if start < len(self.starts) else self.ends[-1]
            return pos, pos
        return self.starts[start], self.ends[end - 1]


def _is_invisible(ch: str) -> bool:
    """Whether a character is a control, format (zero-width, bidi) or otherwise invisible."""
    if ch in _INVISIBLE:
        return True
    cat = unicodedata.category(ch)
    # Cc covers C0/C1 controls; whitespace controls (\t, \n) are kept as spaces by the caller.
    return (cat == "Cc" and not ch.isspace()) or cat == "Cf"


def _tone_position_fix(text: str) -> str:
    """Rewrite new-style tone placement in open oa/oe/uy syllables to the old style, in place."""

    def repl(m: re.Match[str]) -> str:
        word = m.group(0)
        nfd = unicodedata.normalize("NFD", word)
        # Only an open syllable ending in vowel+vowel+tone is rewritten; "qu" + y is a consonant.
        if len(nfd) >= 3 and nfd[-1] in _TONE_MARKS:
            a, b, tone = nfd[-3], nfd[-2], nfd[-1]
            pair = (a.lower(), b.lower())
            if pair in {("o", "a"), ("o", "e"), ("u", "y")} and not (
                pair == ("u", "y") and nfd[:-3].lower().endswith("q")
            ):
                fixed = unicodedata.normalize("NFC", nfd[:-3] + a + tone + b)
                if len(fixed) == len(word):
                    return fixed
        return word

    return _WORD_RE.sub(repl, text)


def clean(text: str) -> Normalized:
    """NFC, drop invisible characters, collapse whitespace, unify tone placement; keep case."""
    chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    i = 0
    n = len(text)
    while i < n:
        # A cluster is a base character and the combining marks that follow it (NFD input).
        j = i + 1
        while j < n and unicodedata.combining(text[j]):
            j += 1
        cluster = "".join(c for c in text[i:j] if not _is_invisible(c))
        if cluster:
            composed = unicodedata.normalize("NFC", cluster)
            if composed.isspace():
                composed = " "
            for ch in composed:
                chars.append(ch)
                starts.append(i)
                ends.append(j)
        i = j
    # Collapse whitespace runs and trim, keeping the offsets of the surviving characters.
    out_c: list[str] = []
    out_s: list[int] = []
    out_e: list[int] = []
    for ch, s, e in zip(chars, starts, ends, strict=True):
        if ch.isspace():
            if not out_c or out_c[-1] == " ":
                continue
            ch = " "
        out_c.append(ch)
        out_s.append(s)
        out_e.append(e)
    if out_c and out_c[-1] == " ":
        out_c.pop()
        out_s.pop()
        out_e.pop()
    joined = "".join(out_c)
    fixed = _tone_position_fix(joined)
    return Normalized(fixed if len(fixed) == len(joined) else joined, out_s, out_e)


def lower(norm: Normalized) -> Normalized:
    """Lowercase character by character so offsets survive (a few chars expand when lowered)."""
    chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for ch, s, e in zip(norm.text, norm.starts, norm.ends, strict=True):
        low = ch.lower()
        low = unicodedata.normalize("NFC", low)
        for c in low:
            chars.append(c)
            starts.append(s)
            ends.append(e)
    return Normalized("".join(chars), starts, ends)


def _fold_char(ch: str) -> str:
    if ch == "đ":
        return "d"
    if ch == "Đ":
        return "D"
    if ord(ch) < 128:
        return ch
    base = "".join(c for c in unicodedata.normalize("NFD", ch) if not unicodedata.combining(c))
    # Keep length: a character with no single-char base (rare symbols) stays as is.
    return base if len(base) == 1 else ch


def _strip_tone_char(ch: str) -> str:
    nfd = unicodedata.normalize("NFD", ch)
    if any(c in _TONE_MARKS for c in nfd):
        return unicodedata.normalize("NFC", "".join(c for c in nfd if c not in _TONE_MARKS))
    return ch


#: Characters below this are remembered once mapped (Latin and Vietnamese live far below);
#: others are mapped each time, so hostile input cannot grow the tables without bound.
_CACHED_BELOW = 0x2000


class _CharMap(dict[int, str]):
    """A ``str.translate`` table that maps each character the first time it is seen.

    Every message is folded several times (entities, features, red flags, content search);
    a per-character Python loop was a few % of a message's CPU, ``str.translate`` is C.
    """

    def __init__(self, one: Callable[[str], str]) -> None:
        super().__init__()
        self._one = one

    def __missing__(self, code: int) -> str:
        value = self._one(chr(code))
        if code < _CACHED_BELOW:
            self[code] = value
        return value


_FOLD = _CharMap(_fold_char)
_STRIP_TONES = _CharMap(_strip_tone_char)


def fold(text: str) -> str:
    """Strip all diacritics (đ -> d); length-preserving on NFC text, so offsets still apply."""
    return text.translate(_FOLD)


def fold_key(text: str) -> str:
    """The form names and free text are compared in: lower case, no marks at all, single spaces.

    Not for offsets (use `fold`): this also drops what `fold` keeps to preserve length
    (a stray combining mark, a Hangul syllable's parts), so it is the dedupe and lookup key.
    """
    rest = unicodedata.normalize("NFD", fold(text.lower()))
    return " ".join("".join(c for c in rest if not unicodedata.combining(c)).split())


def strip_tones(text: str) -> str:
    """Remove only tone marks, keeping vowel shapes (ă, â, ê, ô, ơ, ư) and đ."""
    return text.translate(_STRIP_TONES)


def has_diacritics(text: str) -> bool:
    """Whether the text contains any Vietnamese diacritic (i.e. differs from its fold)."""
    return fold(text) != text


def squash(norm: Normalized) -> Normalized:
    """Squash letters repeated for emphasis ("đii", "nhaaaa", "cóoo"), keeping digits and "oo"."""
    chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    text = norm.text
    base = fold(text)
    i = 0
    while i < len(text):
        ch = text[i]
        j = i + 1
        # A run is one letter repeated, optionally after the same letter with a tone mark
        # ("óoo" is an emphasised "ó"); "ưu" in "cứu" differs in shape (horn), not just tone.
        plain = strip_tones(ch) == base[i]
        while j < len(text) and ch.isalpha() and (text[j] == ch or (plain and text[j] == base[i])):
            j += 1
        run = text[i:j]
        # Digits are never squashed (hotline 111, codes); "oo"/"ee" exist in real words (xoong).
        keep_all = not ch.isalpha() or len(run) == 1 or (run in ("oo", "ee"))
        if keep_all:
            for k in range(i, j):
                chars.append(text[k])
                starts.append(norm.starts[k])
                ends.append(norm.ends[k])
        else:
            chars.append(ch)
            starts.append(norm.starts[i])
            ends.append(norm.ends[j - 1])
        i = j
    return Normalized("".join(chars), starts, ends)


def _expand_token(tokens: list[str], idx: int) -> str | None:
    """The standard form of tokens[idx] if it is teencode, else None."""
    tok = tokens[idx]
    if tok == "bn":
        nxt = tokens[idx + 1] if idx + 1 < len(tokens) else ""
        prv = tokens[idx - 1] if idx > 0 else ""
        if not nxt or nxt in _BN_QUANTITY_NEXT or prv in _BN_QUANTITY_PREV:
            return "bao nhiêu"
        return "bạn"
    return TEENCODE.get(tok)


def expand_teencode(norm: Normalized) -> Normalized:
    """Replace teencode tokens by standard words; replaced chars map to the token's span."""
    text = norm.text
    matches = list(_WORD_RE.finditer(text))
    tokens = [m.group(0) for m in matches]
    chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    pos = 0
    for idx, m in enumerate(matches):
        for k in range(pos, m.start()):
            chars.append(text[k])
            starts.append(norm.starts[k])
            ends.append(norm.ends[k])
        repl = _expand_token(tokens, idx)
        if repl is None:
            for k in range(m.start(), m.end()):
                chars.append(text[k])
                starts.append(norm.starts[k])
                ends.append(norm.ends[k])
        else:
            s, e = norm.starts[m.start()], norm.ends[m.end() - 1]
            for c in repl:
                chars.append(c)
                starts.append(s)
                ends.append(e)
        pos = m.end()
    for k in range(pos, len(text)):
        chars.append(text[k])
        starts.append(norm.starts[k])
        ends.append(norm.ends[k])
    return Normalized("".join(chars), starts, ends)


#: One message is normalised several times (entities, features, red flags, content search)
#: and the same short phrases (place names, synonyms) over and over: remember recent results.
_MEMO = 256


@functools.lru_cache(maxsize=_MEMO)
def for_matching(text: str) -> Normalized:
    """Cleaned and lowercased text used for entity matching (no squashing, no teencode)."""
    return lower(clean(text))


@functools.lru_cache(maxsize=_MEMO)
def normalize(text: str) -> Normalized:
    """Full normalisation for intent classification: clean, lowercase, squash, expand teencode."""
    return expand_teencode(squash(lower(clean(text))))


def tokens(text: str) -> list[str]:
    """Word tokens (syllables for Vietnamese) of a text."""
    return _WORD_RE.findall(text)


__all__ = [
    "TEENCODE",
    "Normalized",
    "clean",
    "expand_teencode",
    "fold",
    "fold_key",
    "for_matching",
    "has_diacritics",
    "lower",
    "normalize",
    "squash",
    "strip_tones",
    "tokens",
]
