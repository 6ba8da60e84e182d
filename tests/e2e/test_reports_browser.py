"""Browser: a supervisor reads the plans' rates as a chart on the console reports page."""

from __future__ import annotations

from pathlib import Path

import pytest

from hotline.db.session import unit_of_work
from tests.hotline.factories import PASSWORD, make_user
from tests.hotline.test_report_scopes_outcomes import _seed

pytestmark = [pytest.mark.slow, pytest.mark.browser]
SHOT = Path(__file__).resolve().parents[2] / "docs" / "screenshots" / "reports.png"


def test_supervisor_sees_rates_against_targets(live_server, page, hotline_rt) -> None:  # type: ignore[no-untyped-def]
    _seed(hotline_rt)
    with unit_of_work(hotline_rt.sessions) as s:
        make_user(s, "gs_laocai", "supervisor")
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    missing: list[str] = []
    page.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)
    page.set_viewport_size({"width": 1280, "height": 1000})
    page.goto(f"{live_server.url}/console/login")
    page.fill("#username", "gs_laocai")
    page.fill("#password", PASSWORD)
    page.click("#login-submit")
    page.goto(f"{live_server.url}/console/reports?period=2026-H1&province=L%C3%A0o%20Cai")
    rates = page.locator("#chart-rates")
    assert rates.is_visible()
    # Eight rates, five with a target from the plans; the one case opened was prosecuted.
    assert rates.locator("g.rate").count() == 8 and rates.locator("line.target").count() == 5
    prosecution = rates.locator('g.rate[data-key="prosecution_rate"]')
    assert prosecution.locator("text.val").text_content() == "100.0%"
    assert float(prosecution.locator("rect.bar").get_attribute("width") or 0) > 0
    # Tips classified: 0 % of a 100 % target, drawn as below target.
    assert "below" in (
        rates.locator('g.rate[data-key="share_classified"]').get_attribute("class") or ""
    )
    channel = page.locator("#chart-channel").text_content() or ""
    assert "Trò chuyện trên web" in channel and "webchat" not in channel
    page.screenshot(path=str(SHOT), full_page=True)
    # Drawn on the server: no chart library, nothing fetched from another host.
    assert [u for u in requests if not u.startswith(live_server.url)] == []
    # The only 404 a browser may see is its own favicon request.
    assert [u for u in missing if not u.endswith("/favicon.ico")] == []
    assert [e for e in errors if "404" not in e] == []
