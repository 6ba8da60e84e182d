"""Reports per province and per agency, outcome indicators, deadlines, and public suppression
that no subtraction undoes (issue 19)."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from openpyxl import load_workbook

from hotline.agencies import service as agencies
from hotline.casework import service as casework
from hotline.db.session import unit_of_work
from hotline.reports import deadlines, export
from hotline.reports.service import SUPPRESSED, build_report, parse_period
from tests.hotline.factories import at, make_tip, make_user, sign_in

PERIOD = parse_period("2026-H1")


def _seed(rt: Any) -> None:  # type: ignore[no-untyped-def]
    """8 tips in Lào Cai (7 web chat, 1 Telegram) and 2 in Huế; outcomes on two Lào Cai tips."""
    with unit_of_work(rt.sessions) as s:
        agencies.ensure_imported(s, rt.settings.content_dir)
        laocai = []
        for i in range(8):
            tip = make_tip(
                s,
                rt.cipher,
                created_at=at(f"2026-03-{i + 1:02d}T10:00+07:00"),
                province="Lào Cai",
                channel="telegram" if i == 0 else "webchat",
                crosses_border=True,
                destination_country="Trung Quốc",
            )
            casework.route_tip(s, rt.settings, tip)
            laocai.append(tip)
        for i in range(2):
            tip = make_tip(
                s, rt.cipher, created_at=at(f"2026-04-0{i + 1}T10:00+07:00"), province="Huế"
            )
            casework.route_tip(s, rt.settings, tip)
        casework.record_outcome(
            s,
            laocai[0],
            "lao-cai-border-guard",
            "bp",
            casework.Outcome("confirmed", 3, 1, 2, 3, ("medical", "legal_aid"), True, True),
        )
        # The police report on the same tip: the tip counts once, victims at the highest.
        casework.record_outcome(
            s, laocai[0], "lao-cai-police", "ca", casework.Outcome("confirmed", 2, 0, 0, 0)
        )
        casework.record_outcome(
            s, laocai[1], "lao-cai-police", "ca", casework.Outcome("unfounded", 0)
        )


def _groups(r: dict[str, Any]) -> list[tuple[Any, dict[str, Any]]]:
    """(shown total, cells) of every breakdown that adds up to a total in the report."""
    received = r["totals"]["received"]
    out = [(received, r["by_month"])] + [(received, cells) for cells in r["by"].values()]
    return [*out, (r["totals"]["resolved"], r["resolutions"])]


def _recoverable(total: Any, cells: dict[str, Any]) -> list[str]:
    """Hidden cells that total minus the shown cells (or a pair's sum) would give back."""
    if not isinstance(total, int):
        return []
    hidden = [k for k, v in cells.items() if v == SUPPRESSED]
    known = sum(v for v in cells.values() if isinstance(v, int))
    return hidden if len(hidden) == 1 and total - known >= 0 else []


def test_public_breakdowns_cannot_be_undone_by_subtraction(hotline_rt) -> None:  # type: ignore[no-untyped-def]
    _seed(hotline_rt)
    with unit_of_work(hotline_rt.sessions) as s:
        r = build_report(s, PERIOD, public=True)
        full = build_report(s, PERIOD)
    assert full["by"]["channel"] == {"webchat": 9, "telegram": 1}
    # Telegram's 1 is hidden, and so is web chat's 9: otherwise 10 - 9 gives the 1 back.
    assert r["by"]["channel"] == {"webchat": SUPPRESSED, "telegram": SUPPRESSED}
    assert r["by"]["province"] == {"Lào Cai": 8, "Huế": SUPPRESSED} or r["by"]["province"] == {
        "Lào Cai": SUPPRESSED,
        "Huế": SUPPRESSED,
    }
    for total, cells in _groups(r):
        assert _recoverable(total, cells) == [], cells
        # A breakdown never hides exactly one cell: a lone hidden cell is the total's remainder.
        assert len([k for k, v in cells.items() if v == SUPPRESSED]) != 1
    # Times are not counts: shown even from few tips.
    assert r["timings"] == full["timings"]


def test_province_and_agency_reports_with_outcome_indicators(client, hotline_rt) -> None:  # type: ignore[no-untyped-def]
    _seed(hotline_rt)
    with unit_of_work(hotline_rt.sessions) as s:
        province = build_report(s, PERIOD, province="Lào Cai")
        agency = build_report(s, PERIOD, agency="lao-cai-border-guard")
        hue = build_report(s, PERIOD, province="Huế")
    assert province["totals"]["received"] == 8 and hue["totals"]["received"] == 2
    assert province["by"]["destination"] == {"Trung Quốc": 8}
    o = province["outcomes"]
    assert (o["tips_with_outcome"], o["tips_verified"], o["tips_confirmed"]) == (2, 2, 1)
    assert (o["victims_identified"], o["child_victims"], o["victims_supported"]) == (3, 1, 3)
    assert (o["cases_opened"], o["cases_prosecuted"], o["tips_with_legal_aid"]) == (1, 1, 1)
    assert o["verification_rate"] == 0.25 and o["support_rate"] == 1.0
    wb = load_workbook(io.BytesIO(export.to_xlsx(province)))
    labels = [row[0] for row in wb["Tong hop"].iter_rows(values_only=True)]
    assert "Nạn nhân được xác định" in labels and "Tỷ lệ truy tố trên số vụ khởi tố" in labels
    assert len(wb["Theo noi den"]._charts) == 1 and len(wb["Ho tro nan nhan"]._charts) == 1
    # The Border Guard's own report: its tips, its outcomes only.
    assert agency["totals"]["received"] == 8
    assert agency["outcomes"]["tips_with_outcome"] == 1
    assert hue["outcomes"]["victims_identified"] == 0
    with unit_of_work(hotline_rt.sessions) as s:
        make_user(s, "sup", "supervisor")
    c, _, bearer = sign_in(client.app, "sup")
    auth = {"Authorization": f"Bearer {bearer}"}
    api = c.get("/api/v1/reports/2026-H1", params={"province": "Lào Cai"}, headers=auth)
    assert api.status_code == 200 and api.json()["scope"]["province"] == "Lào Cai"
    bad = c.get("/api/v1/reports/2026-H1", params={"agency": "no-such"}, headers=auth)
    assert bad.status_code == 422
    page = c.get("/console/reports", params={"period": "2026-H1", "province": "Lào Cai"}).text
    assert "Nạn nhân được xác định" in page and "Tỷ lệ truy tố trên số vụ khởi tố" in page
    assert "Theo nơi đến" in page and "victims_identified" not in page


def test_dong_nai_reports_fall_due_on_15_05_and_15_11(hotline_rt) -> None:  # type: ignore[no-untyped-def]
    content = hotline_rt.settings.content_dir
    due = deadlines.upcoming(content, "Đồng Nai", date(2026, 4, 1))
    assert [(d.due, d.period.start, d.period.end) for d in due] == [
        (date(2026, 5, 15), date(2025, 11, 16), date(2026, 5, 15)),
        (date(2026, 11, 15), date(2025, 11, 16), date(2026, 11, 15)),
    ]
    # The period reads back through the report's own parser (the console links to it).
    back = parse_period(due[0].period.query)
    assert (back.start, back.end) == (due[0].period.start, due[0].period.end)
    # Other provinces keep the default schedule.
    assert deadlines.upcoming(content, "Huế", date(2026, 4, 1))[0].due == date(2026, 7, 15)
