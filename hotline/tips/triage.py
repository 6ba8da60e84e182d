"""Urgency at intake: pure rules, so operators (and tests) can see exactly why."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from hotline.tips.models import Urgency

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


def fold(text: str) -> str:
    """Lower case without diacritics (đ -> d), whitespace collapsed."""
    decomposed = unicodedata.normalize("NFD", text.lower().replace("đ", "d"))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.split())


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


@dataclass(frozen=True)
class Triage:
    """The urgency and the reason codes behind it."""

    urgency: Urgency
    reasons: list[str] = field(default_factory=list)


def assess(facts: TriageInput) -> Triage:
    """Crisis: danger now, a child (or maybe a child), moving across a border; then high/normal.

    A border place adds the fact code "border_area" to the reasons whatever the urgency.
    """
    triage = _urgency(facts)
    if facts.border_area:
        return Triage(triage.urgency, [*triage.reasons, "border_area"])
    return triage


def _urgency(facts: TriageInput) -> Triage:
    text = fold(facts.text)
    abroad = bool(facts.destination_country) and facts.destination_country != "Việt Nam"
    crisis: list[str] = []
    if facts.urgent:
        crisis.append("urgent_request")
    if _DANGER.search(text):
        crisis.append("imminent_danger")
    if facts.child in ("yes", "unsure"):
        crisis.append("child_uncertain_age" if facts.child == "unsure" else "child")
    if _MOVING.search(text) and (abroad or "bien gioi" in text or "border" in text):
        crisis.append("border_movement")
    if crisis:
        return Triage(Urgency.CRISIS, crisis)
    high: list[str] = []
    if facts.destination_country in HIGH_RISK_COUNTRIES:
        high.append("high_risk_destination")
    if facts.tactic in HIGH_RISK_TACTICS:
        high.append("high_risk_tactic")
    if facts.people_at_risk is not None and facts.people_at_risk >= 2:
        high.append("multiple_people")
    if facts.reporter_is_victim:
        high.append("victim_reporting")
    if high:
        return Triage(Urgency.HIGH, high)
    return Triage(Urgency.NORMAL, [])
