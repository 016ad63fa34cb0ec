"""The ranking's arithmetic on constructed calls: calibration, groups, ties, interest, the line."""

import random
from decimal import Decimal

import pytest

from app import clock
from app.calls.models import InterestMode
from app.decisions.models import Decision, Outcome
from app.decisions.ranking import (
    SuggestionOptions,
    _summary,
    build_ranking,
    sorted_rows,
    suggest,
)
from app.decisions.selection import Candidate, GroupLimit, SelectionProblem, suggest_awards
from app.extensions import db
from app.interest.models import InterestLevel, MemberInterest
from app.proposals.models import ProposalState
from app.reviews.models import Conflict, ConflictSource
from app.reviews.scoring import summarize
from tests.decisions.ranking_helpers import declined, proposal, ranked_call, review
from tests.factories import OrganizationFactory, TierFactory, UserFactory

THRESHOLD = Decimal("20")
QUALITY = {"X-02": 80, "X-04": 75, "X-01": 70, "X-03": 65, "X-06": 60, "X-05": 55}


def _rank(call):
    return build_ranking(call, threshold=THRESHOLD)


def _by_reference(ranking):
    return {row.reference: row for row in ranking.rows}


@pytest.fixture
def harsh_call():
    """Six proposals of known quality, each scored fairly by two of three reviewers; a harsh
    reviewer takes 30 points off the best two and the fifth, a fair one scores the others.

    References are chosen so that the raw mean's ties fall the wrong way (by reference).
    """
    call = ranked_call(total_budget=Decimal("30000"), max_award=Decimal("10000"))
    fair = [UserFactory(reviewer=True) for _ in range(3)]
    harsh, steady = UserFactory(reviewer=True, name="Harsh"), UserFactory(reviewer=True)
    items = {ref: proposal(call, reference=ref, requested="10000") for ref in QUALITY}
    pairs = {
        "X-02": (0, 1),
        "X-04": (1, 2),
        "X-01": (0, 2),
        "X-03": (0, 1),
        "X-06": (1, 2),
        "X-05": (0, 2),
    }
    for ref, (a, b) in pairs.items():
        review(items[ref], fair[a], QUALITY[ref])
        review(items[ref], fair[b], QUALITY[ref])
    for ref in ("X-02", "X-04", "X-06"):
        review(items[ref], harsh, QUALITY[ref] - 30)
    for ref in ("X-01", "X-03", "X-05"):
        review(items[ref], steady, QUALITY[ref])
    db.session.commit()
    return call, harsh


def test_harsh_reviewer_is_corrected_by_calibration(harsh_call):
    call, harsh = harsh_call

    ranking = _rank(call)

    rows = _by_reference(ranking)
    assert ranking.connected and ranking.merit == "calibrated"
    assert [row.reference for row in ranking.rows] == [
        "X-02",
        "X-01",
        "X-04",
        "X-03",
        "X-05",
        "X-06",
    ]
    assert [row.rank_label for row in ranking.rows] == ["1", "2", "3", "4", "5", "6"]
    assert rows["X-02"].raw == Decimal("70.00") and rows["X-01"].raw == Decimal("70.00")
    assert rows["X-02"].calibrated > rows["X-01"].calibrated
    assert all(row.score == row.calibrated for row in ranking.rows)  # advisory: not blended
    assert ranking.reviewers[-1].name == "Harsh"
    assert ranking.reviewers[-1].offset < Decimal("-10")
    assert ranking.reviewers[-1].reviews == 3


def test_calibration_moves_across_the_line_are_listed(harsh_call):
    call, _ = harsh_call

    ranking = _rank(call)

    # By raw mean (ties by reference) fit the 30,000; calibrated, X-04
    # takes X-03's place.
    assert [row.reference for row in ranking.above_line] == ["X-02", "X-01", "X-04"]
    assert [row.reference for row in ranking.moved_in] == ["X-04"]
    assert [row.reference for row in ranking.moved_out] == ["X-03"]


def test_disconnected_reviews_rank_by_raw_mean_and_show_groups():
    call = ranked_call()
    first, second = UserFactory(reviewer=True), UserFactory(reviewer=True)
    a, b = proposal(call, reference="G-1"), proposal(call, reference="G-2")
    c = proposal(call, reference="G-3")
    review(a, first, 60)
    review(b, first, 80)
    review(c, second, 70)
    db.session.commit()

    ranking = _rank(call)

    assert not ranking.connected and ranking.group_count == 2 and ranking.merit == "raw"
    assert [(row.reference, row.score, row.group) for row in ranking.rows] == [
        ("G-2", Decimal("80.00"), 1),
        ("G-3", Decimal("70.00"), 2),
        ("G-1", Decimal("60.00"), 1),
    ]
    assert ranking.moved_in == [] and ranking.moved_out == []


def test_equal_scores_share_a_rank():
    call = ranked_call()
    reviewers = [UserFactory(reviewer=True) for _ in range(2)]
    items = [proposal(call, reference=f"T-{n}") for n in range(1, 5)]
    for item, score in zip(items, (70, 80, 80, 60), strict=True):
        for person in reviewers:
            review(item, person, score)
    db.session.commit()

    ranking = _rank(call)

    assert [(row.reference, row.rank_label) for row in ranking.rows] == [
        ("T-2", "=1"),
        ("T-3", "=1"),
        ("T-1", "3"),
        ("T-4", "4"),
    ]


def _interest(item, level, votes=1):
    organization = OrganizationFactory(tier=TierFactory(votes=votes))
    db.session.add(
        MemberInterest(proposal_id=item.id, organization_id=organization.id, level=level)
    )


@pytest.mark.parametrize(
    ("mode", "weight", "expected"),
    [
        (InterestMode.ADVISORY, 0, [("I-1", Decimal("80.00")), ("I-2", Decimal("70.00"))]),
        # 0.5 x 80 + 0.5 x 0 = 40 against 0.5 x 70 + 0.5 x 100 = 85.
        (InterestMode.WEIGHTED, 50, [("I-2", Decimal("85.00")), ("I-1", Decimal("40.00"))]),
        # 0.9 x 80 = 72 against 0.9 x 70 + 10 = 73.
        (InterestMode.WEIGHTED, 10, [("I-2", Decimal("73.00")), ("I-1", Decimal("72.00"))]),
    ],
)
def test_member_interest_is_blended_only_when_weighted(mode, weight, expected):
    call = ranked_call(interest_mode=mode, interest_weight=weight)
    person = UserFactory(reviewer=True)
    low_interest, high_interest = proposal(call, reference="I-1"), proposal(call, reference="I-2")
    review(low_interest, person, 80)
    review(high_interest, person, 70)
    _interest(low_interest, InterestLevel.NOT_RELEVANT, votes=3)
    _interest(high_interest, InterestLevel.WOULD_COFUND, votes=2)
    _interest(high_interest, InterestLevel.WOULD_COFUND)
    db.session.commit()

    ranking = _rank(call)

    assert [(row.reference, row.score) for row in ranking.rows] == expected
    rows = _by_reference(ranking)
    assert rows["I-2"].interest.count(InterestLevel.WOULD_COFUND) == 2
    assert rows["I-2"].interest_score == Decimal("100.00")
    assert rows["I-1"].interest.count(InterestLevel.NOT_RELEVANT) == 1
    assert ranking.weighted == (mode == InterestMode.WEIGHTED)


def test_cumulative_and_funding_line_follow_rank_order():
    call = ranked_call(total_budget=Decimal("100000"))
    person = UserFactory(reviewer=True)
    amounts = {
        "L-1": ("30000", 90),
        "L-2": ("50000", 80),
        "L-3": ("40000", 70),
        "L-4": ("5000", 60),
    }
    for ref, (amount, score) in amounts.items():
        review(proposal(call, reference=ref, requested=amount), person, score)
    proposal(call, reference="L-0", requested="1000")  # no review: unranked, last
    db.session.commit()

    ranking = _rank(call)

    assert [(row.reference, row.rank, row.cumulative, row.above_line) for row in ranking.rows] == [
        ("L-1", 1, Decimal("30000.00"), True),
        ("L-2", 2, Decimal("80000.00"), True),
        ("L-3", 3, Decimal("120000.00"), False),
        ("L-4", 4, Decimal("125000.00"), False),
        ("L-0", None, None, False),
    ]
    assert ranking.line_total == Decimal("80000.00")
    # The exact suggestion does better than the line: it skips L-3 for L-4.
    selection = suggest(ranking)
    assert [row.reference for row in ranking.rows if row.suggested] == ["L-1", "L-2", "L-4"]
    assert selection.left_over == Decimal("15000.00")


def test_only_ranked_states_are_listed_with_their_decisions_conflicts_and_recusals():
    call = ranked_call()
    person, busy, conflicted = (UserFactory(reviewer=True) for _ in range(3))
    awarded = proposal(call, reference="S-1", state=ProposalState.AWARDED)
    staged = proposal(call, reference="S-2")
    proposal(
        call,
        reference="S-3",
        state=ProposalState.WITHDRAWN,
        withdrawn_at=clock.now(),
        withdrawal_reason="moved",
    )
    review(awarded, person, 90)
    review(staged, person, 50)
    declined(staged, busy)
    db.session.add(
        Conflict(
            proposal_id=staged.id, reviewer_id=conflicted.id, source=ConflictSource.SAME_PERSON
        )
    )
    db.session.add_all(
        [
            Decision(
                call_id=call.id,
                proposal_id=awarded.id,
                outcome=Outcome.AWARD,
                amount=Decimal("9000"),
                released_at=awarded.decided_at,
            ),
            Decision(call_id=call.id, proposal_id=staged.id, outcome=Outcome.DECLINE),
        ]
    )
    db.session.commit()

    rows = _by_reference(_rank(call))

    assert sorted(rows) == ["S-1", "S-2"]
    assert (rows["S-1"].decision, rows["S-1"].decision_amount, rows["S-1"].released) == (
        Outcome.AWARD,
        Decimal("9000.00"),
        True,
    )
    assert (rows["S-2"].decision, rows["S-2"].released) == (Outcome.DECLINE, False)
    assert (rows["S-2"].conflicts, rows["S-2"].recusals) == (1, 1)
    assert (rows["S-1"].conflicts, rows["S-1"].recusals) == (0, 0)


def test_sorted_rows_orders_by_each_key(harsh_call):
    call, _ = harsh_call
    ranking = _rank(call)

    def refs(sort):
        return [row.reference for row in sorted_rows(ranking, sort)]

    assert refs("rank") == [row.reference for row in ranking.rows]
    assert refs("reference") == sorted(QUALITY)
    assert refs("raw")[:2] == ["X-01", "X-02"]  # the tie at 70, by reference
    assert refs("calibrated") == refs("rank")
    assert refs("unknown") == refs("rank")


@pytest.mark.parametrize("seed", range(5))
def test_suggestion_is_what_suggest_awards_returns_and_fits_the_budget(seed):
    rng = random.Random(seed)
    call = ranked_call(total_budget=Decimal("100000"))
    people = [UserFactory(reviewer=True) for _ in range(3)]
    for _ in range(10):
        item = proposal(
            call,
            requested=str(rng.randrange(5000, 45001, 500)),
            keywords=rng.choice(["robotics, vision", "materials", "Robotics"]),
        )
        for person in rng.sample(people, 2):
            review(item, person, rng.randint(40, 95))
    db.session.commit()
    ranking = _rank(call)
    limits = (GroupLimit("robotics", 1, 2),)

    selection = suggest(ranking, SuggestionOptions(group_limits=limits))

    expected = suggest_awards(
        SelectionProblem(
            [
                Candidate(
                    row.proposal_id,
                    row.score,
                    row.requested,
                    frozenset({"robotics"} & row.keywords),
                )
                for row in ranking.rows
            ],
            Decimal("100000"),
            limits,
        )
    )
    assert selection.chosen == expected.chosen
    assert selection.total_requested <= Decimal("100000")
    suggested = [row for row in ranking.rows if row.suggested]
    assert [row.proposal_id for row in suggested] == list(selection.chosen)
    assert 1 <= sum("robotics" in row.keywords for row in suggested) <= 2


def test_fast_summary_equals_summarize_also_on_half_cents():
    rng = random.Random(6)
    cases = [[10.0, 20.01], [0.0, 0.01], [50.0], [33.33, 33.34, 33.35]]
    for _ in range(5000):
        cases.append([rng.randint(0, 10000) / 100 for _ in range(rng.choice([1, 2, 3, 4]))])

    for totals in cases:
        reference = summarize([Decimal(repr(t)) for t in totals], THRESHOLD)

        assert _summary(totals, THRESHOLD) == (
            reference.count,
            reference.mean,
            reference.spread,
            reference.disagreement,
        )
