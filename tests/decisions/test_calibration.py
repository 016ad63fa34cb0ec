"""Calibrated scores: constructed cases, components, validation and a simulated call."""

from decimal import Decimal

import numpy as np
import pytest
from scipy.stats import spearmanr

from app.decisions.calibration import Calibration, Review, calibrate


def _ranking(scores: dict[int, float]) -> list[int]:
    return sorted(scores, key=lambda pid: -scores[pid])


def _harsh_reviewer_call() -> tuple[dict[int, float], list[Review]]:
    """Return true qualities and exact reviews where reviewer 1 scores 15 points low.

    Twenty proposals 3 points apart; every other proposal (the better of each pair) is reviewed
    by the harsh reviewer and two of four fair ones, so its raw mean drops 5 points, below the
    next proposal's. The fair reviewers rotate, so the review graph is connected.
    """
    quality = {pid: 90.0 - 3 * (pid - 100) for pid in range(100, 120)}
    fair = [2, 3, 4, 5]
    reviews = []
    for k, (pid, value) in enumerate(quality.items()):
        if k % 2 == 0:
            reviewers = [1, fair[k % 4], fair[(k + 1) % 4]]
        else:
            reviewers = [fair[k % 4], fair[(k + 1) % 4], fair[(k + 2) % 4]]
        for rid in reviewers:
            bias = -15.0 if rid == 1 else 0.0
            reviews.append(Review(pid, rid, value + bias))
    return quality, reviews


def test_calibrate_uniformly_harsh_reviewer_does_not_penalise_its_proposals():
    quality, reviews = _harsh_reviewer_call()

    result = calibrate(reviews)

    raw = {pid: s.raw_mean for pid, s in result.proposals.items()}
    calibrated = {pid: s.calibrated for pid, s in result.proposals.items()}
    assert _ranking(raw) != _ranking(quality)  # the raw mean is fooled ...
    assert _ranking(calibrated) == _ranking(quality)  # ... the calibrated score is not
    # The ridge shrinks the 15-point gap (to about 12 with ten reviews), and the fair
    # reviewers share the rest so that offsets average zero.
    harsh = result.reviewers[1].offset
    fair = {result.reviewers[rid].offset for rid in (2, 3, 4, 5)}
    assert max(fair) - min(fair) < 1e-9
    assert -15 < harsh - max(fair) < -10
    assert result.is_connected
    assert {s.component for s in result.proposals.values()} == {0}


def test_calibrate_small_ridge_recovers_the_exact_offset_difference():
    quality, reviews = _harsh_reviewer_call()

    result = calibrate(reviews, ridge=1e-6)

    fair_offset = result.reviewers[2].offset
    assert result.reviewers[1].offset - fair_offset == pytest.approx(-15.0, abs=1e-4)
    for pid, value in quality.items():
        assert result.proposals[pid].calibrated + fair_offset == pytest.approx(value, abs=1e-4)


def test_calibrate_reviewer_below_threshold_keeps_offset_zero_and_scores_as_given():
    quality, reviews = _harsh_reviewer_call()
    # Reviewer 9 is very harsh but has only two reviews.
    reviews += [Review(100, 9, 50.0), Review(101, 9, 45.0)]

    result = calibrate(reviews, min_reviews=3)

    newcomer = result.reviewers[9]
    assert newcomer.offset == 0.0
    assert newcomer.is_fitted is False
    assert newcomer.review_count == 2
    assert result.reviewers[1].is_fitted is True


def test_calibrate_every_reviewer_below_threshold_leaves_raw_means_unchanged():
    _, reviews = _harsh_reviewer_call()

    result = calibrate(reviews, min_reviews=100)

    assert all(r.offset == 0.0 and not r.is_fitted for r in result.reviewers.values())
    for score in result.proposals.values():
        assert score.calibrated == pytest.approx(score.raw_mean, abs=1e-9)


def test_calibrate_offsets_average_zero_within_a_component():
    _, reviews = _harsh_reviewer_call()

    result = calibrate(reviews)

    offsets = [r.offset for r in result.reviewers.values()]
    assert sum(offsets) == pytest.approx(0.0, abs=1e-9)


def test_calibrate_reviewer_with_few_reviews_moves_less_than_one_with_many():
    # Neutral background: 30 reviewers, 3 of them on each of 200 proposals, all scoring 50.
    rng = np.random.default_rng(7)
    reviews = [
        Review(pid, int(rid), 50.0)
        for pid in range(1000, 1200)
        for rid in rng.choice(np.arange(1, 31), 3, replace=False)
    ]
    # Two newcomers, both 10 points above the others on every proposal they review.
    for pid in range(1200, 1203):
        reviews += [Review(pid, 91, 60.0), Review(pid, 1, 50.0), Review(pid, 2, 50.0)]
    for pid in range(1203, 1223):
        reviews += [Review(pid, 92, 60.0), Review(pid, 3, 50.0), Review(pid, 4, 50.0)]

    result = calibrate(reviews)

    few, many = result.reviewers[91].offset, result.reviewers[92].offset
    assert 0 < few < many < 10
    assert few == pytest.approx(5.0, abs=1.0)  # about half way after three reviews


def test_calibrate_disconnected_groups_are_reported_and_fitted_separately():
    _, big = _harsh_reviewer_call()
    small = [
        Review(500, 50, 70.0),
        Review(500, 51, 60.0),
        Review(501, 50, 80.0),
        Review(501, 51, 66.0),
        Review(502, 50, 75.0),
        Review(502, 51, 69.0),
    ]

    result = calibrate(small + big)

    assert not result.is_connected
    assert len(result.components) == 2
    assert result.components[0].proposal_ids == tuple(range(100, 120))  # largest first
    assert result.components[0].reviewer_ids == (1, 2, 3, 4, 5)
    assert result.components[1].proposal_ids == (500, 501, 502)
    assert result.components[1].reviewer_ids == (50, 51)
    assert result.proposals[501].component == 1
    assert result.reviewers[50].component == 1
    assert result.proposals[100].component == 0
    alone = calibrate(small)
    for pid in (500, 501, 502):
        assert result.proposals[pid].calibrated == pytest.approx(alone.proposals[pid].calibrated)
    assert result.reviewers[50].offset == pytest.approx(alone.reviewers[50].offset)


def test_calibrate_single_review_per_proposal_keeps_raw_scores():
    reviews = [Review(pid, 1 + pid % 3, 40.0 + pid) for pid in range(12)]

    result = calibrate(reviews, min_reviews=1)

    # One review per proposal cannot tell a harsh reviewer from weak proposals.
    for pid, score in result.proposals.items():
        assert score.review_count == 1
        assert score.raw_mean == 40.0 + pid
        assert score.calibrated == pytest.approx(score.raw_mean, abs=1e-9)
    assert all(r.offset == pytest.approx(0.0, abs=1e-9) for r in result.reviewers.values())
    assert all(r.review_count == 4 for r in result.reviewers.values())
    assert len(result.components) == 3  # each reviewer with its own proposals


def test_calibrate_empty_input_returns_an_empty_connected_result():
    result = calibrate([])

    assert result == Calibration({}, {}, (), result.ridge, result.min_reviews)
    assert result.is_connected


def test_calibrate_reports_counts_and_raw_means_from_decimal_scores():
    reviews = [
        Review(1, 10, Decimal("80.50")),
        Review(1, 11, Decimal("70.25")),
        Review(2, 10, Decimal("60.00")),
    ]

    result = calibrate(reviews)

    assert result.proposals[1].raw_mean == pytest.approx(75.375)
    assert result.proposals[1].review_count == 2
    assert result.proposals[2].review_count == 1
    assert result.reviewers[10].review_count == 2
    assert result.reviewers[11].review_count == 1


@pytest.mark.parametrize(
    ("reviews", "options", "message"),
    [
        ([Review(1, 1, 100.5)], {}, "outside 0-100"),
        ([Review(1, 1, -1)], {}, "outside 0-100"),
        ([Review(1, 1, float("nan"))], {}, "outside 0-100"),
        ([Review(1, 1, 50), Review(1, 1, 60)], {}, "twice"),
        ([Review(1, 1, 50)], {"ridge": 0.0}, "ridge"),
        ([Review(1, 1, 50)], {"min_reviews": -1}, "min_reviews"),
    ],
)
def test_calibrate_contradictory_input_raises_value_error(reviews, options, message):
    with pytest.raises(ValueError, match=message):
        calibrate(reviews, **options)


# --- simulation --------------------------------------------------------------------------


def _simulated_call(seed: int) -> tuple[np.ndarray, list[Review]]:
    """Return true qualities and reviews of 100 proposals x 15 reviewers x 3 reviews by topic.

    Five topics of different mean quality; each reviewer knows two neighbouring topics and each
    proposal goes to the three least-loaded reviewers who know its topic, so some reviewers
    see mostly strong proposals. Reviewer offsets sd 8, noise sd 10, scores clipped to 0-100.
    """
    rng = np.random.default_rng(seed)
    n_prop, n_rev, topics = 100, 15, 5
    topic = rng.integers(0, topics, n_prop)
    quality = 60 + rng.normal(0, 8, topics)[topic] + rng.normal(0, 10, n_prop)
    offset = rng.normal(0, 8, n_rev)
    knows = [{r % topics, (r + 1) % topics} for r in range(n_rev)]
    load = np.zeros(n_rev)
    reviews = []
    for p in rng.permutation(n_prop):
        experts = [r for r in range(n_rev) if topic[p] in knows[r]]
        experts.sort(key=lambda r: (load[r], rng.random()))
        for r in experts[:3]:
            load[r] += 1
            score = np.clip(quality[p] + offset[r] + rng.normal(0, 10), 0, 100)
            reviews.append(Review(int(p), int(r), round(float(score), 2)))
    return quality, reviews


def _z_score_means(reviews: list[Review], n_prop: int) -> np.ndarray:
    by_reviewer: dict[int, list[float]] = {}
    for review in reviews:
        by_reviewer.setdefault(review.reviewer_id, []).append(float(review.score))
    stats = {r: (np.mean(s), np.std(s) or 1.0) for r, s in by_reviewer.items()}
    total, count = np.zeros(n_prop), np.zeros(n_prop)
    for review in reviews:
        mean, sd = stats[review.reviewer_id]
        total[review.proposal_id] += (float(review.score) - mean) / sd
        count[review.proposal_id] += 1
    return total / count


def test_calibrate_simulated_calls_rank_closer_to_the_truth_than_the_raw_mean():
    correlations = []
    for seed in range(10):
        quality, reviews = _simulated_call(seed)
        result = calibrate(reviews)
        raw = [result.proposals[p].raw_mean for p in range(100)]
        calibrated = [result.proposals[p].calibrated for p in range(100)]
        z_scores = _z_score_means(reviews, 100)
        correlations.append(
            [spearmanr(quality, ranking).statistic for ranking in (raw, calibrated, z_scores)]
        )

    raw, calibrated, z_scores = np.array(correlations).T
    # Seeded, so deterministic; the margins are a fraction of those observed (about +0.03 over
    # the raw mean, winning 9 seeds of 10) so that a harmless change of solver does not flip it.
    assert calibrated.mean() > raw.mean() + 0.01
    assert (calibrated > raw).sum() >= 7
    # The reason for no z-scores: by topic, they rank worse than the raw mean.
    assert z_scores.mean() < raw.mean() < calibrated.mean()
