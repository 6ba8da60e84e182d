"""Reports per province and per agency, outcome indicators, deadlines, and public suppression
that no subtraction undoes (issue 19)."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from hotline.agencies import service as agencies
from hotline.campaigns.models import CampaignClick, CampaignDelivery, DeliveryStatus
from hotline.casework import service as casework
from hotline.db.session import unit_of_work
from hotline.reports import deadlines, export
from hotline.reports.service import SUPPRESSED, build_report, parse_period
from hotline.subscribers.models import Subscriber
from hotline.tips.models import Tip
from tests.campaigns.conftest import add_subscribers, approved_campaign
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
    # Rates stay shown unless they would give a hidden count back (rate x shown denominator).
    shown = []
    for (section, rate), (num, den) in RATE_PARTS.items():
        value = r[section][rate]
        if isinstance(value, float):
            shown.append(rate)
            assert isinstance(_figure(r, num), int) and isinstance(_figure(r, den), int), rate
    assert "share_classified" in shown and "resolution_rate" in shown


#: Each rate of the report and the (section, key) counts it is the ratio of.
RATE_PARTS = {
    ("indicators", "share_classified"): ("totals.classified", "totals.received"),
    ("indicators", "resolution_rate"): ("totals.resolved", "totals.received"),
    ("sla", "compliance"): ("sla.met", "sla.due"),
    ("outcomes", "verification_rate"): ("outcomes.tips_verified", "totals.received"),
    ("outcomes", "support_rate"): ("outcomes.victims_supported", "outcomes.victims_identified"),
    ("outcomes", "investigation_rate"): ("outcomes.cases_solved", "outcomes.cases_opened"),
    ("outcomes", "prosecution_rate"): ("outcomes.cases_prosecuted", "outcomes.cases_opened"),
    ("outcomes", "trial_rate"): ("outcomes.cases_tried", "outcomes.cases_opened"),
}


def _figure(r: dict[str, Any], path: str) -> Any:
    section, key = path.split(".")
    return r[section][key]


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


def test_investigation_prosecution_trial_rates_and_campaign_reach(client, hotline_rt) -> None:  # type: ignore[no-untyped-def]
    """The plans' three rates over the cases opened, with targets; campaign reach per period."""
    _seed(hotline_rt)  # tip 0: opened and prosecuted by the Border Guard
    with unit_of_work(hotline_rt.sessions) as s:
        tips = [
            t.id for t in s.scalars(select(Tip).where(Tip.province == "Lào Cai").order_by(Tip.id))
        ]
        police = "lao-cai-police"
        for n, outcome in (
            (2, casework.Outcome(case_opened=True, case_solved=True)),
            (3, casework.Outcome(case_opened=True)),
            (4, casework.Outcome(case_solved=True, tried=True)),  # implies opened, prosecuted
        ):
            casework.record_outcome(s, s.get(Tip, tips[n]), police, "ca", outcome)
        with pytest.raises(casework.CaseError):
            casework.record_outcome(
                s, s.get(Tip, tips[5]), police, "ca", casework.Outcome(prosecuted=False, tried=True)
            )
    chats = add_subscribers(hotline_rt, 2, province="Lào Cai")
    add_subscribers(hotline_rt, 1, start=50, province="Huế")
    campaign_id = approved_campaign(hotline_rt)
    with unit_of_work(hotline_rt.sessions) as s:
        ids = list(s.scalars(select(Subscriber.id).order_by(Subscriber.id)))
        sent_at = at("2026-03-10T08:00+07:00")
        for sub_id, status, is_test in [
            *((i, DeliveryStatus.sent, False) for i in ids),
            (ids[0], DeliveryStatus.sent, True),  # a test send is not reach
            (ids[1], DeliveryStatus.failed, False),
        ]:
            s.add(
                CampaignDelivery(
                    campaign_id=campaign_id,
                    subscriber_id=sub_id if not is_test else -1,
                    occurrence="x" if status == DeliveryStatus.sent and not is_test else "y",
                    channel="telegram",
                    is_test=is_test,
                    status=status,
                    sent_at=sent_at,
                )
            )
        s.add(CampaignClick(campaign_id=campaign_id, day=date(2026, 3, 10), kind="quiz"))
    assert len(chats) == 2
    with unit_of_work(hotline_rt.sessions) as s:
        national = build_report(s, PERIOD)
        province = build_report(s, PERIOD, province="Lào Cai")
        agency = build_report(s, PERIOD, agency=police)
        public = build_report(s, PERIOD, public=True)
    o = province["outcomes"]
    # Opened 4 (tips 0, 2, 3, 4), cleared 2 (2, 4), prosecuted 2 (0, 4), tried 1 (4).
    assert (o["cases_opened"], o["cases_solved"], o["cases_prosecuted"], o["cases_tried"]) == (
        4,
        2,
        2,
        1,
    )
    assert (o["investigation_rate"], o["prosecution_rate"], o["trial_rate"]) == (0.5, 0.5, 0.25)
    assert (
        o["investigation_rate_target"],
        o["prosecution_rate_target"],
        o["trial_rate_target"],
    ) == (0.9, 0.95, 0.9)
    assert national["campaigns"] == {
        "campaigns_sent": 1,
        "messages_delivered": 3,
        "people_reached": 3,
        "clicks": 1,
        "click_rate": 0.3333,
    }
    assert province["campaigns"] == {
        "campaigns_sent": 1,
        "messages_delivered": 2,
        "people_reached": 2,
    }
    assert agency["campaigns"] == {}
    assert public["campaigns"]["people_reached"] == SUPPRESSED
    # The workbook draws the rates beside their targets.
    wb = load_workbook(io.BytesIO(export.to_xlsx(province)))
    rows = list(wb["Chi tieu"].iter_rows(values_only=True))
    assert ("Tỷ lệ điều tra, khám phá trên số vụ khởi tố", 50.0, 90.0) in rows
    assert len(wb["Chi tieu"]._charts) == 1
    labels = [row[0] for row in wb["Tong hop"].iter_rows(values_only=True)]
    assert "Số người nhận được tin" in labels
    # The console draws the same rates (server-side SVG, a target mark each) and names values.
    with unit_of_work(hotline_rt.sessions) as s:
        make_user(s, "sup", "supervisor")
    c, _, _ = sign_in(client.app, "sup")
    page = c.get("/console/reports", params={"period": "2026-H1", "province": "Lào Cai"}).text
    assert 'id="chart-rates"' in page and page.count('class="target"') == 5
    assert "Tỷ lệ điều tra, khám phá trên số vụ khởi tố" in page and ">50.0%<" in page
    assert "Trò chuyện trên web" in page and ">webchat<" not in page
    assert "Tiếp cận của chiến dịch truyền thông" in page and "Số người nhận được tin" in page
    assert "<script" not in page.split('id="chart-rates"')[1].split("</svg>")[0]
    # The downloaded workbook names the breakdowns' values in Vietnamese too.
    xlsx = c.get(
        "/console/reports/export",
        params={"period": "2026-H1", "province": "Lào Cai", "format": "xlsx"},
    )
    wb = load_workbook(io.BytesIO(xlsx.content))
    channels = [row[0] for row in wb["Theo kenh"].iter_rows(min_row=2, values_only=True)]
    assert channels == ["Trò chuyện trên web", "Telegram"]
    support = [row[0] for row in wb["Ho tro nan nhan"].iter_rows(min_row=2, values_only=True)]
    assert sorted(support) == ["Trợ giúp pháp lý", "Y tế"]
