"""GET /metrics: access rules, counters from real turns, DB gauges, multiprocess aggregation."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr

from hotline import metrics
from hotline.db.session import make_engine, unit_of_work

ROOT = Path(__file__).resolve().parents[2]


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of an exposition, keyed by (name, sorted labels)."""
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


@pytest.fixture
def app(bot_rt):  # type: ignore[no-untyped-def]
    from bot.web import create_web_app

    return create_web_app(bot_rt)


@pytest.fixture
def loopback(app) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(app, client=("127.0.0.1", 40000)) as c:
        yield c


def test_without_token_only_loopback_sees_it(app, loopback: TestClient) -> None:  # type: ignore[no-untyped-def]
    with TestClient(app, client=("203.0.113.9", 40000)) as remote:
        r = remote.get("/metrics")
        assert r.status_code == 404
        assert "canhgiac" not in r.text
    r = loopback.get("/metrics")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/plain")
    assert "canhgiac_metrics_db_up 1.0" in r.text


def test_bearer_token(app, hotline_rt, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    token = "s3cret-token-for-prometheus"
    monkeypatch.setattr(
        hotline_rt,
        "settings",
        hotline_rt.settings.model_copy(update={"metrics_token": SecretStr(token)}),
    )
    with TestClient(app, client=("203.0.113.9", 40000)) as c:
        assert c.get("/metrics").status_code == 401
        assert c.get("/metrics", headers={"Authorization": "Bearer nope"}).status_code == 401
        assert c.get("/metrics", headers={"Authorization": f"Basic {token}"}).status_code == 401
        ok = c.get("/metrics", headers={"Authorization": f"Bearer {token}"})
        assert ok.status_code == 200
        assert "canhgiac_queue_depth" in ok.text
    # With a token set, loopback needs it too: a sidecar on the host is no exception.
    with TestClient(app, client=("127.0.0.1", 40000)) as c:
        assert c.get("/metrics").status_code == 401


def test_not_in_openapi(loopback: TestClient) -> None:
    assert "/metrics" not in loopback.get("/openapi.json").json()["paths"]


def test_messages_in_and_out_per_channel(loopback: TestClient) -> None:
    key_in = ("canhgiac_messages_in_total", (("channel", "webchat"),))
    key_out = ("canhgiac_messages_out_total", (("channel", "webchat"),))
    before = samples(loopback.get("/metrics").text)
    r = loopback.post("/webchat/messages", json={"session_id": "metrics-test-1", "text": "/menu"})
    assert r.status_code == 200
    replies = len(r.json()["messages"])
    assert replies >= 1
    after = samples(loopback.get("/metrics").text)
    assert after[key_in] - before.get(key_in, 0.0) == 1
    assert after[key_out] - before.get(key_out, 0.0) == replies
    # The NLU package's own metrics are exposed from the same registry.
    assert any(name.startswith("canhgiac_nlu_") for name, _ in after)


def test_queue_depth_and_tips_by_urgency(loopback: TestClient, hotline_rt) -> None:  # type: ignore[no-untyped-def]
    from hotline.notifications.models import Notification
    from hotline.tips.models import Tip

    with unit_of_work(hotline_rt.sessions) as s:
        for status in ("pending", "pending", "failed", "sent"):
            s.add(Notification(kind="new_tip", channel="email", text="x", status=status))
        for i, urgency in enumerate(("crisis", "crisis", "normal")):
            s.add(
                Tip(
                    channel="webchat",
                    urgency=urgency,
                    status="new",
                    content_enc=b"x",
                    receipt_hash="h",
                    receipt_tag="t",
                    dedupe_key=f"d{i}",
                    submission_key=f"s{i}",
                )
            )
    got = samples(loopback.get("/metrics").text)
    assert got[("canhgiac_queue_depth", (("queue", "notifications"),))] == 2
    assert got[("canhgiac_queue_failed", (("queue", "notifications"),))] == 1
    assert got[("canhgiac_tips", (("status", "new"), ("urgency", "crisis")))] == 2
    assert got[("canhgiac_tips", (("status", "new"), ("urgency", "normal")))] == 1


def test_database_down_is_a_gauge_not_an_error() -> None:
    engine = make_engine("postgresql+psycopg://nobody@127.0.0.1:1/none", pool_pre_ping=False)
    body, _ = metrics.render(engine)
    got = samples(body.decode())
    assert got[("canhgiac_metrics_db_up", ())] == 0
    engine.dispose()


def test_helpers_count() -> None:
    key = ("canhgiac_send_errors_total", (("channel", "zalo"),))
    before = samples(metrics.render(None)[0].decode()).get(key, 0.0)
    metrics.record_send_error("zalo")
    metrics.record_tip("high")
    got = samples(metrics.render(None)[0].decode())
    assert got[key] == before + 1
    assert got[("canhgiac_tips_submitted_total", (("urgency", "high"),))] >= 1


def test_multiprocess_mode_sums_every_process(tmp_path: Path) -> None:
    """Two worker processes count; a third (any uvicorn worker) serves the sum."""
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    count = "from hotline import metrics; metrics.record_messages('telegram', 1, {n})"
    for n in (2, 3):
        subprocess.run([sys.executable, "-c", count.format(n=n)], env=env, cwd=ROOT, check=True)
    scrape = "from hotline import metrics; print(metrics.render(None)[0].decode())"
    out = subprocess.run(
        [sys.executable, "-c", scrape],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    got = samples(out)
    assert got[("canhgiac_messages_in_total", (("channel", "telegram"),))] == 2
    assert got[("canhgiac_messages_out_total", (("channel", "telegram"),))] == 5
