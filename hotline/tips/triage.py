"""Urgency at intake: pure rules, so operators (and tests) can see exactly why."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from hotline.tips.models import Urgency
from hotline.tips.reasons import Reason
from nlu.normalize import fold_key

# Destinations where recruitment most often ends in scam compounds or forced marriage.
HIGH_RISK_COUNTRIES = frozenset({"Campuchia", "Myanmar", "Lào", "Trung Quốc"})
HIGH_RISK_TACTICS = frozenset({"scam_compound", "organ", "adoption_surrogacy"})

# Folded (no diacritics, lower case) phrases meaning someone is in danger right now.
_DANGER = re.compile(
    r"\b("
    r"(dang )?bi (giu|nhot|giam|khoa trai|khoa cua|danh|danh dap|tra tan|bat coc|ep|cam tu)"
    r"|khong (cho|duoc|the) (ve|ra ngoai|tron|lien lac)"
    r"|(thu|giu|lay|tich thu) (mat )?ho chieu|bi (thu|giu|lay) (mat )?ho chieu"
    r"|giai cuu|cuu (toi|em|voi|chau|con|minh|ban|be|chi|anh|me|bo|nguoi|giup)|^cuu\b"
    r"|tien chuoc|doi chuoc|chuoc nguoi"
    r"|held|locked( up| in)?|beaten|rescue|help me|trapped|ransom|passport (taken|confiscated)"
    r")\b"
)
# Folded phrases meaning someone is being moved (across a border) now.
_MOVING = re.compile(
    r"\b("
    r"dang (bi )?(dua|cho|chuyen|dan|dat)( \w+){0,3} (sang|qua|di|ra|toi)\b"
    r"|dang (tren duong|di) (sang|qua)|dang (o|qua) (bien gioi|cua khau)|dang vuot bien"
    r"|sap (bi )?(dua|chuyen) (sang|qua)"
    r"|being (taken|moved|smuggled)|crossing the border|on the way to"
    r")\b"
)

# Folded: an age under 18 named in the story ("15 tuổi", "em 16t", "a 15-year-old").
_CHILD_AGE = re.compile(
    r"\b(?:[1-9]|1[0-7]) ?(?:tuoi|t)\b|\b(?:[1-9]|1[0-7])[- ]years?[- ]old\b"
    r"|\bhoc sinh (?:lop )?(?:[1-9]|1[0-2])\b|\b(?:chau|be) gai\b|\bvi thanh nien\b"
)
# Folded: at sea, on a (fishing) boat or an island: the Border Guard's area on the coast.
_SEA = re.compile(
    r"\b(tau ca|thuyen ca|ghe ca|tau danh ca|di bien|tren bien|ngoai khoi|ngu truong|hai dao"
    r"|tren dao|ra dao|dao xa|fishing (boat|vessel)|at sea|on an island)\b"
)
# Folded: a border area named in words ("chợ biên giới", "cửa khẩu", "đường mòn, lối mở"); the
# province must have a land border or a coast for routing to act on it.
_BORDER_WORDS = re.compile(
    r"\b(bien gioi|vung bien|cua khau|duong mon|loi mo|border (market|area|crossing|gate))\b"
)
# Folded: the victim (or the reporter for them) asks for shelter, care, legal aid or a way home.
_SUPPORT = re.compile(
    r"\b(can (duoc )?(ho tro|giup do|giup)|cho o|noi o|tam lanh|y te|chua tri|benh vien"
    r"|tam ly|tro giup phap ly|luat su|tien (ve|di lai)|(muon|can) ve (nha|que|viet nam)|hoi huong"
    r"|shelter|medical|legal aid|lawyer|get home|go home|need support)\b"
)


@dataclass(frozen=True)
class TriageInput:
    """The facts triage looks at (free text is only read here, never stored in plain)."""

    text: str = ""
    child: str | None = None  # "yes" | "no" | "unsure" | None
    people_at_risk: int | None = None
    destination_country: str | None = None
    tactic: str | None = None
    reporter_is_victim: bool | None = None
    urgent: bool = False
    # The place named lies on a land border (a border gate or its district): a fact for
    # routing (the Border Guard rule), not a reason for more urgency.
    border_area: bool = False
    # A child word found in the story by the NLU (when the child question went unanswered).
    child_mentioned: bool = False


@dataclass(frozen=True)
class Triage:
    """The urgency and the reason codes behind it."""

    urgency: Urgency
    reasons: list[Reason] = field(default_factory=list)


def signals_danger(text: str) -> bool:
    """Someone is in danger, or being moved, right now (a follow-up message is read this way)."""
    folded = fold_key(text)
    return bool(_DANGER.search(folded) or _MOVING.search(folded))


def assess(facts: TriageInput) -> Triage:
    """Crisis: danger now, a child (or maybe a child), moving across a border; then high/normal.

    Routing facts (border or sea area, victim support) are added whatever the urgency.
    """
    triage = _urgency(facts)
    text = fold_key(facts.text)
    extra: list[Reason] = []
    if facts.border_area or _BORDER_WORDS.search(text):
        extra.append(Reason.BORDER_AREA)
    if _SEA.search(text):
        extra.append(Reason.SEA_AREA)
    if facts.reporter_is_victim or _SUPPORT.search(text):
        extra.append(Reason.VICTIM_SUPPORT)
    return Triage(triage.urgency, [*triage.reasons, *extra])


def _urgency(facts: TriageInput) -> Triage:
    text = fold_key(facts.text)
    abroad = bool(facts.destination_country) and facts.destination_country != "Việt Nam"
    crisis: list[Reason] = []
    if facts.urgent:
        crisis.append(Reason.URGENT_REQUEST)
    if _DANGER.search(text):
        crisis.append(Reason.IMMINENT_DANGER)
    if facts.child in ("yes", "unsure"):
        crisis.append(Reason.CHILD_UNCERTAIN_AGE if facts.child == "unsure" else Reason.CHILD)
    elif _CHILD_AGE.search(text) or (facts.child is None and facts.child_mentioned):
        # "Not a child" answered beside "15 tuổi" in the story: uncertain age, treat as a child.
        crisis.append(Reason.CHILD_MENTIONED)
    if _MOVING.search(text) and (abroad or "bien gioi" in text or "border" in text):
        crisis.append(Reason.BORDER_MOVEMENT)
    if crisis:
        return Triage(Urgency.CRISIS, crisis)
    high: list[Reason] = []
    if facts.destination_country in HIGH_RISK_COUNTRIES:
        high.append(Reason.HIGH_RISK_DESTINATION)
    if facts.tactic in HIGH_RISK_TACTICS:
        high.append(Reason.HIGH_RISK_TACTIC)
    if facts.people_at_risk is not None and facts.people_at_risk >= 2:
        high.append(Reason.MULTIPLE_PEOPLE)
    if facts.reporter_is_victim:
        high.append(Reason.VICTIM_REPORTING)
    if high:
        return Triage(Urgency.HIGH, high)
    return Triage(Urgency.NORMAL, [])
