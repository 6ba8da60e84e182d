"""NLU benchmark: both engines on nlu/tests/test_nlu.yml, written into docs/benchmarks.md.

Usage: `python bench/nlu_bench.py [--skip-rasa] [--output docs/benchmarks.md]`.
Only the section between `<!-- BEGIN nlu -->` and `<!-- END nlu -->` is replaced.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import platform
import re
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._common import git_commit  # noqa: E402 - after the sys.path fix-up
from nlu.dataset import load_examples  # noqa: E402
from nlu.embedded import EmbeddedEngine  # noqa: E402
from nlu.evaluate import evaluate  # noqa: E402
from nlu.rasa_client import RasaClient  # noqa: E402
from nlu.rasa_env import (  # noqa: E402
    RASA_VERSION,
    RasaEnvError,
    ensure_rasa_env,
    free_port,
    run_rasa_server,
    stop_server,
    train_rasa,
    wait_until_ready,
)

TEST_FILE = ROOT / "nlu" / "tests" / "test_nlu.yml"
BEGIN, END = "<!-- BEGIN nlu -->", "<!-- END nlu -->"


def machine() -> str:
    """CPU count, CPU model and RAM of this machine."""
    model = platform.processor() or "unknown CPU"
    ram = "unknown RAM"
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text()
        found = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.MULTILINE)
        if found:
            model = found.group(1).strip()
        meminfo = Path("/proc/meminfo").read_text()
        kb = re.search(r"^MemTotal:\s*(\d+)", meminfo, re.MULTILINE)
        if kb:
            ram = f"{int(kb.group(1)) / 1024 / 1024:.1f} GiB RAM"
    except OSError:
        pass
    load = ""
    with contextlib.suppress(OSError):
        # Timings on a shared machine mean little without knowing how busy it was.
        load = ", load average {:.1f} / {:.1f} / {:.1f} at the end".format(*os.getloadavg())
    return f"{os.cpu_count()} CPU ({model}), {ram}, Python {platform.python_version()}{load}"


def bench_embedded() -> dict[str, Any]:
    """Train the embedded engine from scratch and evaluate it."""
    started = time.perf_counter()
    engine = EmbeddedEngine.train()
    train_s = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as tmp:
        engine.save(Path(tmp))
        started = time.perf_counter()
        engine = EmbeddedEngine.load(Path(tmp))
        load_s = time.perf_counter() - started
    for ex in load_examples(TEST_FILE)[:20]:
        engine.parse(ex.text)  # warm-up, like a running server
    metrics = evaluate(engine, TEST_FILE)
    metrics.update(train_s=train_s, ready_s=load_s, engine=engine, intrinsic=intrinsic(engine))
    return metrics


def intrinsic(engine: EmbeddedEngine) -> dict[str, float]:
    """Parse p50/p99 taking the best of 3 runs per text: the cost without scheduler noise."""
    timings = []
    for ex in load_examples(TEST_FILE):
        runs = []
        for _ in range(3):
            started = time.perf_counter()
            engine.parse(ex.text)
            runs.append((time.perf_counter() - started) * 1000)
        timings.append(min(runs))
    timings.sort()
    return {"p50": timings[len(timings) // 2], "p99": timings[int(len(timings) * 0.99) - 1]}


def bench_rasa() -> dict[str, Any]:
    """Train Rasa from scratch in its venv, serve it and evaluate over HTTP."""
    ensure_rasa_env()
    with tempfile.TemporaryDirectory(prefix="nlu-bench-") as tmp:
        started = time.perf_counter()
        model = train_rasa(Path(tmp), force=True)
        train_s = time.perf_counter() - started
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        started = time.perf_counter()
        proc = run_rasa_server(model, port)
        try:
            wait_until_ready(url, proc)
            ready_s = time.perf_counter() - started
            client = RasaClient(url, timeout=10)
            for ex in load_examples(TEST_FILE)[:20]:
                client.parse(ex.text)  # warm-up
            metrics = evaluate(client, TEST_FILE)
            predictions = [
                client.parse(ex.text)["intent"]["name"] for ex in load_examples(TEST_FILE)
            ]
            client.close()
        finally:
            stop_server(proc)
    metrics.update(train_s=train_s, ready_s=ready_s, predictions=predictions)
    return metrics


def _row(name: str, m: dict[str, Any]) -> str:
    """One markdown table row of metrics."""
    ents = m["entities"]
    nd = m["no_diacritics"]
    return (
        f"| {name} | {m['intent_accuracy']:.3f} | {m['intent_macro_f1']:.3f} "
        f"| {nd['accuracy']:.3f} | {nd['macro_f1']:.3f} "
        f"| {ents['province']['precision']:.2f} / {ents['province']['recall']:.2f} "
        f"| {ents['country']['precision']:.2f} / {ents['country']['recall']:.2f} "
        f"| {m['latency_ms']['p50']:.2f} / {m['latency_ms']['p99']:.2f} "
        f"| {m['train_s']:.1f} | {m['ready_s']:.1f} |"
    )


def render(embedded: dict[str, Any], rasa: dict[str, Any] | None, rasa_error: str) -> str:
    """The markdown section."""
    now = dt.datetime.now(ZoneInfo("Asia/Ho_Chi_Minh"))
    n = embedded["n"]
    nd_n = embedded["no_diacritics"]["n"]
    lines = [
        BEGIN,
        "## NLU: embedded engine vs Rasa",
        "",
        f"- Machine: {machine()}",
        f"- Date: {now:%d/%m/%Y} (Asia/Ho_Chi_Minh); commit `{git_commit(('nlu',))}`",
        f"- Data: `nlu/tests/test_nlu.yml`, {n} held-out examples ({nd_n} without diacritics), "
        "never used in training; entities scored on (type, value) per example",
        "- Run: `.venv/bin/python bench/nlu_bench.py`",
        "",
        "| engine | accuracy | macro-F1 | accuracy, no diacritics | macro-F1, no diacritics "
        "| province P / R | country P / R | parse p50 / p99 ms | train s | ready s |",
        "|---|---|---|---|---|---|---|---|---|---|",
        _row("embedded (TF-IDF + logistic regression, in-process)", embedded),
    ]
    lat = embedded["intrinsic"]
    if rasa is not None:
        lines.append(_row(f"Rasa {RASA_VERSION} (DIET, HTTP /model/parse)", rasa))
        engine = embedded["engine"]
        examples = load_examples(TEST_FILE)
        agree = sum(
            engine.parse(ex.text)["intent"]["name"] == pred
            for ex, pred in zip(examples, rasa["predictions"], strict=True)
        )
        lines += ["", f"Intent agreement between the engines: {agree / len(examples):.3f}."]
    else:
        lines += ["", f"Rasa not measured: {rasa_error}"]
    lines += [
        "",
        "Embedded parse cost without scheduler noise (best of 3 runs per text): "
        f"p50 {lat['p50']:.2f} ms, p99 {lat['p99']:.2f} ms. The table's single-pass latencies "
        "include whatever else the machine was running (see the load average).",
        "",
        '"ready s" is loading the saved model (embedded) or starting `rasa run --enable-api` '
        "until `/status` shows the model (Rasa). Rasa latency includes the loopback HTTP call. "
        "Rasa's `nlu_fallback` (below 0.5 confidence) is reported as `out_of_scope`, as the app "
        "sees it.",
        END,
    ]
    return "\n".join(lines)


def write_section(path: Path, section: str) -> None:
    """Replace (or append) the NLU section of the benchmarks file, leaving the rest alone."""
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    pattern = re.compile(re.escape(BEGIN) + r".*?" + re.escape(END), re.DOTALL)
    if pattern.search(text):
        text = pattern.sub(lambda _m: section, text, count=1)
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def main() -> int:
    """Run the benchmark and update the docs."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--skip-rasa", action="store_true", help="measure the embedded engine only")
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "benchmarks.md")
    args = parser.parse_args()
    embedded = bench_embedded()
    print(f"embedded: accuracy {embedded['intent_accuracy']}", flush=True)
    rasa: dict[str, Any] | None = None
    rasa_error = "skipped (--skip-rasa)"
    if not args.skip_rasa:
        try:
            rasa = bench_rasa()
            print(f"rasa: accuracy {rasa['intent_accuracy']}", flush=True)
        except (RasaEnvError, OSError) as exc:
            rasa_error = str(exc)
            print(f"rasa not measured: {exc}", file=sys.stderr)
    write_section(args.output, render(embedded, rasa, rasa_error))
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
