"""Reason codes stored with a tip: one enum shared by triage (writes) and routing (reads).

A code either raised the urgency or is a fact for routing; both live in `Tip.urgency_reasons`
as a comma-separated list so operators see why, in the labels below.
"""

from __future__ import annotations

from enum import StrEnum


class Reason(StrEnum):
    """Every code triage may give a tip; routing and the console read only these."""

    URGENT_REQUEST = "urgent_request"
    IMMINENT_DANGER = "imminent_danger"
    CHILD = "child"
    CHILD_UNCERTAIN_AGE = "child_uncertain_age"
    # The story names an age under 18 ("15 tuổi") or a child word, whatever the child answer.
    CHILD_MENTIONED = "child_mentioned"
    BORDER_MOVEMENT = "border_movement"
    HIGH_RISK_DESTINATION = "high_risk_destination"
    HIGH_RISK_TACTIC = "high_risk_tactic"
    MULTIPLE_PEOPLE = "multiple_people"
    VICTIM_REPORTING = "victim_reporting"
    # Facts for routing only (they never raise the urgency).
    BORDER_AREA = "border_area"
    SEA_AREA = "sea_area"
    # The place named is a coastal district (nlu/border_areas.yml): the sea border's area.
    COASTAL_AREA = "coastal_area"
    # The border / coast fact above rests on a data row no source was checked for.
    PLACE_UNCHECKED = "place_unchecked"
    VICTIM_SUPPORT = "victim_support"
    POSSIBLE_DUPLICATE = "possible_duplicate"


#: Codes that say the victim is, or may be, a child (routing: child_possible).
CHILD_REASONS = frozenset({Reason.CHILD, Reason.CHILD_UNCERTAIN_AGE, Reason.CHILD_MENTIONED})
#: Codes that place the tip in a border, sea or island area (routing: border_or_sea).
AREA_REASONS = frozenset({Reason.BORDER_AREA, Reason.SEA_AREA, Reason.COASTAL_AREA})

LABELS: dict[Reason, tuple[str, str]] = {
    Reason.URGENT_REQUEST: ("Người báo cần giúp gấp", "Reporter asked for urgent help"),
    Reason.IMMINENT_DANGER: ("Đang gặp nguy hiểm", "In danger now"),
    Reason.CHILD: ("Có trẻ em", "A child is involved"),
    Reason.CHILD_UNCERTAIN_AGE: ("Chưa rõ tuổi, có thể là trẻ em", "Age unclear, may be a child"),
    Reason.CHILD_MENTIONED: ("Nội dung nhắc tới trẻ em", "The story mentions a child"),
    Reason.BORDER_MOVEMENT: ("Đang bị đưa qua biên giới", "Being moved across the border"),
    Reason.HIGH_RISK_DESTINATION: ("Nơi đến có nguy cơ cao", "High-risk destination"),
    Reason.HIGH_RISK_TACTIC: ("Thủ đoạn nguy cơ cao", "High-risk tactic"),
    Reason.MULTIPLE_PEOPLE: ("Nhiều người bị ảnh hưởng", "Several people at risk"),
    Reason.VICTIM_REPORTING: ("Nạn nhân tự báo tin", "The victim is reporting"),
    Reason.BORDER_AREA: ("Khu vực biên giới", "Border area"),
    Reason.SEA_AREA: ("Trên biển, đảo", "At sea or on an island"),
    Reason.COASTAL_AREA: ("Huyện ven biển", "Coastal district"),
    Reason.PLACE_UNCHECKED: (
        "Vị trí biên giới / ven biển lấy từ dòng dữ liệu chưa đối chiếu nguồn",
        "Border / coast place from a data row not yet checked against a source",
    ),
    Reason.VICTIM_SUPPORT: ("Nạn nhân cần hỗ trợ", "The victim needs support"),
    Reason.POSSIBLE_DUPLICATE: ("Có thể trùng tin đã nhận", "Possibly a repeat"),
}


def parse(stored: str | None) -> list[Reason]:
    """The known codes of a stored list (unknown ones, from older versions, are dropped)."""
    known = {r.value for r in Reason}
    return [Reason(c) for c in (stored or "").split(",") if c in known]


def label(code: str, lang: str = "vi") -> str:
    """A reason's human label (the code itself if unknown)."""
    try:
        vi, en = LABELS[Reason(code)]
    except ValueError:
        return code
    return vi if lang == "vi" else en


def labels(stored: str | None, lang: str = "vi") -> list[str]:
    """Human labels of a stored comma-separated list."""
    return [label(c, lang) for c in (stored or "").split(",") if c]
