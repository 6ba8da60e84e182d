"""Quiz knowledge rates in the report (page, XLSX, CSV, JSON, CLI), checked by hand."""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Any

import pytest
from openpyxl import load_workbook

from hotline.db.session import unit_of_work
from hotline.quiz.models import QuizResult
from hotline.reports import export
from hotline.reports.service import build_report, parse_period
from tests.hotline.factories import PASSWORD, at, make_user

# (topic, province, answered, correct) inside 2026-H1
CELLS = [
    ("fake_jobs", "Lào Cai", 6, 4),
    ("fake_jobs", "Hà Nội", 4, 4),
    ("scam_compounds", "Lào Cai", 5, 1),
    ("scam_compounds", None, 10, 8),
]
# Hand-computed: by topic fake_jobs 8/10, scam_compounds 9/15; by province Lào Cai 5/11,
# Hà Nội 4/4, not given 8/10; all 17/25.
BY_TOPIC = {
    "fake_jobs": {"answered": 10, "correct": 8, "share_correct": 0.8},
    "scam_compounds": {"answered": 15, "correct": 9, "share_correct": 0.6},
}
BY_PROVINCE = {
    "Hà Nội": {"answered": 4, "correct": 4, "share_correct": 1.0},
    "Lào Cai": {"answered": 11, "correct": 5, "share_correct": 0.4545},
    "—": {"answered": 10, "correct": 8, "share_correct": 0.8},
}


@pytest.fixture
def quizzed(hotline_rt):  # type: ignore[no-untyped-def]
    with unit_of_work(hotline_rt.sessions) as s:
        n = 0
        for topic, province, answered, correct in CELLS:
            for i in range(answered):
                n += 1
                s.add(
                    QuizResult(
                        created_at=at(f"2026-03-{1 + n % 28:02d}T10:00+07:00"),
                        round_id=f"r{n}",
                        topic=topic,
                        question_id=f"q{i}",
                        correct=i < correct,
                        channel="telegram",
                        province=province,
                    )
                )
        # Just outside 2026-H1 in local time (inside it in UTC): must not count.
        for when in ("2025-12-31T23:30+07:00", "2026-07-01T00:30+07:00"):
            s.add(
                QuizResult(
                    created_at=at(when),
                    round_id="edge",
                    topic="fake_jobs",
                    question_id="q",
                    correct=False,
                    channel="webchat",
                    province="Lào Cai",
                )
            )
    return hotline_rt


def report(rt: Any, public: bool = False) -> dict[str, Any]:
    """The 2026-H1 report."""
    with unit_of_work(rt.sessions) as s:
        return build_report(s, parse_period("2026-H1"), public=public)


def test_quiz_rates_match_hand_computation(quizzed) -> None:  # type: ignore[no-untyped-def]
    q = report(quizzed)["quiz"]
    assert q["totals"] == {"answered": 25, "correct": 17, "share_correct": 0.68}
    assert q["by_topic"] == BY_TOPIC
    assert q["by_province"] == BY_PROVINCE
    cells = {(r["topic"], r["province"]): r for r in q["by_topic_province"]}
    assert cells[("fake_jobs", "Lào Cai")]["share_correct"] == round(4 / 6, 4)
    assert cells[("scam_compounds", "—")] == {
        "topic": "scam_compounds",
        "province": "—",
        "answered": 10,
        "correct": 8,
        "share_correct": 0.8,
    }
    assert len(cells) == 4


def test_public_quiz_rates_suppress_small_cells(quizzed) -> None:  # type: ignore[no-untyped-def]
    q = report(quizzed, public=True)["quiz"]
    assert q["by_topic"] == BY_TOPIC  # every count is 5 or more
    assert q["by_province"]["Hà Nội"] == {"answered": "<5", "correct": "<5", "share_correct": "<5"}
    # 1 correct of 5: the share would reveal the small numerator.
    cells = {(r["topic"], r["province"]): r for r in q["by_topic_province"]}
    assert cells[("scam_compounds", "Lào Cai")]["share_correct"] == "<5"
    assert cells[("fake_jobs", "Lào Cai")]["correct"] == "<5"
    assert cells[("scam_compounds", "—")]["share_correct"] == 0.8


def test_quiz_in_exports(quizzed) -> None:  # type: ignore[no-untyped-def]
    r = report(quizzed)
    assert json.loads(export.to_json(r))["quiz"]["by_topic"] == BY_TOPIC
    rows = list(csv.reader(io.StringIO(export.to_csv(r).decode("utf-8-sig"))))
    assert ["quiz", "by_topic.fake_jobs.share_correct", "0.8"] in rows
    assert ["quiz", "by_province.Lào Cai.answered", "11"] in rows
    wb = load_workbook(io.BytesIO(export.to_xlsx(r)))
    sheet = [[v for v in row if v is not None] for row in wb["Quiz"].iter_rows(values_only=True)]
    assert ["fake_jobs", 10, 8, 0.8] in sheet and ["scam_compounds", 15, 9, 0.6] in sheet
    assert ["Lào Cai", 11, 5, 0.4545] in sheet and ["Tổng", 25, 17, 0.68] in sheet
    assert ["Chủ đề", "Số câu trả lời", "Số câu đúng", "Tỷ lệ đúng"] in sheet
    assert len(wb["Quiz"]._charts) == 1


def test_quiz_on_console_page_and_exports(client, quizzed) -> None:  # type: ignore[no-untyped-def]
    with unit_of_work(quizzed.sessions) as s:
        make_user(s, "sup", "supervisor")
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/console/login").text)
    client.post(
        "/console/login",
        data={"username": "sup", "password": PASSWORD, "csrf_token": token.group(1)},
    )
    page = client.get("/console/reports?period=2026-H1").text
    topic_table = page.split('id="quiz-by-topic"', 1)[1].split("</table>", 1)[0]
    assert re.search(r"fake_jobs</td><td>10</td><td>80\.0%", topic_table)
    province_table = page.split('id="quiz-by-province"', 1)[1].split("</table>", 1)[0]
    assert re.search(r"Lào Cai</td><td>11</td><td>45\.5%", province_table)
    data = client.get("/console/reports/export?period=2026-H1&format=json").json()
    assert data["quiz"]["by_topic"] == BY_TOPIC
    public = client.get("/console/reports/export?period=2026-H1&format=json&public=1").json()
    assert public["quiz"]["by_province"]["Hà Nội"]["answered"] == "<5"
    xlsx = client.get("/console/reports/export?period=2026-H1&format=xlsx").content
    assert "Quiz" in load_workbook(io.BytesIO(xlsx)).sheetnames


def test_quiz_in_cli_report(quizzed, db_url: str, keys: dict[str, str], monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from bot.cli import app
    from hotline.config import get_settings

    monkeypatch.setenv("CANHGIAC_DATABASE_URL", db_url)
    monkeypatch.setenv("CANHGIAC_SECRET_KEY", keys["secret"])
    monkeypatch.setenv("CANHGIAC_DATA_KEY", keys["data"])
    get_settings.cache_clear()
    try:
        out = CliRunner().invoke(app, ["report", "--period", "2026-H1", "--format", "json"])
        assert out.exit_code == 0, out.output
        assert json.loads(out.output)["quiz"]["by_province"] == BY_PROVINCE
        out = CliRunner().invoke(app, ["report", "--period", "2026-H1", "--format", "csv"])
        assert "quiz,by_topic.scam_compounds.share_correct,0.6" in out.output
        # A refused period is worded in both languages (the command line has no user language).
        out = CliRunner().invoke(app, ["report", "--period", "2026-H3"])
        assert out.exit_code != 0
        said = str(out.exception)  # bot.cli.main prints it as "Lỗi / error: …"
        assert "Kỳ không hợp lệ: 2026-H3" in said and "Invalid period: 2026-H3" in said
    finally:
        get_settings.cache_clear()
