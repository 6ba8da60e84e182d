"""`canhgiac nlu ...`: train, parse and evaluate the NLU engines."""

from __future__ import annotations

import contextlib
import json
import os
import sys
import time
from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from nlu.dataset import DataError
from nlu.engine import NluEngine, load_engine
from nlu.evaluate import evaluate
from nlu.rasa_client import RasaClient, RasaError
from nlu.rasa_env import RasaEnvError, local_rasa_server
from nlu.train import default_model_dir, rasa_model_dir, train_embedded, train_rasa

app = typer.Typer(
    help="Natural-language understanding: train, parse, evaluate.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


class Engine(StrEnum):
    """Which NLU engine to use."""

    embedded = "embedded"
    rasa = "rasa"


EngineOpt = Annotated[
    Engine | None,
    typer.Option(
        "--engine",
        help="embedded or rasa; default: rasa with embedded fallback if CANHGIAC_RASA_URL "
        "is set, else embedded",
    ),
]
ModelDirOpt = Annotated[
    Path | None,
    typer.Option(
        "--model-dir", help="model directory (default: $CANHGIAC_NLU_MODEL_DIR or var/models)"
    ),
]

_EXPECTED_ERRORS = (DataError, RasaError, RasaEnvError, OSError, ValueError)


def _fail(message: str) -> typer.Exit:
    """Print a one-line error and return the exit to raise."""
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(1)


@contextlib.contextmanager
def _engine(engine: Engine | None, model_dir: Path) -> Iterator[NluEngine]:
    """The engine asked for; for rasa without CANHGIAC_RASA_URL a local server is started."""
    rasa_url = os.environ.get("CANHGIAC_RASA_URL") or None
    if engine is None:
        yield load_engine(model_dir, rasa_url)
    elif engine is Engine.embedded:
        yield load_engine(model_dir, None)
    elif rasa_url:
        # Explicitly asked for Rasa: no silent fallback, errors must show.
        with RasaClient(rasa_url) as client:
            yield client
    else:
        model = train_rasa(rasa_model_dir(model_dir))
        with local_rasa_server(model) as url, RasaClient(url) as client:
            yield client


@app.command()
def train(engine: EngineOpt = None, model_dir: ModelDirOpt = None) -> None:
    """Train an engine (default embedded) from nlu/data into the model directory."""
    target = model_dir or default_model_dir()
    try:
        if engine is Engine.rasa:
            started = time.perf_counter()
            path = train_rasa(rasa_model_dir(target))
            summary: dict[str, Any] = {
                "engine": "rasa",
                "model": str(path),
                "train_seconds": round(time.perf_counter() - started, 2),
            }
        else:
            summary = train_embedded(target)
    except _EXPECTED_ERRORS as exc:
        raise _fail(str(exc)) from None
    typer.echo(json.dumps(summary, ensure_ascii=False))


@app.command()
def parse(engine: EngineOpt = None, model_dir: ModelDirOpt = None) -> None:
    """Parse stdin, one text a line, printing one JSON object a line (Rasa /model/parse shape)."""
    try:
        with _engine(engine, model_dir or default_model_dir()) as nlu:
            for line in sys.stdin:
                text = line.rstrip("\r\n")
                if not text.strip():
                    continue
                typer.echo(json.dumps(nlu.parse(text), ensure_ascii=False))
    except _EXPECTED_ERRORS as exc:
        raise _fail(str(exc)) from None


@app.command("eval")
def eval_(
    path: Annotated[Path, typer.Argument(help="Rasa-format YAML test data")],
    engine: EngineOpt = None,
    model_dir: ModelDirOpt = None,
    errors: Annotated[bool, typer.Option(help="include the misclassified examples")] = False,
) -> None:
    """Evaluate an engine on Rasa-format YAML test data and print the metrics as JSON."""
    if not path.exists():
        raise _fail(f"no such file: {path}")
    try:
        with _engine(engine, model_dir or default_model_dir()) as nlu:
            metrics = evaluate(nlu, path)
    except _EXPECTED_ERRORS as exc:
        raise _fail(str(exc)) from None
    if not errors:
        metrics.pop("errors", None)
    typer.echo(json.dumps(metrics, ensure_ascii=False, indent=2))


def main() -> None:
    """Run the NLU CLI on its own (`python -m nlu.cli`)."""
    app()


if __name__ == "__main__":
    main()
