"""`canhgiac report`, added to the shared Typer app when bot/cli.py imports this module."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hotline.audit import service as audit
from hotline.cli import CliError, app, runtime
from hotline.config import get_settings
from hotline.db.session import unit_of_work
from hotline.kit.i18n import Catalog
from hotline.reports import export
from hotline.reports.service import PeriodError, build_report, parse_period


@app.command("report")
def report(
    period: Annotated[str, typer.Option(help="2026-H1 | 2026-H2 | 2026")],
    format: Annotated[str, typer.Option("--format", help="xlsx | csv | json")] = "json",
    out: Annotated[Path | None, typer.Option(help="Tệp ra / output file (mặc định stdout)")] = None,
    public: Annotated[bool, typer.Option(help="Ẩn số nhỏ hơn 5 / suppress counts < 5")] = False,
) -> None:
    """The 6-monthly or annual report (01/01–30/06, 01/01–31/12)."""
    if format not in export.FORMATS:
        raise CliError(f"định dạng không hợp lệ / invalid format: {format} (xlsx|csv|json)")
    try:
        p = parse_period(period)
    except PeriodError as exc:
        raise CliError(exc.both(Catalog.load(get_settings().content_dir))) from exc
    if format == "xlsx" and out is None:
        raise CliError("XLSX cần --out FILE / xlsx needs --out FILE")
    rt = runtime()
    with unit_of_work(rt.sessions) as session:
        catalog = Catalog.load(rt.settings.content_dir)
        data = export.render(format, build_report(session, p, public=public), catalog)
        audit.record(session, "report.exported", "cli", f"report:{p.label}", format=format)
    if out is None:
        typer.echo(data.decode().lstrip("\ufeff"))
    else:
        out.write_bytes(data)
        typer.echo(f"Đã ghi / written: {out}")
