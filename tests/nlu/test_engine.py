"""The app-facing engine: Rasa client normalisation, fallback to embedded, metrics."""

from __future__ import annotations

import json
import logging
import socket
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client import REGISTRY

from nlu.embedded import EmbeddedEngine
from nlu.engine import FallbackEngine, MeteredEngine, NluEngine, load_engine
from nlu.rasa_client import RasaClient, RasaError


def closed_port() -> int:
    """A loopback port nobody listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def fallback_count() -> float:
    """Current value of canhgiac_nlu_fallback_total."""
    return REGISTRY.get_sample_value("canhgiac_nlu_fallback_total") or 0.0


RASA_ANSWER: dict[str, Any] = {
    "text": "em bi giu o cam",
    "intent": {"name": "nlu_fallback", "confidence": 0.5},
    "entities": [
        {"entity": "country", "value": "cam", "start": 12, "end": 15, "extractor": "DIET"},
        {"entity": "country", "value": "Campuchia", "start": 12, "end": 15,
         "extractor": "RegexEntityExtractor"},
        {"entity": "tip_code", "value": "abcd-efgh-jkmn-pqrs", "start": 20, "end": 39},
    ],
    "intent_ranking": [
        {"name": "nlu_fallback", "confidence": 0.5},
        {"name": "need_rescue", "confidence": 0.45},
        {"name": "out_of_scope", "confidence": 0.01},
    ],
}  # fmt: skip


def mock_client(handler: Any, retries: int = 1) -> RasaClient:
    """A RasaClient whose HTTP goes to `handler`."""
    return RasaClient("http://rasa.test", retries=retries, transport=httpx.MockTransport(handler))


def test_rasa_client_normalises_the_answer() -> None:
    seen: list[dict[str, Any]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/model/parse"
        seen.append(json.loads(request.content))
        return httpx.Response(200, json=RASA_ANSWER)

    result = mock_client(handler).parse("em bi giu o cam")
    assert seen == [{"text": "em bi giu o cam"}]
    assert result["intent"] == {"name": "out_of_scope", "confidence": 0.5}
    assert [r["name"] for r in result["intent_ranking"]] == ["out_of_scope", "need_rescue"]
    assert [(e["entity"], e["value"]) for e in result["entities"]] == [
        ("country", "Campuchia"),
        ("tip_code", "ABCD-EFGH-JKMN-PQRS"),
    ]


def test_rasa_answers_get_the_places_rasa_has_no_table_for() -> None:
    text = "em bị giữ ở huyện Bát Xát"
    answer = {**RASA_ANSWER, "text": text, "entities": []}
    result = mock_client(lambda r: httpx.Response(200, json=answer)).parse(text)
    assert [(e["entity"], e["value"], text[e["start"] : e["end"]]) for e in result["entities"]] == [
        ("province", "Lào Cai", "huyện Bát Xát")
    ]


def test_rasa_client_retries_server_errors_then_succeeds() -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        return httpx.Response(503) if len(calls) == 1 else httpx.Response(200, json=RASA_ANSWER)

    assert mock_client(handler).parse("x")["intent"]["name"] == "out_of_scope"
    assert len(calls) == 2


def test_rasa_client_does_not_retry_client_errors() -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        return httpx.Response(400, json={"error": "bad"})

    with pytest.raises(RasaError):
        mock_client(handler, retries=3).parse("x")
    assert len(calls) == 1


def test_rasa_client_rejects_garbage() -> None:
    with pytest.raises(RasaError):
        mock_client(lambda r: httpx.Response(200, content=b"<html>")).parse("x")
    with pytest.raises(RasaError):
        mock_client(lambda r: httpx.Response(200, json={"intent": None})).parse("x")


def test_fallback_to_embedded_when_rasa_port_is_closed(
    embedded_model_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    engine = load_engine(embedded_model_dir, f"http://127.0.0.1:{closed_port()}")
    assert isinstance(engine, FallbackEngine)
    before = fallback_count()
    secret = "em bị nhốt ở Campuchia, cứu em"
    with caplog.at_level(logging.WARNING):
        result = engine.parse(secret)
    assert result["intent"]["name"] == "need_rescue"
    assert result["entities"][0]["extractor"] == "CanhGiacLookupExtractor"
    assert fallback_count() == before + 1
    assert "embedded" in caplog.text
    assert secret not in caplog.text and "Campuchia" not in caplog.text


def test_fallback_cools_down_then_retries_rasa(embedded: EmbeddedEngine) -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        return httpx.Response(500)

    engine = FallbackEngine(mock_client(handler, retries=0), embedded, cooldown=60)
    engine.parse("xin chào")
    engine.parse("xin chào")
    assert len(calls) == 1  # the second message did not wait for a dead Rasa
    engine._down_until = 0.0
    engine.parse("xin chào")
    assert len(calls) == 2


def test_rasa_answer_is_used_when_rasa_works(embedded: EmbeddedEngine) -> None:
    engine = FallbackEngine(mock_client(lambda r: httpx.Response(200, json=RASA_ANSWER)), embedded)
    before = fallback_count()
    assert engine.parse("em bi giu o cam")["intent"]["confidence"] == 0.5
    assert fallback_count() == before


def test_load_engine_without_rasa_is_embedded(embedded_model_dir: Path) -> None:
    engine = load_engine(embedded_model_dir, None)
    assert isinstance(engine, MeteredEngine)
    assert isinstance(engine, NluEngine)
    before = (
        REGISTRY.get_sample_value("canhgiac_nlu_latency_seconds_count", {"engine": "embedded"})
        or 0.0
    )
    assert engine.parse("cảm ơn nhiều")["intent"]["name"] == "thanks"
    after = REGISTRY.get_sample_value("canhgiac_nlu_latency_seconds_count", {"engine": "embedded"})
    assert after == before + 1


def test_load_engine_trains_on_the_fly(
    tmp_path: Path, embedded: EmbeddedEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Training itself is covered in test_embedded; here only that a missing model triggers it.
    trained: list[Path] = []

    def fake_train(model_dir: Path, data_dir: Path = Path()) -> EmbeddedEngine:
        trained.append(model_dir)
        return embedded

    monkeypatch.setattr("nlu.embedded.train_and_save", fake_train)
    engine = load_engine(tmp_path / "models", None)
    assert trained == [tmp_path / "models"]
    assert engine.parse("tạm biệt nhé")["intent"]["name"] == "goodbye"


def test_rasa_client_strips_the_command_slash_and_drops_partial_entities() -> None:
    seen: list[str] = []
    answer = {
        "intent": {"name": "check_tip_status", "confidence": 0.9},
        "entities": [
            {"entity": "tactic", "value": "viec luong cao", "start": 0, "end": 3},
            {"entity": "province", "value": "ha giang", "start": 4, "end": 12},
        ],
    }

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(json.loads(request.content)["text"])
        return httpx.Response(200, json=answer)

    result = mock_client(handler).parse("/theodoi 7K2M-9QXP-3RTV-8WZN")
    assert seen == ["theodoi 7K2M-9QXP-3RTV-8WZN"]
    assert result["text"] == "/theodoi 7K2M-9QXP-3RTV-8WZN"
    assert [(e["entity"], e["value"]) for e in result["entities"]] == [("province", "Tuyên Quang")]


async def test_aparse_from_async_code(embedded_model_dir: Path, embedded: EmbeddedEngine) -> None:
    from nlu.engine import aparse

    inline = load_engine(embedded_model_dir, None)
    assert (await aparse(inline, "xin chào"))["intent"]["name"] == "greet"
    threaded = FallbackEngine(
        mock_client(lambda r: httpx.Response(200, json=RASA_ANSWER)), embedded
    )
    assert (await aparse(threaded, "x"))["intent"]["name"] == "out_of_scope"
