"""Evaluate any NLU engine on Rasa-format YAML test data."""

from __future__ import annotations

import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Protocol

from nlu.dataset import Example, load_examples
from nlu.normalize import fold

SCORED_ENTITIES = ("province", "country")


class _Parser(Protocol):
    """Anything with a Rasa-shaped `parse`."""

    def parse(self, text: str) -> dict[str, Any]:
        """Parse one text."""
        ...


def _percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0..100) by nearest rank; 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def macro_f1(gold: list[str], pred: list[str]) -> float:
    """Unweighted mean F1 over the labels present in gold or predictions."""
    labels = sorted(set(gold) | set(pred))
    if not labels:
        return 0.0
    total = 0.0
    for label in labels:
        tp = sum(1 for g, p in zip(gold, pred, strict=True) if g == p == label)
        fp = sum(1 for g, p in zip(gold, pred, strict=True) if p == label and g != label)
        fn = sum(1 for g, p in zip(gold, pred, strict=True) if g == label and p != label)
        denom = 2 * tp + fp + fn
        total += (2 * tp / denom) if denom else 0.0
    return total / len(labels)


def _intent_metrics(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """Accuracy, macro-F1 and n of (gold, predicted) intent pairs."""
    gold = [g for g, _ in pairs]
    pred = [p for _, p in pairs]
    n = len(pairs)
    acc = sum(1 for g, p in pairs if g == p) / n if n else 0.0
    return {"accuracy": round(acc, 4), "macro_f1": round(macro_f1(gold, pred), 4), "n": n}


def _entity_prf(
    gold: Iterable[set[tuple[str, str]]], pred: Iterable[set[tuple[str, str]]], entity: str
) -> dict[str, Any]:
    """Precision/recall/F1 of (entity, value) pairs per example, for one entity type."""
    tp = fp = fn = 0
    for g_all, p_all in zip(gold, pred, strict=True):
        g = {x for x in g_all if x[0] == entity}
        p = {x for x in p_all if x[0] == entity}
        tp += len(g & p)
        fp += len(p - g)
        fn += len(g - p)
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
        "support": tp + fn,
    }


def evaluate_examples(engine: _Parser, examples: list[Example]) -> dict[str, Any]:
    """Run the engine over the examples and compute the metrics dict."""
    pairs: list[tuple[str, str]] = []
    nodiac: list[tuple[str, str]] = []
    gold_ents: list[set[tuple[str, str]]] = []
    pred_ents: list[set[tuple[str, str]]] = []
    latencies: list[float] = []
    errors: list[dict[str, str]] = []
    for ex in examples:
        started = time.perf_counter()
        result = engine.parse(ex.text)
        latencies.append((time.perf_counter() - started) * 1000)
        predicted = str((result.get("intent") or {}).get("name") or "")
        pairs.append((ex.intent, predicted))
        if fold(ex.text) == ex.text:
            nodiac.append((ex.intent, predicted))
        if predicted != ex.intent:
            errors.append({"text": ex.text, "expected": ex.intent, "predicted": predicted})
        gold_ents.append({(e.entity, e.value) for e in ex.entities})
        pred_ents.append(
            {(str(e.get("entity")), str(e.get("value"))) for e in result.get("entities") or []}
        )
    overall = _intent_metrics(pairs)
    return {
        "n": len(examples),
        "intent_accuracy": overall["accuracy"],
        "intent_macro_f1": overall["macro_f1"],
        "no_diacritics": _intent_metrics(nodiac),
        "entities": {e: _entity_prf(gold_ents, pred_ents, e) for e in SCORED_ENTITIES},
        "latency_ms": {
            "p50": round(_percentile(latencies, 50), 3),
            "p99": round(_percentile(latencies, 99), 3),
        },
        "errors": errors,
    }


def evaluate(engine: _Parser, path: Path) -> dict[str, Any]:
    """Evaluate the engine on a Rasa YAML test file (or directory)."""
    return evaluate_examples(engine, load_examples(path))
