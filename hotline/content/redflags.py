"""Pure red-flag scoring for the offer check: data in, risk level out (no I/O).

Rules (the data lives in content/offers/red_flags.yml):
- each flag counts once; the sum of weights gives the level against the thresholds;
- a flag raised by an answer also applies its `min_level` (e.g. passport held -> high);
- a flag found only by a keyword in the free text adds its weight, but its `min_level` is
  applied only once an answer confirms it, and an answer to one of its `asked_in` questions
  that does not raise it removes it ("tôi tự giữ hộ chiếu" matches a keyword but is safe).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from nlu.normalize import fold

LEVELS = ("low", "medium", "high")
_NON_WORD = re.compile(r"[^0-9a-z]+")


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

    def applies_to(self, offer_type: str | None) -> bool:
        """Whether to ask it for this offer type."""
        return not self.offer_types or offer_type is None or offer_type in self.offer_types

    def option(self, option_id: str) -> Option | None:
        """The option with this id."""
        return next((o for o in self.options if o.id == option_id), None)


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


@dataclass
class Assessment:
    """The result: level, score and the flags found (heaviest first)."""

    level: str
    score: int
    flags: list[Flag] = field(default_factory=list)


def _texts(value: Any) -> dict[str, str]:
    return {str(k): str(v) for k, v in (value or {}).items()} if isinstance(value, dict) else {}


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
            keywords=tuple(normalise(str(k)) for k in f.get("keywords") or ()),
            asked_in=tuple(f.get("asked_in") or ()),
            related=tuple(f.get("related") or ()),
            min_level=f.get("min_level"),
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


def scan_text(rules: OfferRules, text: str) -> set[str]:
    """Flags whose keywords occur in the text (whole words, folded)."""
    padded = f" {normalise(text)} "
    return {
        f.id for f in rules.flags.values() if any(kw and f" {kw} " in padded for kw in f.keywords)
    }


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
    unconfirmed: set[str] = set()
    for fid in text_flags:
        flag = rules.flags.get(fid)
        if flag is None or fid in confirmed:
            continue
        # An answered question about this flag that did not raise it overrides the keyword.
        if any(q in refuted_questions for q in flag.asked_in):
            continue
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
        if (
            f.id in confirmed
            and f.min_level in LEVELS
            and LEVELS.index(f.min_level) > LEVELS.index(level)
        ):
            level = f.min_level
    return Assessment(level=level, score=score, flags=found)
