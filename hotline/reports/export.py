"""Report exports: JSON, CSV (section,key,value) and XLSX with a chart."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference


def flatten(report: dict[str, Any]) -> list[tuple[str, str, Any]]:
    """(section, key, value) rows of every figure."""
    out: list[tuple[str, str, Any]] = []

    def walk(prefix: str, node: Any) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                walk(f"{prefix}.{k}" if prefix else str(k), v)
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(f"{prefix}.{i}", v)
        else:
            section, _, key = prefix.partition(".")
            out.append((section, key, node))

    walk("", report)
    return out


def to_json(report: dict[str, Any]) -> bytes:
    """UTF-8 JSON."""
    return json.dumps(report, ensure_ascii=False, indent=2).encode()


def to_csv(report: dict[str, Any]) -> bytes:
    """UTF-8 CSV with a BOM (so spreadsheet programs read Vietnamese correctly)."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["section", "key", "value"])
    for row in flatten(report):
        # Cells starting with = + - @ would be formulas in spreadsheets.
        w.writerow([_safe(c) for c in row])
    return ("\ufeff" + buf.getvalue()).encode()


def _safe(v: Any) -> Any:
    if isinstance(v, str) and v[:1] in ("=", "+", "-", "@"):
        return "'" + v
    return "" if v is None else v


def to_xlsx(report: dict[str, Any]) -> bytes:
    """A workbook: summary, one sheet per breakdown, and a chart of tips per month."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Tong hop"
    ws.append(["Kỳ báo cáo / period", report["period"]["label"]])
    for section in ("totals", "indicators", "sla", "timings"):
        ws.append([])
        ws.append([section])
        for k, v in report[section].items():
            ws.append([k, _safe(v)])
    months = wb.create_sheet("Theo thang")
    months.append(["month", "received"])
    for k, v in report["by_month"].items():
        months.append([k, v])
    if report["by_month"]:
        chart = BarChart()
        chart.title = "Tin báo theo tháng / tips per month"
        n = len(report["by_month"]) + 1
        chart.add_data(Reference(months, min_col=2, min_row=1, max_row=n), titles_from_data=True)
        chart.set_categories(Reference(months, min_col=1, min_row=2, max_row=n))
        months.add_chart(chart, "D2")
    for dim, counts in report["by"].items():
        sheet = wb.create_sheet(f"Theo {dim}"[:31])
        sheet.append([dim, "received"])
        for k, v in counts.items():
            sheet.append([_safe(k), v])
    if report.get("quiz"):
        _quiz_sheet(wb, report["quiz"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _quiz_sheet(wb: Workbook, quiz: dict[str, Any]) -> None:
    """Knowledge rates by topic (with a chart), by province, and by topic x province."""
    q = wb.create_sheet("Quiz")
    cols = ["answered", "correct", "share_correct"]
    q.append(["topic", *cols])
    for topic, cell in quiz["by_topic"].items():
        q.append([_safe(topic), *(_safe(cell[c]) for c in cols)])
    n = len(quiz["by_topic"]) + 1
    chart = BarChart()
    chart.title = "Tỷ lệ trả lời đúng theo chủ đề / share correct by topic"
    chart.add_data(Reference(q, min_col=4, min_row=1, max_row=n), titles_from_data=True)
    chart.set_categories(Reference(q, min_col=1, min_row=2, max_row=n))
    q.add_chart(chart, "G2")
    q.append([])
    q.append(["province", *cols])
    for province, cell in quiz["by_province"].items():
        q.append([_safe(province), *(_safe(cell[c]) for c in cols)])
    q.append([])
    q.append(["topic", "province", *cols])
    for row in quiz["by_topic_province"]:
        q.append([_safe(row["topic"]), _safe(row["province"]), *(_safe(row[c]) for c in cols)])
    q.append([])
    q.append(["total", *(_safe(quiz["totals"][c]) for c in cols)])


FORMATS = {
    "json": ("application/json", to_json),
    "csv": ("text/csv; charset=utf-8", to_csv),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", to_xlsx),
}
