"""The routing engine: tip facts + province table + rules -> recipients, each with its reason.

Pure: no database, no I/O. Every rule whose conditions all hold adds its targets; an agency
kind resolves to that kind's agency in the tip's province, else to the fallback agency, so no
tip is left unrouted and every recipient says why it was chosen.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from hotline.routing.provinces import Province, ProvinceTable

AGENCY_KINDS = ("police", "border_guard", "social_services")
CONDITIONS = (
    "province_known",
    "province_unknown",
    "border_or_sea",
    "child_possible",
    "victim_needs_support",
)
VIETNAM = {"viet nam", "vietnam", "việt nam"}


@dataclass(frozen=True)
class TipFacts:
    """What routing needs to know about a tip (no content, no identity)."""

    province: str | None = None
    border_area: bool = False
    crosses_border: bool = False
    destination_country: str | None = None
    child_involved: bool | None = False
    victim_needs_support: bool = False


@dataclass(frozen=True)
class AgencyRef:
    """The part of an agency routing looks at."""

    code: str
    kind: str
    province: str | None
    active: bool = True


@dataclass(frozen=True)
class Rule:
    """`when` all conditions hold, `route_to` these kinds or codes, because `reason_*`."""

    id: str
    when: dict[str, bool]
    route_to: tuple[str, ...]
    reason_vi: str
    reason_en: str


@dataclass(frozen=True)
class RuleSet:
    """The rules and the fallback agency of content/routing.yml."""

    rules: tuple[Rule, ...]
    fallback: str = "national-desk"

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> RuleSet:
        """Build from the parsed YAML, refusing unknown conditions (typos route nothing)."""
        rules = []
        for r in data.get("rules", []):
            when = {str(k): bool(v) for k, v in (r.get("when") or {}).items()}
            unknown = set(when) - set(CONDITIONS)
            if unknown:
                raise ValueError(f"rule {r.get('id')}: unknown condition {sorted(unknown)}")
            rules.append(
                Rule(
                    id=str(r["id"]),
                    when=when,
                    route_to=tuple(str(t) for t in r.get("route_to") or ()),
                    reason_vi=str(r.get("reason_vi", "")),
                    reason_en=str(r.get("reason_en", "")),
                )
            )
        return cls(tuple(rules), str(data.get("fallback") or "national-desk"))

    @classmethod
    def load(cls, path: Path) -> RuleSet:
        """Read content/routing.yml."""
        return cls.from_data(yaml.safe_load(path.read_text(encoding="utf-8")) or {})


@dataclass
class Decision:
    """One recipient and why: the rules that chose it and their reasons."""

    agency_code: str
    rule_ids: list[str] = field(default_factory=list)
    reasons_vi: list[str] = field(default_factory=list)
    reasons_en: list[str] = field(default_factory=list)

    @property
    def reason_vi(self) -> str:
        """All reasons in Vietnamese, one sentence each."""
        return " ".join(self.reasons_vi)

    @property
    def reason_en(self) -> str:
        """All reasons in English."""
        return " ".join(self.reasons_en)


def evaluate_conditions(facts: TipFacts, province: Province | None) -> dict[str, bool]:
    """The rule conditions computed from the facts (routing.yml documents each)."""
    dest = (facts.destination_country or "").strip().lower()
    goes_abroad = bool(dest) and dest not in VIETNAM
    crossing = facts.crosses_border or goes_abroad
    area = facts.border_area and (province is None or province.has_border)
    return {
        "province_known": province is not None,
        "province_unknown": province is None,
        "border_or_sea": area or crossing,
        # Unknown age counts as possibly a child only when intake said "maybe" (True).
        "child_possible": facts.child_involved is True,
        "victim_needs_support": facts.victim_needs_support,
    }


def route(
    facts: TipFacts,
    provinces: ProvinceTable,
    rules: RuleSet,
    agencies: Iterable[AgencyRef],
) -> list[Decision]:
    """Recipients of a tip in rule order, de-duplicated, each with every reason that chose it."""
    province = provinces.resolve(facts.province)
    conditions = evaluate_conditions(facts, province)
    active = [a for a in agencies if a.active]
    by_code = {a.code: a for a in active}
    decisions: dict[str, Decision] = {}
    for rule in rules.rules:
        if not all(conditions.get(k) is v for k, v in rule.when.items()):
            continue
        for target in rule.route_to:
            code = _resolve_target(target, province, active, by_code, rules.fallback)
            d = decisions.setdefault(code, Decision(code))
            if rule.id not in d.rule_ids:
                d.rule_ids.append(rule.id)
                d.reasons_vi.append(rule.reason_vi)
                d.reasons_en.append(rule.reason_en)
    if not decisions:
        decisions[rules.fallback] = Decision(
            rules.fallback,
            ["fallback"],
            ["Không quy tắc nào áp dụng: bộ phận điều phối định tuyến thủ công."],
            ["No rule applied: the coordination desk routes the tip manually."],
        )
    return list(decisions.values())


def _resolve_target(
    target: str,
    province: Province | None,
    active: Sequence[AgencyRef],
    by_code: dict[str, AgencyRef],
    fallback: str,
) -> str:
    if target in AGENCY_KINDS:
        if province is not None:
            for a in active:
                if a.kind == target and a.province == province.name:
                    return a.code
        return fallback
    return target if target in by_code else fallback
