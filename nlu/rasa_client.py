"""Synchronous HTTP client for a Rasa server's `POST /model/parse` (the app never imports rasa)."""

from __future__ import annotations

from typing import Any

import httpx

from nlu.entities import clean_entities, extract

# Rasa's FallbackClassifier answers "nlu_fallback"; the app only knows contract §6 intents.
RASA_FALLBACK_INTENT = "nlu_fallback"
OUT_OF_SCOPE = "out_of_scope"


class RasaError(RuntimeError):
    """The Rasa server could not be reached or gave an unusable answer."""


def _normalise(text: str, raw: Any) -> dict[str, Any]:
    """Reduce Rasa's answer to the contract shape, mapping nlu_fallback to out_of_scope."""
    if not isinstance(raw, dict) or not isinstance(raw.get("intent"), dict):
        raise RasaError("Rasa answer has no intent")
    ranking: list[dict[str, Any]] = []
    seen: set[str] = set()
    source = raw.get("intent_ranking") or [raw["intent"]]
    for item in source:
        if not isinstance(item, dict) or item.get("name") is None:
            continue
        name = str(item["name"])
        if name == RASA_FALLBACK_INTENT:
            name = OUT_OF_SCOPE
        if name in seen:
            continue
        seen.add(name)
        ranking.append({"name": name, "confidence": float(item.get("confidence") or 0.0)})
    if not ranking:
        raise RasaError("Rasa answer has an empty intent ranking")
    top_name = str(raw["intent"].get("name") or OUT_OF_SCOPE)
    if top_name == RASA_FALLBACK_INTENT:
        top_name = OUT_OF_SCOPE
    top = {"name": top_name, "confidence": float(raw["intent"].get("confidence") or 0.0)}
    raw_entities = raw.get("entities")
    entities: list[dict[str, Any]] = (
        [e for e in raw_entities if isinstance(e, dict)] if isinstance(raw_entities, list) else []
    )
    # Districts, wards and border gates (nlu.gazetteer) are too many for Rasa's lookup tables:
    # the embedded extractor's provinces join Rasa's, the longest span winning.
    places = [e for e in extract(text) if e["entity"] == "province"]
    return {
        "text": text,
        "intent": top,
        "intent_ranking": ranking[:10],
        # DIET and the regex extractor may both report a span: keep one, canonical value.
        "entities": clean_entities(entities + places),
    }


class RasaClient:
    """Calls `{url}/model/parse` with a short timeout and a retry on transport errors."""

    name = "rasa"

    def __init__(
        self,
        url: str,
        timeout: float = 2.0,
        retries: int = 1,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        """Create a pooled client for the server at `url` (e.g. http://rasa:5005)."""
        self.url = url.rstrip("/")
        self.retries = max(0, retries)
        self._client = httpx.Client(
            base_url=self.url,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 1.0)),
            transport=transport,
            headers={"Content-Type": "application/json"},
        )

    def parse(self, text: str) -> dict[str, Any]:
        """Parse `text` with Rasa; raises RasaError after the retries are used up."""
        last: Exception | None = None
        # Rasa reads a leading "/" as "this is an intent name" ("/theodoi X" would come back as
        # intent "theodoi X"); the tokenizer drops the slash anyway, so send the text without it.
        sent = text.lstrip().lstrip("/") or text
        for _attempt in range(self.retries + 1):
            try:
                response = self._client.post("/model/parse", json={"text": sent})
            except httpx.HTTPError as exc:
                last = exc
                continue
            if response.status_code >= 500:
                last = RasaError(f"Rasa answered HTTP {response.status_code}")
                continue
            if response.status_code != 200:
                # A 4xx will not get better by retrying.
                raise RasaError(f"Rasa answered HTTP {response.status_code}")
            try:
                return _normalise(text, response.json())
            except ValueError as exc:
                raise RasaError("Rasa answered with invalid JSON") from exc
        raise RasaError(f"Rasa unreachable at {self.url}: {type(last).__name__}") from last

    def status(self) -> dict[str, Any]:
        """Rasa's `GET /status` (loaded model); raises RasaError if not available."""
        try:
            response = self._client.get("/status")
            response.raise_for_status()
            data = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise RasaError(f"Rasa status unavailable at {self.url}") from exc
        if not isinstance(data, dict):
            raise RasaError("Rasa status is not an object")
        return data

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()

    def __enter__(self) -> RasaClient:
        """Use as a context manager."""
        return self

    def __exit__(self, *exc: object) -> None:
        """Close on exit."""
        self.close()
