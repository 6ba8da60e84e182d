"""NLU fixtures: one embedded model trained per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from nlu.embedded import EmbeddedEngine

ROOT = Path(__file__).resolve().parents[2]
TEST_FILE = ROOT / "nlu" / "tests" / "test_nlu.yml"


@pytest.fixture(scope="session")
def embedded_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A model directory holding an embedded model trained once for the whole session."""
    model_dir = tmp_path_factory.mktemp("nlu-model")
    EmbeddedEngine.train().save(model_dir)
    return model_dir


@pytest.fixture(scope="session")
def embedded(embedded_model_dir: Path) -> EmbeddedEngine:
    """The session's embedded engine, loaded back from disk (exercises save/load)."""
    return EmbeddedEngine.load(embedded_model_dir)
