"""`make demo PORT=8100`: the server and every URL it prints follow the port."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from tests.conftest import ROOT


def _demo_recipe(*args: str) -> str:
    if shutil.which("make") is None:
        pytest.skip("make not installed")
    out = subprocess.run(
        ["make", "-n", "-B", "demo", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_make_demo_port_defaults_to_8000() -> None:
    recipe = _demo_recipe()
    assert "demo --host 127.0.0.1 --port 8000" in recipe
    assert "http://127.0.0.1:8000" in recipe


def test_make_demo_port_changes_the_port_and_the_links() -> None:
    recipe = _demo_recipe("PORT=8100")
    assert "demo --host 127.0.0.1 --port 8100" in recipe
    assert 'CANHGIAC_PUBLIC_URL="${CANHGIAC_PUBLIC_URL:-http://127.0.0.1:8100}"' in recipe
    assert ":8000" not in recipe


def test_ensure_admin_prints_the_public_url(db_url: str, keys: dict[str, str], monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from bot.cli import app
    from hotline.config import get_settings

    monkeypatch.setenv("CANHGIAC_DATABASE_URL", db_url)
    monkeypatch.setenv("CANHGIAC_SECRET_KEY", keys["secret"])
    monkeypatch.setenv("CANHGIAC_DATA_KEY", keys["data"])
    monkeypatch.setenv("CANHGIAC_PUBLIC_URL", "http://127.0.0.1:8100/")
    get_settings.cache_clear()
    try:
        out = CliRunner().invoke(app, ["user", "ensure-admin", "--username", "admin.port"])
        assert out.exit_code == 0, out.output
        assert "http://127.0.0.1:8100/console" in out.output
        assert ":8000" not in out.output
    finally:
        get_settings.cache_clear()
