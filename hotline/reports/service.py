"""The report: counts, timings, SLA compliance and the plans' indicators for one period.

Percentiles use the nearest-rank method (p90 = the ceil(0.9 n)-th smallest value), so the
figures can be checked by hand. Public reports suppress every count below 5 and, in any
breakdown whose total is shown, one more cell when only one would be hidden (complementary
suppression), so no hidden cell can be recovered by subtracting the others from the total.
Shares whose numerator or denominator is hidden are hidden with it; medians and percentiles
are not counts and are always shown.
"""

from __future__ import annotations

import math
import re
import statistics
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import distinct, exists, func, select
from sqlalchemy.orm import Session

from hotline.campaigns.models import CampaignClick, CampaignDelivery, DeliveryStatus
from hotline.casework.models import TipCase, TipRecipient
from hotline.kit.errors import CodedError
from hotline.quiz.service import knowledge_rates
from hotline.subscribers.models import Subscriber
from hotline.tips.models import Tip, TipStatus

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
SMALL = 5
SUPPRESSED = "<5"
TARGET_CLASSIFIED = 1.0
TARGET_RESOLUTION = 0.9
# Lào Cai's 2023 plan (22/02/2023, under Quyết định 193/QĐ-TTg): investigation and clearance
# "trên 90% tổng số án khởi tố", 95 % of cases prosecuted, 90 % brought to trial.
TARGET_INVESTIGATION = 0.9
TARGET_PROSECUTION = 0.95
TARGET_TRIAL = 0.9
DIMENSIONS = ("province", "category", "urgency", "channel", "destination")


class PeriodError(CodedError):
    """A period that is not YYYY, YYYY-H1, YYYY-H2 or a range of days (errors.reports)."""

    domain = "reports"


@dataclass(frozen=True)
class Period:
    """A reporting period in local dates: [start, end)."""

    label: str
    start: date
    end: date

    @property
    def start_utc(self) -> datetime:
        """Local midnight of the first day, in UTC."""
        return datetime(self.start.year, self.start.month, self.start.day, tzinfo=TZ).astimezone(
            UTC
        )

    @property
    def end_utc(self) -> datetime:
        """Local midnight after the last day, in UTC."""
        return datetime(self.end.year, self.end.month, self.end.day, tzinfo=TZ).astimezone(UTC)

    @property
    def query(self) -> str:
        """The period as `parse_period` reads it back (first..last day)."""
        return f"{self.start.isoformat()}..{(self.end - timedelta(days=1)).isoformat()}"

    def previous_year(self) -> Period:
        """The same period one year earlier (year-on-year change)."""
        return Period(
            self.label,
            self.start.replace(year=self.start.year - 1),
            self.end.replace(year=self.end.year - 1),
        )


def parse_period(text: str) -> Period:
    """2026-H1 = 01/01–30/06, 2026-H2 = 01/07–31/12, 2026 = 01/01–31/12, or any range
    2025-11-16..2026-05-14 (both days included, for a province's own reporting period)."""
    r = re.fullmatch(r"(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})", text.strip())
    if r:
        try:
            start, last = date.fromisoformat(r.group(1)), date.fromisoformat(r.group(2))
        except ValueError as exc:
            raise PeriodError("invalid_period", period=text) from exc
        if last < start or (last - start).days > 731:
            raise PeriodError("invalid_period", period=text)
        return Period(text.strip(), start, last + timedelta(days=1))
    m = re.fullmatch(r"(\d{4})(?:-(H1|H2))?", text.strip().upper())
    if not m:
        raise PeriodError("invalid_period", period=text)
    year, half = int(m.group(1)), m.group(2)
    if half == "H1":
        return Period(f"{year}-H1", date(year, 1, 1), date(year, 7, 1))
    if half == "H2":
        return Period(f"{year}-H2", date(year, 7, 1), date(year + 1, 1, 1))
    return Period(str(year), date(year, 1, 1), date(year + 1, 1, 1))


def percentile(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile (None for no values)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(1, math.ceil(q * len(ordered))) - 1]


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def _ratio(num: int, den: int) -> float | None:
    return round(num / den, 4) if den else None


def _suppress(counts: dict[str, int], public: bool) -> dict[str, int | str]:
    """A breakdown whose cells add up to a shown total: small cells and their complements."""
    out: dict[str, int | str] = {k: _count(v, public) for k, v in counts.items()}
    hidden = [k for k, v in out.items() if v == SUPPRESSED]
    if public and len(hidden) == 1:
        # One hidden cell = total minus the others: hide the next smallest non-zero cell too.
        shown = sorted((v, k) for k, v in counts.items() if k not in hidden and v > 0)
        if shown:
            out[shown[0][1]] = SUPPRESSED
    return out


def _small(n: int) -> bool:
    """A count that a public figure must not reveal (0 is not: nothing to protect)."""
    return 0 < n < SMALL


def _count(n: int, public: bool) -> int | str:
    return SUPPRESSED if public and _small(n) else n


def _share(num: int, den: int, public: bool) -> float | str | None:
    """num / den; in public, suppressed when either count is small (it would reveal it)."""
    if public and den and (den < SMALL or _small(num)):
        return SUPPRESSED
    return _ratio(num, den)


def _stat(values: list[float], fn: Any, public: bool) -> float | None:
    """A median / percentile: a time, not a count, so shown in public reports too."""
    return _round(fn(values))


def _yoy(current: int, previous: int, public: bool) -> float | str | None:
    """Year-on-year change; in public, suppressed when either year's count is below 5."""
    if not previous:
        return None
    if public and (current < SMALL or previous < SMALL):
        return SUPPRESSED
    return round((current - previous) / previous, 4)


def _quiz_cell(answered: int, correct: int, public: bool) -> dict[str, Any]:
    return {
        "answered": _count(answered, public),
        "correct": _count(correct, public),
        "share_correct": _share(correct, answered, public),
    }


def _quiz(session: Session, period: Period, public: bool) -> dict[str, Any]:
    """Knowledge rates (share of quiz answers correct) by topic, by province and both."""
    rates = knowledge_rates(session, period.start_utc, period.end_utc)
    if not rates:
        return {}
    topics: dict[str, list[int]] = {}
    provinces: dict[str, list[int]] = {}
    total = [0, 0]
    for r in rates:
        for acc in (
            topics.setdefault(r.topic, [0, 0]),
            provinces.setdefault(r.province or "—", [0, 0]),
            total,
        ):
            acc[0] += r.answered
            acc[1] += r.correct
    return {
        "totals": _quiz_cell(total[0], total[1], public),
        "by_topic": {k: _quiz_cell(a, c, public) for k, (a, c) in sorted(topics.items())},
        "by_province": {k: _quiz_cell(a, c, public) for k, (a, c) in sorted(provinces.items())},
        "by_topic_province": [
            {"topic": r.topic, "province": r.province or "—"}
            | _quiz_cell(r.answered, r.correct, public)
            for r in rates
        ],
    }


def _scoped(q: Any, province: str | None, agency: str | None) -> Any:
    """Only one province's tips, or only the tips routed to one agency."""
    if province:
        q = q.where(Tip.province == province)
    if agency:
        q = q.where(
            exists().where(TipRecipient.tip_id == Tip.id, TipRecipient.agency_code == agency)
        )
    return q


def _outcomes(
    session: Session, tip_ids: list[int], agency: str | None, public: bool
) -> dict[str, Any]:
    """The plans' indicators from agencies' outcomes (verification, victims, support, cases)."""
    q = select(TipRecipient).where(
        TipRecipient.tip_id.in_(tip_ids or [-1]), TipRecipient.outcome_at.is_not(None)
    )
    if agency:
        q = q.where(TipRecipient.agency_code == agency)
    by_tip: dict[int, list[TipRecipient]] = {}
    for rec in session.scalars(q):
        by_tip.setdefault(rec.tip_id, []).append(rec)
    verified = confirmed = opened = solved = prosecuted = tried = legal_aid = 0
    identified = children = rescued = supported = 0
    support: Counter[str] = Counter()
    for recs in by_tip.values():
        # Several agencies may report on one tip: a tip counts once, victims at their highest.
        kinds = {k for r in recs for k in (r.support_kinds or [])}
        verdicts = {r.outcome_verified for r in recs if r.outcome_verified}
        verified += bool(verdicts)
        confirmed += "confirmed" in verdicts
        opened += any(r.case_opened for r in recs)
        solved += any(r.case_solved for r in recs)
        prosecuted += any(r.prosecuted for r in recs)
        tried += any(r.tried for r in recs)
        legal_aid += "legal_aid" in kinds
        identified += max((r.victims_identified or 0) for r in recs)
        children += max((r.victims_children or 0) for r in recs)
        rescued += max((r.victims_rescued or 0) for r in recs)
        supported += max((r.victims_supported or 0) for r in recs)
        support.update(kinds)
    with_outcome = len(by_tip)
    return {
        "tips_with_outcome": _count(with_outcome, public),
        "tips_verified": _count(verified, public),
        "tips_confirmed": _count(confirmed, public),
        "verification_rate": _share(verified, len(tip_ids), public),
        "victims_identified": _count(identified, public),
        "child_victims": _count(children, public),
        "victims_rescued": _count(rescued, public),
        "victims_supported": _count(supported, public),
        "support_rate": _share(supported, identified, public),
        "tips_with_legal_aid": _count(legal_aid, public),
        "cases_opened": _count(opened, public),
        "cases_solved": _count(solved, public),
        "cases_prosecuted": _count(prosecuted, public),
        "cases_tried": _count(tried, public),
        # The plans' three rates, each over the cases opened ("tổng số án khởi tố").
        "investigation_rate": _share(solved, opened, public),
        "investigation_rate_target": TARGET_INVESTIGATION,
        "prosecution_rate": _share(prosecuted, opened, public),
        "prosecution_rate_target": TARGET_PROSECUTION,
        "trial_rate": _share(tried, opened, public),
        "trial_rate_target": TARGET_TRIAL,
        "support_kinds": _suppress(dict(support.most_common()), public),
    }


def _campaign_reach(
    session: Session, period: Period, province: str | None, public: bool
) -> dict[str, Any]:
    """Campaign messages the platforms accepted in the period, and the people they reached.

    A province's figure counts the subscribers of that province who are still subscribed
    (an unsubscribe deletes the subscriber, and with it the province of their past sends).
    """
    sent = select(
        func.count(CampaignDelivery.id),
        func.count(distinct(CampaignDelivery.subscriber_id)),
        func.count(distinct(CampaignDelivery.campaign_id)),
    ).where(
        CampaignDelivery.is_test.is_(False),
        CampaignDelivery.status == DeliveryStatus.sent,
        CampaignDelivery.sent_at >= period.start_utc,
        CampaignDelivery.sent_at < period.end_utc,
    )
    if province:
        sent = sent.join(Subscriber, Subscriber.id == CampaignDelivery.subscriber_id).where(
            Subscriber.province == province
        )
    messages, people, campaigns = session.execute(sent).one()
    out: dict[str, Any] = {
        "campaigns_sent": campaigns,
        "messages_delivered": _count(messages, public),
        "people_reached": _count(people, public),
    }
    if not province:  # clicks carry no subscriber, hence no province
        clicks = session.scalar(
            select(func.count(CampaignClick.id)).where(
                CampaignClick.day >= period.start, CampaignClick.day < period.end
            )
        )
        out["clicks"] = _count(int(clicks or 0), public)
        out["click_rate"] = _share(int(clicks or 0), messages, public)
    return out


def build_report(
    session: Session,
    period: Period,
    now: datetime | None = None,
    public: bool = False,
    province: str | None = None,
    agency: str | None = None,
) -> dict[str, Any]:
    """Every figure of the report for `period`, nationally, for a province or an agency."""
    now = now or datetime.now(UTC)
    rows: list[tuple[Tip, TipCase | None]] = session.execute(  # type: ignore[assignment]
        _scoped(
            select(Tip, TipCase)
            .outerjoin(TipCase, TipCase.tip_id == Tip.id)
            .where(Tip.created_at >= period.start_utc, Tip.created_at < period.end_utc),
            province,
            agency,
        )
    ).all()
    received = len(rows)
    prev = period.previous_year()
    prev_count = len(
        session.scalars(
            _scoped(
                select(Tip.id).where(
                    Tip.created_at >= prev.start_utc, Tip.created_at < prev.end_utc
                ),
                province,
                agency,
            )
        ).all()
    )
    classified = resolved = sla_met = sla_due = 0
    triage_min: list[float] = []
    resolve_h: list[float] = []
    by: dict[str, Counter[str]] = {d: Counter() for d in DIMENSIONS}
    by_month: Counter[str] = Counter()
    resolutions: Counter[str] = Counter()
    for tip, case in rows:
        by["province"][tip.province or "—"] += 1
        by["category"][tip.tactic or "—"] += 1
        by["urgency"][tip.urgency] += 1
        by["channel"][tip.channel] += 1
        by["destination"][tip.destination_country or "—"] += 1
        by_month[tip.created_at.astimezone(TZ).strftime("%Y-%m")] += 1
        triaged_at = case.triaged_at if case else None
        if triaged_at is not None or tip.status != TipStatus.NEW:
            classified += 1
        if triaged_at is not None:
            triage_min.append((triaged_at - tip.created_at).total_seconds() / 60)
        if tip.status in (TipStatus.RESOLVED, TipStatus.CLOSED):
            resolved += 1
            resolutions[tip.resolution or "—"] += 1
            if case and case.resolved_at:
                resolve_h.append((case.resolved_at - tip.created_at).total_seconds() / 3600)
        if case is not None:
            if triaged_at is not None:
                sla_due += 1
                sla_met += triaged_at <= case.sla_due_at
            elif case.sla_due_at < now:
                sla_due += 1
    return {
        "period": {
            "label": period.label,
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
        },
        "public": public,
        "scope": {"province": province, "agency": agency},
        "totals": {
            "received": _count(received, public),
            "classified": _count(classified, public),
            "resolved": _count(resolved, public),
        },
        "by_month": _suppress(dict(sorted(by_month.items())), public),
        "by": {d: _suppress(dict(c.most_common()), public) for d, c in by.items()},
        "resolutions": _suppress(dict(resolutions.most_common()), public),
        "timings": {
            "triage_minutes_median": _stat(triage_min, _median, public),
            "triage_minutes_p90": _stat(triage_min, lambda v: percentile(v, 0.9), public),
            "resolution_hours_median": _stat(resolve_h, _median, public),
            "resolution_hours_p90": _stat(resolve_h, lambda v: percentile(v, 0.9), public),
        },
        "sla": {
            "due": _count(sla_due, public),
            "met": _count(sla_met, public),
            "compliance": _share(sla_met, sla_due, public),
        },
        "indicators": {
            "share_classified": _share(classified, received, public),
            "share_classified_target": TARGET_CLASSIFIED,
            "resolution_rate": _share(resolved, received, public),
            "resolution_rate_target": TARGET_RESOLUTION,
            "received_previous_year": _count(prev_count, public),
            "year_on_year_change": _yoy(received, prev_count, public),
        },
        "outcomes": _outcomes(session, [t.id for t, _ in rows], agency, public),
        "campaigns": _campaign_reach(session, period, province, public) if not agency else {},
        "quiz": _quiz(session, period, public) if not agency else {},
    }


def _round(v: float | None) -> float | None:
    return None if v is None else round(v, 2)
