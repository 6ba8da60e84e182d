"""Training entry points for both engines."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from nlu.dataset import DATA_DIR
from nlu.embedded import EmbeddedEngine
from nlu.rasa_env import train_rasa as _train_rasa

DEFAULT_MODEL_DIR = Path("var/models")
RASA_SUBDIR = "rasa"


def default_model_dir() -> Path:
    """`CANHGIAC_NLU_MODEL_DIR`, or `var/models` relative to the working directory."""
    return Path(os.environ.get("CANHGIAC_NLU_MODEL_DIR") or DEFAULT_MODEL_DIR)


def train_embedded(model_dir: Path, data: Path = DATA_DIR) -> dict[str, Any]:
    """Train the embedded engine on `data`, save it in `model_dir`, return a summary."""
    started = time.perf_counter()
    engine = EmbeddedEngine.train(data)
    path = engine.save(model_dir)
    return {
        "engine": "embedded",
        "model": str(path),
        "examples": engine.model.n_examples,
        "intents": len(engine.model.labels),
        "train_seconds": round(time.perf_counter() - started, 2),
    }


def train_rasa(out_dir: Path, force: bool = False, verbose: bool = False) -> Path:
    """Train the Rasa NLU model (in its own Python 3.10 venv) into `out_dir`."""
    return _train_rasa(out_dir, force=force, verbose=verbose)


def rasa_model_dir(model_dir: Path) -> Path:
    """Where the Rasa model lives inside the model directory."""
    return model_dir / RASA_SUBDIR
