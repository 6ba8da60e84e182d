"""`canhgiac nlu` commands (the Typer app mounted by hotline.cli)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nlu.cli import app

from .conftest import TEST_FILE

runner = CliRunner()


@pytest.fixture(autouse=True)
def _no_rasa(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI tests run the embedded engine unless they say otherwise."""
    monkeypatch.delenv("CANHGIAC_RASA_URL", raising=False)


def test_train_embedded(tmp_path: Path) -> None:
    result = runner.invoke(app, ["train", "--engine", "embedded", "--model-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["engine"] == "embedded"
    assert (tmp_path / "embedded.joblib").exists()


def test_parse_one_json_per_line(embedded_model_dir: Path) -> None:
    result = runner.invoke(
        app,
        ["parse", "--engine", "embedded", "--model-dir", str(embedded_model_dir)],
        input="xin chào\n\nco nguoi ru em sang cam lam viec luong cao co nen di ko\n",
    )
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 2
    first, second = (json.loads(line) for line in lines)
    assert first["intent"]["name"] == "greet"
    assert second["intent"]["name"] == "check_offer"
    assert second["entities"][0]["value"] == "Campuchia"
    assert "Campuchia" in lines[1]  # ensure_ascii=False


def test_model_dir_from_environment(
    embedded_model_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CANHGIAC_NLU_MODEL_DIR", str(embedded_model_dir))
    result = runner.invoke(app, ["parse"], input="cảm ơn\n")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["intent"]["name"] == "thanks"


def test_eval_prints_metrics(embedded_model_dir: Path) -> None:
    result = runner.invoke(
        app,
        ["eval", str(TEST_FILE), "--engine", "embedded", "--model-dir", str(embedded_model_dir)],
    )
    assert result.exit_code == 0, result.output
    metrics = json.loads(result.stdout)
    assert metrics["intent_accuracy"] >= 0.95
    assert {"no_diacritics", "entities", "latency_ms", "n"} <= set(metrics)


def test_eval_missing_file_is_one_line_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["eval", str(tmp_path / "nope.yml"), "--model-dir", str(tmp_path)])
    assert result.exit_code == 1
    assert result.stderr.strip().count("\n") == 0
    assert "Traceback" not in result.output


def test_eval_bad_yaml_is_one_line_error(tmp_path: Path, embedded_model_dir: Path) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text("nlu: [\n", encoding="utf-8")
    result = runner.invoke(
        app, ["eval", str(bad), "--engine", "embedded", "--model-dir", str(embedded_model_dir)]
    )
    assert result.exit_code == 1
    assert result.stderr.startswith("error:")
    assert "Traceback" not in result.output


def test_rasa_url_unreachable_is_one_line_error(
    embedded_model_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CANHGIAC_RASA_URL", "http://127.0.0.1:9")
    result = runner.invoke(
        app, ["parse", "--engine", "rasa", "--model-dir", str(embedded_model_dir)], input="hi\n"
    )
    assert result.exit_code == 1
    assert result.stderr.startswith("error:")


def test_help() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("train", "parse", "eval"):
        assert command in result.stdout
