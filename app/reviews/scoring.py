"""Scoring arithmetic: a review's weighted total on 0–100, and a proposal's summary."""

import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from app.calls.models import Criterion


def weighted_total(scores: Mapping[int, int], criteria: Iterable[Criterion]) -> Decimal:
    """Return the weighted score on 0–100: each criterion's score placed on its own scale
    (its minimum is 0, its maximum 100), averaged with the criteria's weights."""
    numerator = Decimal("0")
    weights = Decimal("0")
    for criterion in criteria:
        span = Decimal(criterion.scale_max - criterion.scale_min)
        fraction = Decimal(scores[criterion.id] - criterion.scale_min) / span
        numerator += Decimal(criterion.weight) * fraction
        weights += Decimal(criterion.weight)
    return (numerator / weights * 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class ScoreSummary:
    """The submitted reviews of one proposal, in numbers."""

    count: int
    mean: Decimal | None
    spread: Decimal | None  # population standard deviation
    disagreement: bool


def summarize(totals: list[Decimal], threshold: Decimal) -> ScoreSummary:
    """Summarise weighted totals; flag disagreement when their spread exceeds `threshold`."""
    if not totals:
        return ScoreSummary(0, None, None, False)
    mean = Decimal(str(statistics.fmean(float(t) for t in totals))).quantize(Decimal("0.01"))
    spread = Decimal(str(statistics.pstdev(float(t) for t in totals))).quantize(Decimal("0.01"))
    return ScoreSummary(len(totals), mean, spread, len(totals) > 1 and spread > threshold)
