"""Pure red-flag scoring for the offer check: data in, risk level out (no I/O).

Rules (the data lives in content/offers/red_flags.yml):
- each flag counts once; the sum of weights gives the level against the thresholds;
- a flag raised by an answer also applies its `min_level` (e.g. passport held -> high);
- a flag found only by a keyword in the free text adds its weight, but its `min_level` is
  applied only once an answer confirms it, and an answer to one of its `asked_in` questions
  that does not raise it removes it;
- a `critical` flag (organ sale, paid surrogacy, passport held...) makes the level high at
  once, from the free text as well as from an answer, and no answer removes it: keyword hits
  after a negation ("không giữ hộ chiếu", "tự giữ hộ chiếu", "ko mất phí") are not hits;
- a flag with `all_of` is raised when each of its groups has one of its flags (e.g. easy job,
  high pay + Cambodia);
- a result that would be low from fewer than `MIN_ANSWERS` real answers is "unknown": too
  little was said to call an offer safe.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from nlu.normalize import fold, for_matching, has_diacritics, normalize, squash

LEVELS = ("low", "medium", "high")
#: The verdicts the dialog can show; "unknown" is never computed from the weights.
VERDICTS = ("unknown", *LEVELS)
#: Answers needed before an offer with no warning sign may be called low risk.
MIN_ANSWERS = 3
#: Option id of a "not sure" answer: it counts as a skip for MIN_ANSWERS.
NOT_SURE = "unknown"

_NON_WORD = re.compile(r"[^0-9a-z]+")
_WORD = re.compile(r"[^\W_]+")
# Punctuation that ends a clause: a negation never reaches across it.
_CLAUSE_END = re.compile(r"[.!?;,:()\[\]\n…]")

# Negation window (folded words): a keyword hit with one of these at most NEGATION_WINDOW
# words before it, in the same clause, is not a hit ("không giữ hộ chiếu", "ko mất phí").
NEGATION_WINDOW = 3
_NEGATORS = frozenset(
    {"khong", "ko", "k", "kh", "khg", "hok", "khum", "chua", "chang", "not", "never", "cannot"}
    | {"dont", "doesnt", "didnt", "wont", "isnt", "arent"}
)
# English contractions split by the folding ("don't" -> "don t"); "don" alone is "đón".
_NEGATORS_BEFORE_T = frozenset({"don", "doesn", "didn", "won", "isn", "aren", "can"})
# After these a negator does not deny the fact: "không biết", "không được giữ" (= not allowed
# to keep it, i.e. someone else does), "không muốn bán thận" (someone asked), "không chỉ".
_NOT_A_DENIAL_AFTER = frozenset(
    {"biet", "bik", "bit", "ro", "hieu", "chi", "nhung", "sao", "ngo", "lau", "the", "duoc"}
    | {"dc", "cho", "muon", "mun", "dam", "chiu", "thich", "nho", "con"}
)
# Words that end the window: "không biết CÓ giữ ..." asks; "..., NHƯNG giữ hộ chiếu" turns.
_WINDOW_STOP = frozenset({"co", "nhung", "ma", "but", "va", "and", "roi", "r"})
# "tự" (self) denies only right before a verb of keeping or paying, or "mình" + that verb:
# "tự (mình) giữ hộ chiếu"; elsewhere "tu" is "từ" (from: "từ 16 tuổi") or "tù".
_SELF = "tu"
_SELF_VERBS = frozenset({"giu", "cam", "quan", "lo", "tra", "chi", "dong", "nop", "mua", "keep"})


@dataclass(frozen=True)
class Flag:
    """A red flag with its weight and explanation (texts by language)."""

    id: str
    weight: int
    title: Mapping[str, str]
    explain: Mapping[str, str]
    keywords: tuple[str, ...] = ()
    asked_in: tuple[str, ...] = ()
    related: tuple[str, ...] = ()
    min_level: str | None = None
    critical: bool = False
    # Groups of flag ids: raised when every group has at least one found flag.
    all_of: tuple[tuple[str, ...], ...] = ()
    # Folded phrases a keyword hit must not be part of ("lao động", "Lào Cai" for Laos).
    not_part_of: tuple[str, ...] = ()
    # Raised by a pay promise in dollars at or above this ("lương 1500 đô/tháng").
    usd_at_least: int | None = None


@dataclass(frozen=True)
class Option:
    """One answer button of a question."""

    id: str
    label: Mapping[str, str]
    flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Question:
    """A question asked for some offer types (all when `offer_types` is empty)."""

    id: str
    ask: Mapping[str, str]
    options: tuple[Option, ...]
    offer_types: tuple[str, ...] = ()
    # The question put as what to ask the recruiter ("not enough information"); else `ask`.
    check: Mapping[str, str] = field(default_factory=dict)

    def applies_to(self, offer_type: str | None) -> bool:
        """Whether to ask it for this offer type."""
        return not self.offer_types or offer_type is None or offer_type in self.offer_types

    def option(self, option_id: str) -> Option | None:
        """The option with this id."""
        return next((o for o in self.options if o.id == option_id), None)


# One keyword as words, with its flag; keyed by its first word in `_Index`.
_Entry = tuple[tuple[str, ...], str]


@dataclass(frozen=True)
class _Index:
    """Keywords by first word: folded ones match folded text, marked ones the text as typed."""

    folded: dict[str, list[_Entry]]
    marked: dict[str, list[_Entry]]


@dataclass(frozen=True)
class OfferRules:
    """The whole offer-check configuration."""

    thresholds: Mapping[str, int]
    offer_types: tuple[Mapping[str, str], ...]
    destinations: Mapping[str, str]
    questions: tuple[Question, ...]
    flags: Mapping[str, Flag]

    def question(self, qid: str) -> Question | None:
        """The question with this id."""
        return next((q for q in self.questions if q.id == qid), None)

    def questions_for(self, offer_type: str | None) -> list[Question]:
        """The questions to ask, in file order."""
        return [q for q in self.questions if q.applies_to(offer_type)]

    @cached_property
    def _index(self) -> _Index:
        index = _Index({}, {})
        for f in self.flags.values():
            for kw in f.keywords:
                marked = has_diacritics(kw)
                table = index.marked if marked else index.folded
                # Also as the expanded reading sees it: "passport" squashed to "pasport" (not
                # teencode-expanded: "ck truoc" would become "chồng trước", an ex-husband).
                squashed = " ".join(_WORD.findall(squash(for_matching(kw)).text))
                for form in {kw, squashed if marked else fold(squashed)}:
                    words = tuple(form.split())
                    if words:
                        table.setdefault(words[0], []).append((words, f.id))
        return index


@dataclass
class Assessment:
    """The result: verdict, score, the flags found (heaviest first) and real answers given."""

    level: str
    score: int
    flags: list[Flag] = field(default_factory=list)
    answered: int = 0


def _texts(value: Any) -> dict[str, str]:
    return {str(k): str(v) for k, v in (value or {}).items()} if isinstance(value, dict) else {}


def _groups(value: Any) -> tuple[tuple[str, ...], ...]:
    """`all_of: [a, [b, c]]` -> ((a,), (b, c)): each item is a flag id or a list of them."""
    if not isinstance(value, list):
        return ()
    return tuple(tuple(str(i) for i in g) if isinstance(g, list) else (str(g),) for g in value if g)


def keyword(text: str) -> str:
    """A keyword as matched: lowercase words; folded unless written with diacritics."""
    low = for_matching(str(text)).text
    return " ".join(_WORD.findall(low)) if has_diacritics(low) else normalise(low)


def build_rules(
    config: Mapping[str, Any],
    questions: Iterable[Mapping[str, Any]],
    flags: Iterable[Mapping[str, Any]],
) -> OfferRules:
    """Build the rules from the file/DB dictionaries."""
    qs = tuple(
        Question(
            id=str(q["id"]),
            ask=_texts(q.get("ask")),
            check=_texts(q.get("check")),
            offer_types=tuple(q.get("offer_types") or ()),
            options=tuple(
                Option(
                    id=str(o["id"]),
                    label={k: str(v) for k, v in o.items() if k not in {"id", "flags"}},
                    flags=tuple(o.get("flags") or ()),
                )
                for o in q.get("options") or []
            ),
        )
        for q in questions
    )
    fl = {
        str(f["id"]): Flag(
            id=str(f["id"]),
            weight=int(f.get("weight", 1)),
            title=_texts(f.get("title")),
            explain=_texts(f.get("explain")),
            keywords=tuple(k for k in (keyword(k) for k in f.get("keywords") or ()) if k),
            usd_at_least=int(f["usd_at_least"]) if f.get("usd_at_least") else None,
            asked_in=tuple(f.get("asked_in") or ()),
            related=tuple(f.get("related") or ()),
            min_level=f.get("min_level"),
            critical=f.get("critical") is True,
            all_of=_groups(f.get("all_of")),
            not_part_of=tuple(
                p for p in (normalise(str(p)) for p in f.get("not_part_of") or ()) if p
            ),
        )
        for f in flags
    }
    return OfferRules(
        thresholds={k: int(v) for k, v in (config.get("thresholds") or {}).items()},
        offer_types=tuple(config.get("offer_types") or ()),
        destinations={str(k): str(v) for k, v in (config.get("destinations") or {}).items()},
        questions=qs,
        flags=fl,
    )


def normalise(text: str) -> str:
    """Folded, lowercase, punctuation-free text with single spaces (how keywords are written)."""
    return _NON_WORD.sub(" ", fold(text.lower())).strip()


@dataclass(frozen=True)
class _Words:
    """One reading of the text: words as typed (lowercase), folded, and clause starts."""

    marked: tuple[str, ...]
    folded: tuple[str, ...]
    clause_starts: frozenset[int]


def _words(text: str) -> _Words:
    marked: list[str] = []
    starts: set[int] = set()
    end = 0
    for m in _WORD.finditer(text):
        if _CLAUSE_END.search(text, end, m.start()):
            starts.add(len(marked))
        marked.append(m.group(0))
        end = m.end()
    return _Words(tuple(marked), tuple(fold(w) for w in marked), frozenset(starts))


def _readings(text: str) -> list[_Words]:
    """The text as typed and with teencode expanded ("ko dc" -> "không được"), both lowercase."""
    typed = for_matching(text).text
    expanded = normalize(text).text
    return [_words(typed)] + ([_words(expanded)] if expanded != typed else [])


def _denied(words: _Words, at: int) -> bool:
    """Whether a negation in the same clause, just before word `at`, denies the hit there."""
    w = words.folded
    for j in range(at - 1, max(-1, at - 1 - NEGATION_WINDOW), -1):
        if j + 1 in words.clause_starts:
            return False
        nxt = w[j + 1]
        if w[j] == _SELF:
            # "tự (mình) giữ": only before a verb of keeping or paying ("từ 16 tuổi" is "from").
            return all(x == "minh" for x in w[j + 1 : at]) and w[at] in _SELF_VERBS
        negator = w[j] in _NEGATORS or (w[j] in _NEGATORS_BEFORE_T and nxt == "t")
        if negator and nxt not in _NOT_A_DENIAL_AFTER:
            return True
        if w[j] in _WINDOW_STOP:
            # "không có ai giữ" denies; "không biết có giữ" and "có giữ" do not.
            return w[j] == "co" and j > 0 and j not in words.clause_starts and w[j - 1] in _NEGATORS
    return False


def _inside(words: _Words, start: int, end: int, phrases: Iterable[str]) -> bool:
    """Whether words[start:end] overlaps one of the phrases (within one sentence part)."""
    w = words.folded
    for phrase in phrases:
        p = tuple(phrase.split())
        for s in range(max(0, start - len(p) + 1), min(end, len(w) - len(p) + 1)):
            inner = range(s + 1, s + len(p))
            if w[s : s + len(p)] == p and not any(k in words.clause_starts for k in inner):
                return True
    return False


def scan_text(rules: OfferRules, text: str) -> set[str]:
    """Flags whose keywords occur in the text (whole words, any typing style, not denied)."""
    index = rules._index
    found: set[str] = set()
    for words in _readings(text):
        for i in range(len(words.marked)):
            hits = [(kw, fid, words.folded) for kw, fid in index.folded.get(words.folded[i], ())]
            hits += [(kw, fid, words.marked) for kw, fid in index.marked.get(words.marked[i], ())]
            for kw, fid, seq in hits:
                end = i + len(kw)
                if fid in found or seq[i:end] != kw:
                    continue
                flag = rules.flags[fid]
                if _inside(words, i, end, flag.not_part_of) or _denied(words, i):
                    continue
                found.add(fid)
    dollars = max(usd_amounts(text), default=0)
    found |= {f.id for f in rules.flags.values() if f.usd_at_least and dollars >= f.usd_at_least}
    return found


# "1500 đô", "1.500 USD", "$2,000", "2 nghìn đô", "1.5k usd": amounts promised in dollars.
_USD = re.compile(
    r"(?:(?:us)?\$|usd) ?(\d[\d.,]*) ?(k|nghin|ngan)?\b"
    r"|\b(\d[\d.,]*) ?(k|nghin|ngan|ngin)? ?(?:usd|us\$|\$|do la|dola|dollars?|do)(?=\W|$)"
)


def usd_amounts(text: str) -> list[int]:
    """Dollar amounts named in the text (folded, so "đô" reads as "do")."""
    out: list[int] = []
    for m in _USD.finditer(fold(text.lower())):
        digits, thousand = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
        number = digits.rstrip(".,")
        # "1.500" and "1,500" are thousands; "1.5k" is one and a half thousand.
        if re.fullmatch(r"\d{1,3}(?:[.,]\d{3})+", number):
            value = float(re.sub(r"[.,]", "", number))
        else:
            try:
                value = float(number.replace(",", "."))
            except ValueError:
                continue
        out.append(int(value * (1000 if thousand else 1)))
    return out


def with_combinations(rules: OfferRules, flags: Iterable[str]) -> set[str]:
    """The flags plus every `all_of` flag whose groups they all meet."""
    found = {f for f in flags if f in rules.flags}
    for f in rules.flags.values():
        if f.all_of and all(set(group) & found for group in f.all_of):
            found.add(f.id)
    return found


def critical_flags(rules: OfferRules, flags: Iterable[str]) -> list[str]:
    """The critical flags among these (combinations included), in file order."""
    found = with_combinations(rules, flags)
    return [f.id for f in rules.flags.values() if f.critical and f.id in found]


def answered(rules: OfferRules, answers: Mapping[str, str | None]) -> int:
    """How many questions got a real answer (skips and "not sure" do not count)."""
    count = 0
    for qid, option_id in answers.items():
        q = rules.question(qid)
        if (
            q is not None
            and option_id is not None
            and option_id != NOT_SURE
            and q.option(option_id)
        ):
            count += 1
    return count


def guess_offer_type(rules: OfferRules, text: str, tactic: str | None = None) -> str | None:
    """The offer type from the NLU tactic entity or obvious words; None when unclear."""
    by_tactic = {
        "job_offer": "job",
        "scam_compound": "job",
        "organ": "job",
        "marriage": "marriage",
        "adoption_surrogacy": "adoption",
    }
    if tactic in by_tactic:
        return by_tactic[tactic]
    padded = f" {normalise(text)} "
    words = {
        "adoption": (" con nuoi ", " mang thai ho ", " em be ", " adoption ", " surroga"),
        "marriage": (" lay chong ", " lay vo ", " ket hon ", " hon nhan ", " marriage ", " marry "),
        "study": (" du hoc ", " di hoc ", " study ", " student "),
        "travel": (" du lich ", " travel ", " tour "),
        "job": (" viec ", " lam ", " luong ", " job ", " work ", " tuyen "),
    }
    for kind, needles in words.items():
        if any(n in padded for n in needles):
            return kind
    return None


def assess(
    rules: OfferRules,
    text_flags: Iterable[str],
    answers: Mapping[str, str | None],
    extra_flags: Iterable[str] = (),
) -> Assessment:
    """Score the offer: `answers` maps question id -> option id (None = skipped).

    `extra_flags` are confirmed facts from elsewhere (e.g. a destination country entity).
    """
    confirmed: set[str] = set(extra_flags)
    refuted_questions: set[str] = set()
    for qid, option_id in answers.items():
        q = rules.question(qid)
        if q is None or option_id is None:
            continue
        opt = q.option(option_id)
        if opt is None:
            continue
        confirmed.update(opt.flags)
        refuted_questions.add(qid)
    said = {f for f in text_flags if f in rules.flags}
    unconfirmed: set[str] = set()
    for fid in said - confirmed:
        flag = rules.flags[fid]
        # An answered question about this flag that did not raise it overrides the keyword,
        # unless the flag is critical: then the text said it and the negation check ran.
        if not flag.critical and any(q in refuted_questions for q in flag.asked_in):
            continue
        unconfirmed.add(fid)
    # Combinations: confirmed when the answers alone meet them; a critical one also stands on
    # what the text said, even if an answer contradicts a part of it.
    for fid in with_combinations(rules, confirmed | said) - confirmed - said:
        if fid in with_combinations(rules, confirmed):
            confirmed.add(fid)
        elif rules.flags[fid].critical or fid in with_combinations(rules, confirmed | unconfirmed):
            unconfirmed.add(fid)
    found = [rules.flags[f] for f in confirmed | unconfirmed if f in rules.flags]
    found.sort(key=lambda f: (-f.weight, f.id))
    score = sum(f.weight for f in found)
    level = "low"
    if score >= rules.thresholds.get("medium", 3):
        level = "medium"
    if score >= rules.thresholds.get("high", 6):
        level = "high"
    for f in found:
        floor = "high" if f.critical else f.min_level if f.id in confirmed else None
        if floor in LEVELS and LEVELS.index(floor) > LEVELS.index(level):
            level = floor
    given = answered(rules, answers)
    if level == "low" and given < MIN_ANSWERS:
        level = "unknown"
    return Assessment(level=level, score=score, flags=found, answered=given)
