"""`canhgiac content import|check`: validate the library and load it."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import typer

from hotline.cli import CliError
from hotline.content.lint import lint_content
from hotline.content.service import ImportReport
from hotline.db.session import unit_of_work
from hotline.kit.i18n import Catalog


def check_strings(path: Path) -> list[str]:
    """Problems in the string catalogue: missing translations, non-NFC text."""
    problems: list[str] = []
    catalog = Catalog.load(path)
    vi = catalog.keys("vi")
    for lang in catalog.languages:
        keys = catalog.keys(lang)
        for missing in sorted(vi - keys):
            problems.append(f"strings/{lang}: thiếu / missing {missing}")
        for extra in sorted(keys - vi):
            problems.append(f"strings/{lang}: thừa / not in vi {extra}")
        for key in keys:
            text = catalog.t(lang, key)
            if unicodedata.normalize("NFC", text) != text:
                problems.append(f"strings/{lang}: không phải NFC / not NFC {key}")
    return problems


def import_content(path: Path) -> ImportReport:
    """Load the library into the configured database (one transaction)."""
    from hotline.config import get_settings
    from hotline.content.loader import load_files
    from hotline.content.service import import_library
    from hotline.runtime import HotlineRuntime

    rt = HotlineRuntime.from_settings(get_settings())
    try:
        with unit_of_work(rt.sessions) as session:
            return import_library(session, load_files(path))
    finally:
        rt.close()


def run_content(action: str, path: Path) -> None:
    """Dispatch the content subcommands."""
    if not path.is_dir():
        raise CliError(f"Không thấy thư mục nội dung / no content directory: {path}")
    problems = check_strings(path) + lint_content(path)
    if action == "check":
        for p in problems:
            typer.echo(p)
        if problems:
            raise CliError(f"{len(problems)} lỗi nội dung / content problems")
        typer.echo("Nội dung hợp lệ / content OK")
    elif action == "import":
        if problems:
            raise CliError(
                f"{len(problems)} lỗi nội dung, chạy `canhgiac content check` / content problems"
            )
        report = import_content(path)
        typer.echo(
            f"Đã nạp nội dung / content imported: {report.created} mới / new, "
            f"{report.updated} cập nhật / updated, {report.unchanged} không đổi / unchanged, "
            f"{report.drafts} bản nháp chờ duyệt / drafts for review"
        )
    else:
        raise CliError(f"Hành động không hợp lệ / unknown action: {action} (import|check)")
