"""Public reports hide counts below 5 and every figure derived from one (hand-checked)."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from hotline.casework import service as casework
from hotline.db.session import unit_of_work
from hotline.reports import export
from hotline.reports.service import build_report, parse_period
from tests.hotline.factories import at, make_tip
from tests.hotline.test_reports import SEED

NOW = at("2027-01-02T00:00+07:00")


@pytest.fixture
def seeded(hotline_rt):  # type: ignore[no-untyped-def]
    """The half-year of tests/hotline/test_reports.py, plus 8 tips in 2023-H1, 3 in 2022-H1."""
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
        for year, n in ((2023, 8), (2022, 3)):
            for i in range(n):
                make_tip(
                    s,
                    hotline_rt.cipher,
                    created_at=at(f"{year}-02-{i + 1:02d}T10:00+07:00"),
                    urgency="normal",
                    province="Huế",
                    channel="webchat",
                )
    return hotline_rt


def report(rt: Any, period: str, public: bool) -> dict[str, Any]:
    """A report as of NOW."""
    with unit_of_work(rt.sessions) as s:
        return build_report(s, parse_period(period), now=NOW, public=public)


def small_counts(node: Any, path: str = "") -> list[str]:
    """Paths of integers 1..4 anywhere in a report (targets are floats, flags are bools)."""
    if isinstance(node, dict):
        return [p for k, v in node.items() for p in small_counts(v, f"{path}.{k}")]
    if isinstance(node, list):
        return [p for i, v in enumerate(node) for p in small_counts(v, f"{path}.{i}")]
    if isinstance(node, int) and not isinstance(node, bool) and 0 < node < 5:
        return [path]
    return []


def test_public_half_year_hides_small_and_derived_figures(seeded) -> None:  # type: ignore[no-untyped-def]
    r = report(seeded, "2026-H1", public=True)
    assert small_counts(r) == []
    # 6 received, 5 classified, 4 resolved (see test_reports.py for the hand computation).
    assert r["totals"] == {"received": 6, "classified": 5, "resolved": "<5"}
    ind = r["indicators"]
    assert ind["share_classified"] == round(5 / 6, 4)  # 5 and 6: both may be shown
    assert ind["resolution_rate"] == "<5"  # 4 resolved would follow from 4/6
    # 6 against 2 the year before: the change (+200 %) would reveal the 2.
    assert ind["received_previous_year"] == "<5" and ind["year_on_year_change"] == "<5"
    # Medians and percentiles are times, not counts: shown whatever the number of tips.
    assert r["timings"]["triage_minutes_median"] == 90
    assert r["timings"]["triage_minutes_p90"] == 1800
    assert r["timings"]["resolution_hours_median"] == 34
    # SLA: 3 met of 6 due: the count and the compliance share are hidden.
    assert r["sla"] == {"due": 6, "met": "<5", "compliance": "<5"}
    assert set(r["by_month"].values()) == {"<5"}
    assert set(r["resolutions"].values()) == {"<5"}
    # The same data, not public: everything shown.
    full = report(seeded, "2026-H1", public=False)
    assert full["indicators"]["year_on_year_change"] == 2.0
    assert full["timings"]["resolution_hours_median"] == 34
    assert full["sla"]["compliance"] == 0.5


def test_year_on_year_shown_only_when_both_years_have_five(seeded) -> None:  # type: ignore[no-untyped-def]
    # 2023-H1 has 8, 2022-H1 has 3: hidden in public, +166.67 % otherwise.
    assert report(seeded, "2023-H1", public=True)["indicators"]["year_on_year_change"] == "<5"
    assert report(seeded, "2023-H1", public=False)["indicators"]["year_on_year_change"] == (
        round((8 - 3) / 3, 4)
    )
    # 2024-H1 has 0 against 8 in 2023-H1: either year below 5 hides the change.
    r = report(seeded, "2024-H1", public=True)
    assert r["indicators"]["received_previous_year"] == 8
    assert r["indicators"]["year_on_year_change"] == "<5"  # this year's 0 is below 5


def test_public_exports_carry_no_small_counts(seeded) -> None:  # type: ignore[no-untyped-def]
    r = report(seeded, "2026-H1", public=True)
    rows = list(csv.reader(io.StringIO(export.to_csv(r).decode("utf-8-sig"))))
    assert ["indicators", "resolution_rate", "<5"] in rows
    assert ["timings", "resolution_hours_median", "<5"] not in rows
    assert not [row for row in rows[1:] if row[2] in {"1", "2", "3", "4"}]
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(export.to_xlsx(r)))
    for ws in wb.worksheets:
        for row in ws.iter_rows(values_only=True):
            # The plans' targets (100 %, 90 %): the key is in column C beside the label.
            if any(str(c).endswith("_target") for c in row):
                continue
            assert not [v for v in row if isinstance(v, int) and 0 < v < 5], (ws.title, row)
