"""Report exports: JSON, CSV (section,key,value) and XLSX with a chart."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference

from hotline.kit.i18n import Catalog


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


#: Vietnamese labels of the summary's sections and figures (the key stays in column C).
SECTIONS = {
    "totals": "Tổng số tin báo",
    "indicators": "Chỉ tiêu của kế hoạch",
    "sla": "Thời hạn phân loại",
    "timings": "Thời gian xử lý",
    "outcomes": "Kết quả xác minh và hỗ trợ nạn nhân",
    "campaigns": "Tiếp cận của chiến dịch truyền thông",
}
LABELS = {
    "received": "Tin báo nhận được",
    "classified": "Đã phân loại",
    "resolved": "Đã giải quyết",
    "share_classified": "Tỷ lệ phân loại",
    "share_classified_target": "Chỉ tiêu tỷ lệ phân loại",
    "resolution_rate": "Tỷ lệ giải quyết",
    "resolution_rate_target": "Chỉ tiêu tỷ lệ giải quyết",
    "received_previous_year": "Tin báo cùng kỳ năm trước",
    "year_on_year_change": "Thay đổi so với cùng kỳ",
    "due": "Tin báo đến hạn phân loại",
    "met": "Phân loại đúng hạn",
    "compliance": "Tỷ lệ đúng hạn",
    "triage_minutes_median": "Thời gian phân loại, trung vị (phút)",
    "triage_minutes_p90": "Thời gian phân loại, p90 (phút)",
    "resolution_hours_median": "Thời gian giải quyết, trung vị (giờ)",
    "resolution_hours_p90": "Thời gian giải quyết, p90 (giờ)",
    "tips_with_outcome": "Tin báo có kết quả của cơ quan",
    "tips_verified": "Tin báo đã xác minh",
    "tips_confirmed": "Tin báo xác minh có dấu hiệu mua bán người",
    "verification_rate": "Tỷ lệ tin báo đã xác minh",
    "victims_identified": "Nạn nhân được xác định",
    "child_victims": "Nạn nhân là trẻ em",
    "victims_rescued": "Người được giải cứu",
    "victims_supported": "Nạn nhân được hỗ trợ",
    "support_rate": "Tỷ lệ nạn nhân được hỗ trợ",
    "tips_with_legal_aid": "Tin báo có trợ giúp pháp lý",
    "cases_opened": "Vụ án được khởi tố",
    "cases_prosecuted": "Vụ án được truy tố",
    "prosecution_rate": "Tỷ lệ truy tố trên số vụ khởi tố",
    "cases_solved": "Vụ án được điều tra, khám phá",
    "cases_tried": "Vụ án được đưa ra xét xử",
    "investigation_rate": "Tỷ lệ điều tra, khám phá trên số vụ khởi tố",
    "investigation_rate_target": "Chỉ tiêu tỷ lệ điều tra, khám phá",
    "prosecution_rate_target": "Chỉ tiêu tỷ lệ truy tố",
    "trial_rate": "Tỷ lệ xét xử trên số vụ khởi tố",
    "trial_rate_target": "Chỉ tiêu tỷ lệ xét xử",
    "campaigns_sent": "Số chiến dịch đã gửi",
    "messages_delivered": "Tin nhắn chiến dịch đã gửi đến",
    "people_reached": "Số người nhận được tin",
    "clicks": "Lượt bấm mở bài, câu đố",
    "click_rate": "Tỷ lệ bấm trên số tin đã gửi",
}
#: The plans' rates beside their targets, drawn on the "Chi tieu" sheet: (section, rate, target).
RATES = (
    ("indicators", "share_classified", "share_classified_target"),
    ("indicators", "resolution_rate", "resolution_rate_target"),
    ("outcomes", "investigation_rate", "investigation_rate_target"),
    ("outcomes", "prosecution_rate", "prosecution_rate_target"),
    ("outcomes", "trial_rate", "trial_rate_target"),
)
#: Where each breakdown's values are named in the strings (provinces and countries are names).
VALUE_KEYS = {
    "category": "console_cases.report_values.category",
    "urgency": "console_cases.urgency",
    "channel": "console_cases.report_values.channel",
    "support": "console_cases.support",
}


def value_names(catalog: Catalog, lang: str = "vi") -> dict[str, dict[str, str]]:
    """The breakdowns' values in words ("job_offer" -> "Việc làm lương cao"), per breakdown."""
    out: dict[str, dict[str, str]] = {}
    for dim, prefix in VALUE_KEYS.items():
        keys = [k for k in catalog.keys(lang) if k.startswith(prefix + ".")]
        out[dim] = {k.removeprefix(prefix + "."): catalog.t(lang, k) for k in keys}
    return out


def render(fmt: str, report: dict[str, Any], catalog: Catalog) -> bytes:
    """The report in one of FORMATS; the workbook names the breakdowns' values in Vietnamese."""
    if fmt == "xlsx":
        return to_xlsx(report, value_names(catalog))
    return FORMATS[fmt][1](report)


DIMENSION_SHEETS = {
    "province": ("Theo tinh", "Tỉnh, thành phố"),
    "category": ("Theo thu doan", "Thủ đoạn"),
    "urgency": ("Theo muc khan cap", "Mức khẩn cấp"),
    "channel": ("Theo kenh", "Kênh"),
    "destination": ("Theo noi den", "Nơi đến"),
}


def _bar_chart(sheet: Any, rows: int, title: str, anchor: str) -> None:
    """A bar chart of column B by column A (rows 2..rows+1)."""
    chart = BarChart()
    chart.title = title
    chart.add_data(Reference(sheet, min_col=2, min_row=1, max_row=rows + 1), titles_from_data=True)
    chart.set_categories(Reference(sheet, min_col=1, min_row=2, max_row=rows + 1))
    sheet.add_chart(chart, anchor)


def to_xlsx(report: dict[str, Any], names: dict[str, dict[str, str]] | None = None) -> bytes:
    """A workbook in Vietnamese: summary, one sheet (with a chart) per breakdown."""
    names = names or {}
    wb = Workbook()
    ws = wb.active
    ws.title = "Tong hop"
    ws.append(["Kỳ báo cáo / period", report["period"]["label"]])
    scope = report.get("scope") or {}
    if scope.get("province") or scope.get("agency"):
        ws.append(["Phạm vi / scope", scope.get("province") or scope.get("agency")])
    for section in ("totals", "indicators", "sla", "timings", "outcomes", "campaigns"):
        if not report.get(section):
            continue
        ws.append([])
        ws.append([SECTIONS[section], None, section])
        for k, v in report.get(section, {}).items():
            if isinstance(v, dict):
                continue
            ws.append([LABELS.get(k, k), _safe(v), k])
    _rates_sheet(wb, report)
    months = wb.create_sheet("Theo thang")
    months.append(["Tháng", "Tin báo"])
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
        name, heading = DIMENSION_SHEETS.get(dim, (f"Theo {dim}", dim))
        sheet = wb.create_sheet(name[:31])
        sheet.append([heading, "Tin báo"])
        for k, v in counts.items():
            sheet.append([_safe(names.get(dim, {}).get(k, k)), v])
        if any(isinstance(v, int) for v in counts.values()):
            _bar_chart(sheet, len(counts), f"Tin báo theo {heading.lower()}", "D2")
    support = (report.get("outcomes") or {}).get("support_kinds") or {}
    if support:
        sheet = wb.create_sheet("Ho tro nan nhan")
        sheet.append(["Hỗ trợ (Điều 37)", "Tin báo"])
        for k, v in support.items():
            sheet.append([_safe(names.get("support", {}).get(k, k)), v])
        _bar_chart(sheet, len(support), "Hỗ trợ nạn nhân theo loại", "D2")
    if report.get("quiz"):
        _quiz_sheet(wb, report["quiz"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _rates_sheet(wb: Workbook, report: dict[str, Any]) -> None:
    """The plans' rates (%) beside their targets, with a clustered bar chart of both."""
    sheet = wb.create_sheet("Chi tieu")
    sheet.append(["Chỉ tiêu", "Thực hiện (%)", "Chỉ tiêu (%)"])
    for section, key, target in RATES:
        value = report.get(section, {}).get(key)
        goal = report.get(section, {}).get(target)
        shown = isinstance(value, int | float) and not isinstance(value, bool)
        # A hidden ("<5") or undefined rate is written as text: the chart leaves it out.
        cell = round(float(value) * 100, 1) if shown else _safe(value if value else "—")
        sheet.append([LABELS[key], cell, None if goal is None else round(float(goal) * 100, 1)])
    chart = BarChart()
    chart.title = "Tỷ lệ so với chỉ tiêu (%)"
    n = len(RATES) + 1
    chart.add_data(
        Reference(sheet, min_col=2, max_col=3, min_row=1, max_row=n), titles_from_data=True
    )
    chart.set_categories(Reference(sheet, min_col=1, min_row=2, max_row=n))
    sheet.add_chart(chart, "E2")


def _quiz_sheet(wb: Workbook, quiz: dict[str, Any]) -> None:
    """Knowledge rates by topic (with a chart), by province, and by topic x province."""
    q = wb.create_sheet("Quiz")
    cols = ["answered", "correct", "share_correct"]
    heads = ["Số câu trả lời", "Số câu đúng", "Tỷ lệ đúng"]
    q.append(["Chủ đề", *heads])
    for topic, cell in quiz["by_topic"].items():
        q.append([_safe(topic), *(_safe(cell[c]) for c in cols)])
    n = len(quiz["by_topic"]) + 1
    chart = BarChart()
    chart.title = "Tỷ lệ trả lời đúng theo chủ đề / share correct by topic"
    chart.add_data(Reference(q, min_col=4, min_row=1, max_row=n), titles_from_data=True)
    chart.set_categories(Reference(q, min_col=1, min_row=2, max_row=n))
    q.add_chart(chart, "G2")
    q.append([])
    q.append(["Tỉnh, thành phố", *heads])
    for province, cell in quiz["by_province"].items():
        q.append([_safe(province), *(_safe(cell[c]) for c in cols)])
    q.append([])
    q.append(["Chủ đề", "Tỉnh, thành phố", *heads])
    for row in quiz["by_topic_province"]:
        q.append([_safe(row["topic"]), _safe(row["province"]), *(_safe(row[c]) for c in cols)])
    q.append([])
    q.append(["Tổng", *(_safe(quiz["totals"][c]) for c in cols)])


FORMATS = {
    "json": ("application/json", to_json),
    "csv": ("text/csv; charset=utf-8", to_csv),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", to_xlsx),
}
