"""In-process NLU engine: TF-IDF n-grams + logistic regression, trained in seconds."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import sklearn
from scipy.sparse import csr_matrix, hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from nlu.dataset import DATA_DIR, DataError, Example, data_fingerprint, load_examples
from nlu.entities import EntityExtractor, Match, default_extractor
from nlu.normalize import fold, normalize

MODEL_FILE = "embedded.joblib"
FORMAT_VERSION = 1
OUT_OF_SCOPE = "out_of_scope"
# Below this top probability the message is treated as out of scope, like Rasa's
# FallbackClassifier (whose nlu_fallback the Rasa client maps to out_of_scope as well).
DEFAULT_THRESHOLD = 0.3

_HAS_WORD = re.compile(r"\w", re.UNICODE)


def features_text(
    text: str, extractor: EntityExtractor, matches: list[Match] | None = None
) -> tuple[str, str]:
    """The two views a classifier sees: normalised text (with diacritics) and its fold.

    Entity types found in the text are appended as pseudo-words ("__country__"), so "sang cam"
    and "sang Lào" look alike to the classifier even if only one of them was in the data.
    """
    norm = normalize(text).text
    found = extractor.matches(text) if matches is None else matches
    tags = " ".join(sorted({f"__{m.entity}__" for m in found}))
    full = f"{norm} {tags}".strip()
    return full, fold(full)


@dataclass
class _Model:
    """The fitted parts of the embedded engine (what gets pickled)."""

    char_vec: TfidfVectorizer
    word_vec: TfidfVectorizer
    fold_word_vec: TfidfVectorizer
    clf: LogisticRegression
    labels: list[str]
    threshold: float
    fingerprint: str
    train_seconds: float
    n_examples: int

    def matrix(self, views: list[tuple[str, str]]) -> csr_matrix:
        """Stack the three TF-IDF views of a batch of texts."""
        full = [v[0] for v in views]
        folded = [v[1] for v in views]
        return csr_matrix(
            hstack(
                [
                    self.char_vec.transform(folded),
                    self.word_vec.transform(full),
                    self.fold_word_vec.transform(folded),
                ]
            )
        )


def _vectorizers() -> tuple[TfidfVectorizer, TfidfVectorizer, TfidfVectorizer]:
    """Char n-grams on folded text (robust to typos and missing diacritics) plus word n-grams."""
    word = r"(?u)\b\w+\b"
    char_vec = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 5), sublinear_tf=True, min_df=1)
    word_vec = TfidfVectorizer(
        analyzer="word", ngram_range=(1, 2), token_pattern=word, sublinear_tf=True
    )
    fold_vec = TfidfVectorizer(
        analyzer="word", ngram_range=(1, 2), token_pattern=word, sublinear_tf=True
    )
    return char_vec, word_vec, fold_vec


def _training_views(
    examples: list[Example], extractor: EntityExtractor
) -> tuple[list[tuple[str, str]], list[str]]:
    """Views and labels, each example also added in its diacritic-free form."""
    views: list[tuple[str, str]] = []
    labels: list[str] = []
    for ex in examples:
        full, folded = features_text(ex.text, extractor)
        views.append((full, folded))
        labels.append(ex.intent)
        if full != folded:
            # Users drop diacritics a lot; teach the diacritic word view the bare spellings too.
            views.append((folded, folded))
            labels.append(ex.intent)
    return views, labels


class _FastScorer:
    """Single-text inference without sklearn's per-call input validation (~10x faster).

    Reproduces TfidfVectorizer (sublinear tf, idf, l2 per view) followed by the multinomial
    logistic regression's softmax; `tests/nlu` checks it against `predict_proba`.
    """

    def __init__(self, model: _Model) -> None:
        """Precompute analyzers, vocabularies, idf vectors and the weight matrix."""
        self.views: list[tuple[Any, dict[str, int], np.ndarray, int, int]] = []
        offset = 0
        for vec, which in ((model.char_vec, 1), (model.word_vec, 0), (model.fold_word_vec, 1)):
            vocab: dict[str, int] = vec.vocabulary_
            self.views.append((vec.build_analyzer(), vocab, vec.idf_, offset, which))
            offset += len(vocab)
        self.coef = np.ascontiguousarray(model.clf.coef_.T)  # (n_features, n_classes)
        self.intercept = model.clf.intercept_.copy()
        self.binary = self.coef.shape[1] == 1

    def predict_proba(self, view: tuple[str, str]) -> np.ndarray:
        """Class probabilities for one (full, folded) view pair."""
        scores = self.intercept.astype(float).copy()
        for analyzer, vocab, idf, offset, which in self.views:
            counts: dict[int, int] = {}
            for gram in analyzer(view[which]):
                idx = vocab.get(gram)
                if idx is not None:
                    counts[idx] = counts.get(idx, 0) + 1
            if not counts:
                continue
            idx_arr = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
            tf = np.fromiter(counts.values(), dtype=float, count=len(counts))
            weights = (np.log(tf) + 1.0) * idf[idx_arr]
            norm = float(np.sqrt(np.dot(weights, weights)))
            if norm > 0:
                weights /= norm
            scores += weights @ self.coef[idx_arr + offset]
        if self.binary:
            p = 1.0 / (1.0 + np.exp(-scores[0]))
            return np.array([1.0 - p, p])
        scores -= scores.max()
        exp = np.exp(scores)
        return np.asarray(exp / exp.sum())


class EmbeddedEngine:
    """Intent classification and entity extraction without any server."""

    name = "embedded"

    def __init__(self, model: _Model, extractor: EntityExtractor | None = None) -> None:
        """Wrap a fitted model; entities come from the shared lookup extractor."""
        self.model = model
        self.extractor = extractor or default_extractor()
        self._classes = list(model.clf.classes_)
        self._scorer = _FastScorer(model)

    @classmethod
    def train(
        cls,
        data: Path = DATA_DIR,
        threshold: float = DEFAULT_THRESHOLD,
        extractor: EntityExtractor | None = None,
    ) -> EmbeddedEngine:
        """Fit on the Rasa training data (a file or a directory of YAML files)."""
        started = time.perf_counter()
        extractor = extractor or default_extractor()
        examples = load_examples(data)
        if not examples:
            raise DataError(f"no intent examples in {data}")
        views, labels = _training_views(examples, extractor)
        char_vec, word_vec, fold_vec = _vectorizers()
        char_vec.fit([v[1] for v in views])
        word_vec.fit([v[0] for v in views])
        fold_vec.fit([v[1] for v in views])
        clf = LogisticRegression(C=20.0, max_iter=3000, class_weight="balanced")
        model = _Model(
            char_vec=char_vec,
            word_vec=word_vec,
            fold_word_vec=fold_vec,
            clf=clf,
            labels=sorted(set(labels)),
            threshold=threshold,
            fingerprint=data_fingerprint(data if data.is_dir() else data.parent),
            train_seconds=0.0,
            n_examples=len(examples),
        )
        clf.fit(model.matrix(views), np.asarray(labels))
        model.train_seconds = time.perf_counter() - started
        return cls(model, extractor)

    def save(self, model_dir: Path) -> Path:
        """Write the model to `model_dir/embedded.joblib` (atomically) and return the path."""
        model_dir.mkdir(parents=True, exist_ok=True)
        path = model_dir / MODEL_FILE
        tmp = path.with_suffix(".tmp")
        payload = {
            "format": FORMAT_VERSION,
            "sklearn": sklearn.__version__,
            "model": self.model,
        }
        joblib.dump(payload, tmp)
        tmp.replace(path)
        return path

    @classmethod
    def load(cls, model_dir: Path) -> EmbeddedEngine:
        """Load a model saved by `save`; raises FileNotFoundError or DataError if unusable."""
        path = model_dir / MODEL_FILE
        payload = joblib.load(path)
        if (
            not isinstance(payload, dict)
            or payload.get("format") != FORMAT_VERSION
            or payload.get("sklearn") != sklearn.__version__
        ):
            raise DataError(f"{path} was written by another version; retrain it")
        model = payload["model"]
        if not isinstance(model, _Model):
            raise DataError(f"{path} is not an embedded NLU model")
        return cls(model)

    def predict_proba_slow(self, text: str) -> np.ndarray:
        """Probabilities through sklearn itself (reference for the fast path)."""
        view = features_text(text, self.extractor)
        return np.asarray(self.model.clf.predict_proba(self.model.matrix([view]))[0])

    def is_stale(self, data_dir: Path = DATA_DIR) -> bool:
        """Whether the training data changed since this model was trained."""
        return self.model.fingerprint != data_fingerprint(data_dir)

    def parse(self, text: str) -> dict[str, Any]:
        """Parse one message into Rasa's /model/parse shape."""
        matches = self.extractor.matches(text)
        entities = [m.as_dict() for m in matches]
        if not _HAS_WORD.search(text):
            # Emoji, punctuation or nothing: there is no language to classify.
            return _result(text, [(OUT_OF_SCOPE, 1.0)], entities)
        probs = self._scorer.predict_proba(features_text(text, self.extractor, matches))
        order = np.argsort(-probs)
        ranking = [(str(self._classes[i]), float(probs[i])) for i in order[:10]]
        top_name, top_conf = ranking[0]
        if top_conf < self.model.threshold and top_name != OUT_OF_SCOPE:
            # Too unsure to act on: answer out_of_scope, with the doubt as its confidence.
            oos = max(1.0 - top_conf, dict(ranking).get(OUT_OF_SCOPE, 0.0))
            rest = [r for r in ranking if r[0] != OUT_OF_SCOPE][:9]
            ranking = [(OUT_OF_SCOPE, oos), *rest]
        return _result(text, ranking, entities)


def _result(
    text: str, ranking: list[tuple[str, float]], entities: list[dict[str, Any]]
) -> dict[str, Any]:
    """Assemble the Rasa-shaped dict."""
    rank = [{"name": name, "confidence": round(conf, 6)} for name, conf in ranking[:10]]
    return {
        "text": text,
        "intent": dict(rank[0]),
        "intent_ranking": rank,
        "entities": entities,
    }


def train_and_save(model_dir: Path, data: Path = DATA_DIR) -> EmbeddedEngine:
    """Train on `data` and save into `model_dir`."""
    engine = EmbeddedEngine.train(data)
    engine.save(model_dir)
    return engine


def load_or_train(model_dir: Path, data_dir: Path = DATA_DIR) -> EmbeddedEngine:
    """Load the saved model, (re)training it first if missing, unreadable or stale."""
    try:
        engine = EmbeddedEngine.load(model_dir)
    except Exception:
        # Missing, truncated, foreign or from another library version: unpickling can fail in
        # many ways, and retraining takes seconds, so any failure means "train a new one".
        return train_and_save(model_dir, data_dir)
    if data_dir.is_dir() and engine.is_stale(data_dir):
        return train_and_save(model_dir, data_dir)
    return engine
