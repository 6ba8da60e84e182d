"""Record anonymous quiz answers and compute the awareness indicator (share correct)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import Integer, func, select, update
from sqlalchemy.orm import Session

from hotline.quiz.models import QuizResult

AGE_BANDS = ("under_16", "16_17", "18_24", "25_34", "35_54", "55_plus")


def record_answer(
    session: Session,
    *,
    round_id: str,
    topic: str,
    question_id: str,
    correct: bool,
    channel: str,
    campaign_id: str | None = None,
    province: str | None = None,
    age_band: str | None = None,
) -> None:
    """Store one answered question (no identity of any kind)."""
    session.add(
        QuizResult(
            round_id=round_id,
            topic=topic,
            question_id=question_id,
            correct=correct,
            channel=channel,
            campaign_id=campaign_id,
            province=province,
            age_band=age_band if age_band in AGE_BANDS else None,
        )
    )


def set_profile(session: Session, round_id: str, province: str | None, age_band: str | None) -> int:
    """Attach the optional province / age band the user chose to give to a round's answers."""
    values: dict[str, str] = {}
    if province:
        values["province"] = province
    if age_band in AGE_BANDS:
        values["age_band"] = str(age_band)
    if not values:
        return 0
    result = session.execute(
        update(QuizResult).where(QuizResult.round_id == round_id).values(**values)
    )
    return int(getattr(result, "rowcount", 0) or 0)


@dataclass(frozen=True)
class KnowledgeRate:
    """Answers and the share correct for one (topic, province) cell."""

    topic: str
    province: str | None
    answered: int
    correct: int

    @property
    def share(self) -> float:
        """Share of correct answers (0..1)."""
        return self.correct / self.answered if self.answered else 0.0


def knowledge_rates(session: Session, start: datetime, end: datetime) -> list[KnowledgeRate]:
    """By topic and province (None = not given), answers in [start, end): answered, correct."""
    correct = func.sum(func.cast(QuizResult.correct, Integer))
    rows = session.execute(
        select(QuizResult.topic, QuizResult.province, func.count(), correct)
        .where(QuizResult.created_at >= start, QuizResult.created_at < end)
        .group_by(QuizResult.topic, QuizResult.province)
        .order_by(QuizResult.topic, QuizResult.province)
    )
    typed = cast("list[tuple[str, str | None, int, int | None]]", rows.all())
    return [KnowledgeRate(t, p, int(n), int(c or 0)) for t, p, n, c in typed]
