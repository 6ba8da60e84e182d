"""An in-process web chat client whose per-address limit admits a whole evaluation set."""

from __future__ import annotations

import pytest


@pytest.fixture
def eval_client(bot_rt):  # type: ignore[no-untyped-def]
    """Every item comes from the test client's one address: lift only that limit."""
    from fastapi.testclient import TestClient

    from bot.web import create_web_app
    from tests.content.chat import import_content

    settings = bot_rt.hotline.settings
    bot_rt.hotline.settings = settings.model_copy(update={"webchat_ip_per_minute": 1_000_000})
    import_content(bot_rt)
    try:
        with TestClient(create_web_app(bot_rt)) as c:
            yield c
    finally:
        bot_rt.hotline.settings = settings
