"""The embedded engine: accuracy on the held-out set, output shape, speed, persistence."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from nlu.dataset import DATA_DIR, INTENTS, load_examples
from nlu.embedded import MODEL_FILE, EmbeddedEngine, features_text, load_or_train
from nlu.evaluate import evaluate

from .conftest import TEST_FILE


@pytest.fixture(scope="module")
def metrics(embedded: EmbeddedEngine) -> dict[str, object]:
    """Metrics of the session model on nlu/tests/test_nlu.yml."""
    return evaluate(embedded, TEST_FILE)


def test_held_out_accuracy(metrics: dict[str, object]) -> None:
    assert metrics["n"] >= 12 * len(INTENTS)
    assert metrics["intent_accuracy"] >= 0.95, metrics["errors"]
    assert metrics["intent_macro_f1"] >= 0.95


def test_held_out_accuracy_without_diacritics(metrics: dict[str, object]) -> None:
    nodiac = metrics["no_diacritics"]
    assert isinstance(nodiac, dict)
    assert nodiac["n"] >= len(INTENTS) * 4
    assert nodiac["accuracy"] >= 0.90


def test_held_out_entities(metrics: dict[str, object]) -> None:
    entities = metrics["entities"]
    assert isinstance(entities, dict)
    for name in ("province", "country"):
        assert entities[name]["precision"] >= 0.95
        assert entities[name]["recall"] >= 0.95


def test_test_set_is_not_training_data() -> None:
    train = {ex.text.lower() for ex in load_examples(DATA_DIR)}
    overlap = [ex.text for ex in load_examples(TEST_FILE) if ex.text.lower() in train]
    assert overlap == []


def test_sample_sentence(embedded: EmbeddedEngine) -> None:
    result = embedded.parse("co nguoi ru em sang cam lam viec luong cao co nen di ko")
    assert result["intent"]["name"] == "check_offer"
    assert ("country", "Campuchia") in {(e["entity"], e["value"]) for e in result["entities"]}


def test_parse_has_rasa_shape(embedded: EmbeddedEngine) -> None:
    text = "Cứu em với, em bị giữ ở Campuchia"
    result = embedded.parse(text)
    assert set(result) == {"text", "intent", "intent_ranking", "entities"}
    assert result["text"] == text
    assert set(result["intent"]) == {"name", "confidence"}
    assert result["intent"]["name"] == "need_rescue"
    ranking = result["intent_ranking"]
    assert len(ranking) == 10
    assert ranking[0] == result["intent"]
    confidences = [r["confidence"] for r in ranking]
    assert confidences == sorted(confidences, reverse=True)
    assert all(0.0 <= c <= 1.0 for c in confidences)
    (ent,) = result["entities"]
    assert {"entity", "value", "start", "end"} <= set(ent)
    assert text[ent["start"] : ent["end"]] == "Campuchia"


@pytest.mark.parametrize("text", ["", "   ", "😂😂😂", "???"])
def test_no_words_is_out_of_scope(embedded: EmbeddedEngine, text: str) -> None:
    result = embedded.parse(text)
    assert result["intent"]["name"] == "out_of_scope"
    assert result["entities"] == []


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("/baotin", "report_tip"),
        ("/khancap", "need_rescue"),
        ("/theodoi 7K2M-9QXP-3RTV-8WZN", "check_tip_status"),
        ("/quiz", "take_quiz"),
        ("/xoa", "delete_history"),
        ("mik mún bít bọn lừa đảo hay dụ ntn", "ask_tactics"),
        ("e bị nhốt ở bên cam, cứu e vs", "need_rescue"),
        ("sdt đường dây nóng là j vậy ad", "ask_hotline"),
    ],
)
def test_commands_and_teencode(embedded: EmbeddedEngine, text: str, intent: str) -> None:
    assert embedded.parse(text)["intent"]["name"] == intent


def test_fast_path_matches_sklearn(embedded: EmbeddedEngine) -> None:
    for ex in load_examples(TEST_FILE)[::7]:
        fast = embedded._scorer.predict_proba(features_text(ex.text, embedded.extractor))
        np.testing.assert_allclose(fast, embedded.predict_proba_slow(ex.text), atol=1e-9)


def test_parse_latency_p99_under_5ms(embedded: EmbeddedEngine) -> None:
    texts = [ex.text for ex in load_examples(TEST_FILE)]
    for text in texts[:20]:
        embedded.parse(text)  # warm-up
    timings = []
    for text in texts:
        # Best of three per text: the machine is shared, and the parse cost is what is tested.
        runs = []
        for _ in range(3):
            started = time.perf_counter()
            embedded.parse(text)
            runs.append(time.perf_counter() - started)
        timings.append(min(runs))
    timings.sort()
    assert timings[int(len(timings) * 0.99) - 1] < 0.005


def test_load_or_train_trains_when_missing_or_corrupt_and_reloads(tmp_path: Path) -> None:
    # One training only (it is the slow part): corrupt file -> retrained -> reloaded as is.
    (tmp_path / MODEL_FILE).write_bytes(b"not a model")
    engine = load_or_train(tmp_path)
    assert engine.parse("xin chào")["intent"]["name"] == "greet"
    again = load_or_train(tmp_path)
    assert again.model.fingerprint == engine.model.fingerprint
    assert not again.is_stale()
