"""A half-year of seeded tips with fixed dates, reported and checked against figures by hand."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest
from openpyxl import load_workbook

from hotline.casework import service as casework
from hotline.db.session import unit_of_work
from hotline.reports import export
from hotline.reports.service import PeriodError, build_report, parse_period, percentile
from tests.hotline.factories import at, make_tip

H, M = timedelta(hours=1), timedelta(minutes=1)
# created (local time), urgency, province, tactic, channel, triaged after, resolved after, end
SEED = [
    (
        "2026-01-10T09:00+07:00",
        "crisis",
        "Lào Cai",
        "scam_compound",
        "telegram",
        30 * M,
        10 * H,
        "confirmed",
    ),
    (
        "2026-01-20T10:00+07:00",
        "normal",
        "Hà Nội",
        "job_offer",
        "webchat",
        2 * H,
        48 * H,
        "unfounded",
    ),
    (
        "2026-02-05T08:00+07:00",
        "crisis",
        "An Giang",
        "scam_compound",
        "zalo",
        90 * M,
        20 * H,
        "confirmed",
    ),
    ("2026-03-15T12:00+07:00", "high", "Hà Nội", "marriage", "telegram", 30 * H, None, None),
    (
        "2026-04-01T12:00+07:00",
        "normal",
        "Huế",
        "job_offer",
        "webchat",
        60 * M,
        100 * H,
        "duplicate",
    ),
    ("2026-06-30T23:30+07:00", "normal", None, None, "webchat", None, None, None),
    # Outside 2026-H1: 01/07 local time (still 30/06 in UTC), and the year before.
    ("2026-07-01T00:30+07:00", "normal", "Huế", None, "webchat", None, None, None),
    ("2025-03-01T10:00+07:00", "normal", "Huế", None, "webchat", None, None, None),
    ("2025-05-01T10:00+07:00", "normal", "Huế", None, "webchat", None, None, None),
    ("2025-12-31T23:00+07:00", "normal", "Huế", None, "webchat", None, None, None),
]


@pytest.fixture
def seeded(hotline_rt):  # type: ignore[no-untyped-def]
    settings = hotline_rt.settings
    with unit_of_work(hotline_rt.sessions) as s:
        for created, urgency, province, tactic, channel, triaged, resolved, end in SEED:
            tip = make_tip(
                s,
                hotline_rt.cipher,
                created_at=at(created),
                urgency=urgency,
                province=province,
                tactic=tactic,
                channel=channel,
            )
            case = casework.get_case(s, settings, tip)
            if triaged is not None:
                case.triaged_at = tip.created_at + triaged
                tip.status = "in_progress"
            if resolved is not None:
                case.resolved_at = tip.created_at + resolved
                tip.status, tip.resolution = "resolved", end
    return hotline_rt


def test_half_year_figures_match_hand_computation(seeded) -> None:  # type: ignore[no-untyped-def]
    with unit_of_work(seeded.sessions) as s:
        r = build_report(s, parse_period("2026-H1"), now=at("2026-07-15T00:00+07:00"))
    assert r["period"] == {"label": "2026-H1", "start": "2026-01-01", "end": "2026-07-01"}
    assert r["totals"] == {"received": 6, "classified": 5, "resolved": 4}
    assert r["indicators"]["share_classified"] == round(5 / 6, 4)
    assert r["indicators"]["resolution_rate"] == round(4 / 6, 4)
    # 6 this half-year against 2 in 2025-H1 (the 31/12/2025 tip is in H2): +200 %.
    assert r["indicators"]["received_previous_year"] == 2
    assert r["indicators"]["year_on_year_change"] == 2.0
    # Triage minutes 30, 120, 90, 1800, 60 -> sorted 30 60 90 120 1800: median 90, p90 1800.
    assert r["timings"]["triage_minutes_median"] == 90
    assert r["timings"]["triage_minutes_p90"] == 1800
    # Resolution hours 10, 48, 20, 100 -> median (20 + 48) / 2 = 34, p90 = 4th of 4 = 100.
    assert r["timings"]["resolution_hours_median"] == 34
    assert r["timings"]["resolution_hours_p90"] == 100
    # SLA: 1 h crisis / 24 h others. Met: #1 (30 min), #2 (2 h), #5 (1 h). Missed: #3 (90 min
    # crisis), #4 (30 h), #6 (never triaged, deadline passed). 3 of 6.
    assert r["sla"] == {"due": 6, "met": 3, "compliance": 0.5}
    assert r["by"]["urgency"] == {"normal": 3, "crisis": 2, "high": 1}
    assert r["by"]["province"]["Hà Nội"] == 2 and r["by"]["province"]["—"] == 1
    assert r["by"]["channel"] == {"webchat": 3, "telegram": 2, "zalo": 1}
    assert r["by"]["category"]["scam_compound"] == 2
    assert r["by_month"] == {"2026-01": 2, "2026-02": 1, "2026-03": 1, "2026-04": 1, "2026-06": 1}
    assert r["resolutions"] == {"confirmed": 2, "unfounded": 1, "duplicate": 1}


def test_public_report_suppresses_small_counts(seeded) -> None:  # type: ignore[no-untyped-def]
    with unit_of_work(seeded.sessions) as s:
        r = build_report(s, parse_period("2026-H1"), public=True)
    assert r["totals"] == {"received": 6, "classified": 5, "resolved": "<5"}
    assert set(r["by"]["urgency"].values()) == {"<5"}
    assert r["indicators"]["received_previous_year"] == "<5"


def test_exports(seeded) -> None:  # type: ignore[no-untyped-def]
    with unit_of_work(seeded.sessions) as s:
        r = build_report(s, parse_period("2026"), now=at("2027-01-02T00:00+07:00"))
    assert r["totals"]["received"] == 7
    assert json.loads(export.to_json(r))["totals"]["received"] == 7
    rows = list(csv.reader(io.StringIO(export.to_csv(r).decode("utf-8-sig"))))
    assert ["totals", "received", "7"] in rows
    wb = load_workbook(io.BytesIO(export.to_xlsx(r)))
    assert wb["Tong hop"]["B1"].value == "2026"
    assert len(wb["Theo thang"]._charts) == 1


def test_periods_and_percentiles() -> None:
    assert parse_period("2026-h2").start.isoformat() == "2026-07-01"
    assert parse_period("2026").end.isoformat() == "2027-01-01"
    with pytest.raises(PeriodError):
        parse_period("2026-Q1")
    assert percentile([], 0.9) is None
    assert percentile([5.0], 0.9) == 5.0
    assert percentile([float(i) for i in range(1, 11)], 0.9) == 9.0
