"""Real Rasa 3.6: train the model in its own venv, serve it, compare with the embedded engine."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from nlu.dataset import load_examples
from nlu.embedded import EmbeddedEngine
from nlu.engine import FallbackEngine
from nlu.evaluate import evaluate
from nlu.rasa_client import RasaClient
from nlu.rasa_env import local_rasa_server, train_rasa

from .conftest import TEST_FILE

pytestmark = [pytest.mark.slow, pytest.mark.rasa, pytest.mark.timeout(1800)]


@pytest.fixture(scope="module")
def rasa_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A Rasa server on a free loopback port, serving a model trained for this test run."""
    model = train_rasa(tmp_path_factory.mktemp("rasa-model"))
    assert model.exists()
    with local_rasa_server(model) as url:
        yield url


def test_rasa_parses_like_the_contract(rasa_url: str) -> None:
    with RasaClient(rasa_url, timeout=10) as client:
        result = client.parse("co nguoi ru em sang cam lam viec luong cao co nen di ko")
        assert set(result) == {"text", "intent", "intent_ranking", "entities"}
        assert result["intent"]["name"] == "check_offer"
        assert ("country", "Campuchia") in {(e["entity"], e["value"]) for e in result["entities"]}
        assert client.parse("/theodoi 7K2M-9QXP-3RTV-8WZN")["intent"]["name"] == (
            "check_tip_status"
        )


def test_rasa_on_held_out_set_agrees_with_embedded(rasa_url: str, embedded: EmbeddedEngine) -> None:
    with RasaClient(rasa_url, timeout=10) as client:
        rasa_metrics = evaluate(client, TEST_FILE)
        examples = load_examples(TEST_FILE)
        agree = sum(
            client.parse(ex.text)["intent"]["name"] == embedded.parse(ex.text)["intent"]["name"]
            for ex in examples
        )
    agreement = agree / len(examples)
    print(f"rasa accuracy {rasa_metrics['intent_accuracy']}, agreement {agreement:.3f}")
    assert rasa_metrics["intent_accuracy"] >= 0.85
    assert rasa_metrics["no_diacritics"]["accuracy"] >= 0.80
    assert rasa_metrics["entities"]["country"]["precision"] >= 0.9
    assert agreement >= 0.85


def test_fallback_engine_prefers_live_rasa(rasa_url: str, embedded: EmbeddedEngine) -> None:
    engine = FallbackEngine(RasaClient(rasa_url, timeout=10), embedded)
    result = engine.parse("cứu em với, em bị nhốt ở Myanmar")
    assert result["intent"]["name"] == "need_rescue"
    assert engine._down_until == 0.0
