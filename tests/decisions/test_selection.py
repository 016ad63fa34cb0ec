"""Suggested award set: brute force on random small instances, limits, infeasibility, money."""

import random
from decimal import Decimal

import numpy as np
import pytest

from app.decisions import selection
from app.decisions.selection import (
    Candidate,
    GroupLimit,
    Limit,
    LimitKind,
    SelectionProblem,
    suggest_awards,
)

GROUPS = ("energy", "health", "materials")


def _candidate(pid: int, score, requested: str, *groups: str) -> Candidate:
    return Candidate(pid, score, Decimal(requested), frozenset(groups))


# --- brute force -----------------------------------------------------------------------------


def _random_problem(rng: random.Random) -> SelectionProblem:
    """Return up to 12 candidates, some scores and amounts repeated so that ties happen."""
    candidates = []
    for j in range(rng.randint(0, 12)):
        if rng.random() < 0.7:
            score = rng.choice([50, 60, 70, 80, 80.25])
        else:
            score = round(rng.uniform(0, 100), 2)
        if rng.random() < 0.7:
            requested = Decimal(rng.randint(1, 4) * 1000)
        else:
            requested = Decimal(rng.randint(100, 1_000_000)) / 100
        groups = frozenset(g for g in GROUPS if rng.random() < 0.35)
        candidates.append(Candidate(1000 + 7 * j, score, requested, groups))
    total = sum((c.requested for c in candidates), Decimal(0))
    budget = (total * Decimal(rng.uniform(0.2, 0.9))).quantize(Decimal("0.01"))
    limits = []
    for group in GROUPS:
        if rng.random() < 0.5:
            low = rng.choice([0, 0, 1, 2])
            high = None if rng.random() < 0.5 else rng.randint(low, 3)
            limits.append(GroupLimit(group, low, high))
    ids = [c.proposal_id for c in candidates]
    pinned_in = frozenset(pid for pid in ids if rng.random() < 0.05)
    pinned_out = frozenset(pid for pid in ids if rng.random() < 0.05)
    return SelectionProblem(candidates, budget, limits, pinned_in, pinned_out)


def _subsets(n: int) -> np.ndarray:
    """Return every subset of n candidates as rows of a bool matrix, candidate 0 the top bit."""
    return ((np.arange(2**n)[:, None] >> np.arange(n)[::-1]) & 1).astype(bool)


def _feasible(problem: SelectionProblem, limits: list[Limit] | None = None) -> np.ndarray:
    """Return the subsets that satisfy the given limits (default: all of the problem's)."""
    candidates = problem.candidates
    if limits is None:
        limits = [Limit(LimitKind.BUDGET)]
        for bound in problem.group_limits:
            limits.append(Limit(LimitKind.GROUP_MINIMUM, group=bound.group))
            if bound.maximum is not None:
                limits.append(Limit(LimitKind.GROUP_MAXIMUM, group=bound.group))
        limits += [Limit(LimitKind.PINNED_IN, proposal_id=p) for p in problem.pinned_in]
        limits += [Limit(LimitKind.PINNED_OUT, proposal_id=p) for p in problem.pinned_out]
    subsets = _subsets(len(candidates))
    cents = np.array([int(c.requested * 100) for c in candidates], dtype=np.int64)
    bounds = {bound.group: bound for bound in problem.group_limits}
    ids = [c.proposal_id for c in candidates]
    ok = np.ones(len(subsets), dtype=bool)
    for limit in limits:
        if limit.kind == LimitKind.BUDGET:
            ok &= subsets.astype(np.int64) @ cents <= int(problem.budget * 100)
        elif limit.kind in (LimitKind.GROUP_MINIMUM, LimitKind.GROUP_MAXIMUM):
            members = np.array([limit.group in c.groups for c in candidates], dtype=bool)
            count = subsets[:, members].sum(axis=1)
            if limit.kind == LimitKind.GROUP_MINIMUM:
                ok &= count >= bounds[limit.group].minimum
            else:
                ok &= count <= bounds[limit.group].maximum
        elif limit.kind == LimitKind.PINNED_IN:
            ok &= subsets[:, ids.index(limit.proposal_id)]
        else:
            ok &= ~subsets[:, ids.index(limit.proposal_id)]
    return subsets[ok]


def _brute_force(problem: SelectionProblem) -> tuple[tuple[int, ...], int] | None:
    """Return the documented rule's set (most score, least money, earliest) and the count of
    feasible sets with the most score; None when no set is feasible."""
    feasible = _feasible(problem)
    if len(feasible) == 0:
        return None
    score = np.array([round(float(c.score) * 10**4) for c in problem.candidates], np.int64)
    cents = np.array([int(c.requested * 100) for c in problem.candidates], np.int64)
    keys = [(int(score[s].sum()), -int(cents[s].sum()), tuple(s.tolist())) for s in feasible]
    best = max(keys)
    tied = sum(key[0] == best[0] for key in keys)
    picked = zip(problem.candidates, best[2], strict=True)
    return tuple(c.proposal_id for c, take in picked if take), tied


@pytest.mark.parametrize(
    ("core_size", "solver"),
    [(selection.CORE_SIZE, "states"), (3, "states"), (selection.CORE_SIZE, "milp"), (3, "milp")],
)
def test_suggest_awards_random_instances_match_brute_force(monkeypatch, core_size, solver):
    # A core of 3 sends these small instances through the LP bounds, the core and the fixing;
    # a state limit below zero hands every instance to HiGHS and the tie-breaking solves.
    monkeypatch.setattr(selection, "CORE_SIZE", core_size)
    if solver == "milp":
        monkeypatch.setattr(selection, "_STATE_LIMIT", -1)
    rng = random.Random(20240601 + core_size)
    infeasible = ties = 0
    for _ in range(200):
        problem = _random_problem(rng)
        expected = _brute_force(problem)

        result = suggest_awards(problem)

        if expected is None:
            infeasible += 1
            assert not result.feasible
            assert result.chosen == ()
            assert result.infeasibilities
            for reason in result.infeasibilities:
                assert reason.message
                # The named limits really cannot all hold together.
                assert len(_feasible(problem, list(reason.limits))) == 0
            continue
        chosen, tied = expected
        ties += tied > 1
        assert result.feasible
        assert result.is_proven_optimal
        assert result.chosen == chosen
        picked = [c for c in problem.candidates if c.proposal_id in result.chosen]
        assert result.total_requested == sum((c.requested for c in picked), Decimal(0))
        assert result.total_requested <= problem.budget
        assert result.left_over == problem.budget - result.total_requested
        assert result.total_score == pytest.approx(sum(float(c.score) for c in picked))
        for bound in problem.group_limits:
            count = sum(bound.group in c.groups for c in picked)
            assert count >= bound.minimum
            assert bound.maximum is None or count <= bound.maximum
        assert problem.pinned_in <= set(result.chosen)
        assert not problem.pinned_out & set(result.chosen)
    # The instances exercise what they are meant to.
    assert 20 <= infeasible <= 120
    assert ties >= 10


def test_suggest_awards_larger_instance_matches_a_direct_solve():
    # 120 candidates and theme minimums go through the LP bounds and a core; the optimum must
    # be the one HiGHS finds for the whole programme.
    from scipy.optimize import Bounds, LinearConstraint, milp

    rng = random.Random(5)
    candidates = [
        _candidate(
            pid,
            round(rng.uniform(40, 95), 2),
            f"{rng.randint(200, 999) * 100}.{rng.randint(0, 99):02d}",
            GROUPS[pid % 3],
        )
        for pid in range(120)
    ]
    problem = SelectionProblem(
        candidates, Decimal("1500000.00"), [GroupLimit(g, 4, 12) for g in GROUPS]
    )

    result = suggest_awards(problem)

    score = np.array([round(c.score * 100) for c in candidates], dtype=float)
    cents = np.array([int(c.requested * 100) for c in candidates], dtype=float)
    member = np.array([[g in c.groups for c in candidates] for g in GROUPS], dtype=float)
    direct = milp(
        -score,
        integrality=np.ones(120),
        bounds=Bounds(0, 1),
        constraints=[
            LinearConstraint(cents[None, :], -np.inf, 150_000_000),
            LinearConstraint(member, 4, 12),
        ],
        options={"mip_rel_gap": 0},
    )
    assert result.feasible
    assert round(result.total_score * 100) == round(-direct.fun)
    assert result.total_requested <= problem.budget


@pytest.mark.parametrize("seed", range(4))
def test_suggest_awards_states_and_highs_agree_on_tied_medium_instances(monkeypatch, seed):
    # 90 candidates, beyond brute force: means of three whole scores and a few amounts make
    # many equally good sets, so both solvers must apply the whole tie rule to agree.
    rng = random.Random(seed)
    candidates = [
        _candidate(
            500 + pid,
            sum(rng.randint(5, 10) * 10 for _ in range(3)) / 3,
            str(rng.choice([25_000, 50_000, 75_000])),
            *rng.sample(GROUPS, rng.randint(0, 2)),
        )
        for pid in range(90)
    ]
    problem = SelectionProblem(
        candidates,
        Decimal("1000000.00"),
        [GroupLimit("energy", 4), GroupLimit("health", 3, 8)],
        pinned_in=frozenset({510}),
        pinned_out=frozenset({501}),
    )

    by_states = suggest_awards(problem)
    monkeypatch.setattr(selection, "_STATE_LIMIT", -1)
    by_highs = suggest_awards(problem)

    assert by_states.is_proven_optimal and by_highs.is_proven_optimal
    assert by_states.chosen == by_highs.chosen
    assert by_states.total_requested <= problem.budget


# --- constructed cases -------------------------------------------------------------------------


def test_suggest_awards_is_exact_where_greedy_is_not():
    candidates = [
        _candidate(1, 90, "60000.00"),
        _candidate(2, 80, "50000.00"),
        _candidate(3, 80, "50000.00"),
    ]

    result = suggest_awards(SelectionProblem(candidates, Decimal("100000.00")))

    assert result.chosen == (2, 3)
    assert result.total_score == 160
    assert result.left_over == Decimal("0.00")


def test_suggest_awards_counts_cents_exactly():
    # As floats, 0.10 + 0.20 is 0.30000000000000004: over a budget of 0.30.
    candidates = [_candidate(1, 50, "0.10"), _candidate(2, 50, "0.20"), _candidate(3, 1, "0.01")]

    result = suggest_awards(SelectionProblem(candidates, Decimal("0.30")))

    assert result.chosen == (1, 2)
    assert result.total_requested == Decimal("0.30")
    assert result.left_over == Decimal("0.00")


def test_suggest_awards_one_cent_short_leaves_a_proposal_out():
    candidates = [_candidate(pid, 70, "33333.33") for pid in (1, 2, 3)]

    enough = suggest_awards(SelectionProblem(candidates, Decimal("99999.99")))
    short = suggest_awards(SelectionProblem(candidates, Decimal("99999.98")))

    assert enough.chosen == (1, 2, 3)
    assert enough.left_over == Decimal("0.00")
    assert short.chosen == (1, 2)
    assert short.left_over == Decimal("33333.32")


def test_suggest_awards_equal_scores_prefer_less_money_then_earlier_candidates():
    candidates = [
        _candidate(10, 60, "40000.00"),
        _candidate(11, 60, "30000.00"),
        _candidate(12, 60, "30000.00"),
        _candidate(13, 120, "70000.00"),
    ]

    result = suggest_awards(SelectionProblem(candidates, Decimal("100000.00")))

    # 10+11+12 (180, 100,000) ties with 13+11 and 13+12 (180, 100,000) and 13+10 (180,
    # 110,000: over). Same money, so the set holding the earliest candidate wins: 10, 11, 12.
    assert result.chosen == (10, 11, 12)
    cheaper = suggest_awards(
        SelectionProblem([*candidates[:3], _candidate(13, 120, "50000.00")], Decimal("100000"))
    )
    # Now 13 with 11 or 12 costs 80,000: less money wins over the earlier candidate 10.
    assert cheaper.chosen == (11, 13)


def test_suggest_awards_respects_group_bounds_and_pins():
    candidates = [
        _candidate(1, 95, "50000.00", "energy"),
        _candidate(2, 90, "50000.00", "energy"),
        _candidate(3, 85, "50000.00", "energy", "health"),
        _candidate(4, 40, "50000.00", "health"),
        _candidate(5, 30, "50000.00", "materials"),
        _candidate(6, 99, "50000.00"),
    ]
    problem = SelectionProblem(
        candidates,
        Decimal("200000.00"),
        [GroupLimit("energy", 0, 1), GroupLimit("health", 2), GroupLimit("materials", 1)],
        pinned_out=frozenset({6}),
    )

    result = suggest_awards(problem)

    # health needs two of {3, 4}, energy allows one (3 is both), materials one (5), and 6 is
    # out: 3, 4, 5 and no room for 1 or 2 in energy.
    assert result.chosen == (3, 4, 5)
    assert result.total_requested == Decimal("150000.00")
    assert result.left_over == Decimal("50000.00")


def test_suggest_awards_empty_call_is_feasible_and_empty():
    result = suggest_awards(SelectionProblem([], Decimal("1000.00")))

    assert result.feasible
    assert result.chosen == ()
    assert result.total_requested == Decimal("0.00")
    assert result.left_over == Decimal("1000.00")


def test_suggest_awards_node_limit_returns_the_best_set_found_marked_unproven(monkeypatch):
    # Scores proportional to the amounts make a subset-sum problem: the states run out at once
    # here, and HiGHS stops after one node.
    monkeypatch.setattr(selection, "_STATE_LIMIT", -1)
    monkeypatch.setattr(selection, "_NODE_LIMIT", 1)
    rng = random.Random(3)
    candidates = []
    for pid in range(60):
        cents = rng.randint(2_000_000, 15_000_000)
        candidates.append(Candidate(pid, round(cents / 150_000, 4), Decimal(cents) / 100))
    budget = (sum(c.requested for c in candidates) / 3).quantize(Decimal("0.01"))

    result = suggest_awards(SelectionProblem(candidates, budget))

    assert result.feasible
    assert not result.is_proven_optimal
    assert result.chosen
    assert 0 <= result.left_over == budget - result.total_requested


# --- infeasibility -----------------------------------------------------------------------------


def test_suggest_awards_pinned_in_over_budget_is_explained():
    candidates = [_candidate(1, 80, "60000.00"), _candidate(2, 70, "50000.00")]

    result = suggest_awards(
        SelectionProblem(candidates, Decimal("100000.00"), pinned_in=frozenset({1, 2}))
    )

    assert not result.feasible
    (reason,) = result.infeasibilities
    assert reason.limits == (
        Limit(LimitKind.BUDGET),
        Limit(LimitKind.PINNED_IN, proposal_id=1),
        Limit(LimitKind.PINNED_IN, proposal_id=2),
    )
    assert reason.message == (
        "The proposals pinned in request 110,000.00, more than the budget of 100,000.00."
    )


def test_suggest_awards_group_minimum_beyond_its_members_is_explained():
    candidates = [
        _candidate(1, 80, "10000.00", "health"),
        _candidate(2, 70, "10000.00", "health"),
        _candidate(3, 70, "10000.00"),
    ]

    result = suggest_awards(
        SelectionProblem(
            candidates,
            Decimal("100000.00"),
            [GroupLimit("health", 2), GroupLimit("energy", 1, 0)],
            pinned_out=frozenset({2}),
        )
    )

    assert not result.feasible
    assert [r.message for r in result.infeasibilities] == [
        "At least 2 awards in 'health', but the group has 2 candidates, 1 of them pinned out.",
        "The group 'energy' asks for at least 1 award but at most 0.",
    ]
    assert result.infeasibilities[0].limits == (
        Limit(LimitKind.GROUP_MINIMUM, group="health"),
        Limit(LimitKind.PINNED_OUT, proposal_id=2),
    )


def test_suggest_awards_minimums_over_budget_name_the_money_they_need():
    candidates = [
        _candidate(1, 80, "60000.00", "energy"),
        _candidate(2, 70, "45000.00", "energy"),
        _candidate(3, 70, "30000.00", "health"),
        _candidate(4, 60, "5000.00"),
    ]

    result = suggest_awards(
        SelectionProblem(
            candidates,
            Decimal("100000.00"),
            [GroupLimit("energy", 2), GroupLimit("health", 1)],
        )
    )

    assert not result.feasible
    (reason,) = result.infeasibilities
    assert set(reason.limits) == {
        Limit(LimitKind.BUDGET),
        Limit(LimitKind.GROUP_MINIMUM, group="energy"),
    }
    assert reason.message == (
        "At least 2 awards in 'energy' need at least 105,000.00, more than the budget of "
        "100,000.00."
    )


def test_suggest_awards_pins_and_minimums_over_budget_are_named_together():
    candidates = [
        _candidate(1, 90, "60000.00"),
        _candidate(2, 70, "30000.00", "energy"),
        _candidate(3, 60, "30000.00", "energy"),
        _candidate(4, 60, "45000.00", "energy"),
    ]

    result = suggest_awards(
        SelectionProblem(
            candidates,
            Decimal("100000.00"),
            [GroupLimit("energy", 2)],
            pinned_in=frozenset({1}),
        )
    )

    (reason,) = result.infeasibilities
    assert reason.limits == (
        Limit(LimitKind.BUDGET),
        Limit(LimitKind.GROUP_MINIMUM, group="energy"),
        Limit(LimitKind.PINNED_IN, proposal_id=1),
    )
    assert reason.message == (
        "At least 2 awards in 'energy' and proposal 1 pinned in need at least 120,000.00, "
        "more than the budget of 100,000.00."
    )


def test_suggest_awards_contradicting_group_bounds_are_named_together():
    # Every health proposal is also an energy one: two in health break energy's maximum of one.
    candidates = [
        _candidate(1, 80, "1000.00", "energy", "health"),
        _candidate(2, 70, "1000.00", "energy", "health"),
        _candidate(3, 70, "1000.00", "energy"),
    ]

    result = suggest_awards(
        SelectionProblem(
            candidates,
            Decimal("100000.00"),
            [GroupLimit("energy", 0, 1), GroupLimit("health", 2)],
        )
    )

    (reason,) = result.infeasibilities
    assert reason.limits == (
        Limit(LimitKind.GROUP_MAXIMUM, group="energy"),
        Limit(LimitKind.GROUP_MINIMUM, group="health"),
    )
    assert reason.message == (
        "These limits cannot all hold: at most 1 award in 'energy' and at least 2 awards in "
        "'health'."
    )


@pytest.mark.parametrize(
    ("problem", "message"),
    [
        (SelectionProblem([_candidate(1, 50, "0.001")], Decimal("1")), "finer than cents"),
        (SelectionProblem([_candidate(1, 50, "-1")], Decimal("1")), "at least 0"),
        (SelectionProblem([], Decimal("-5")), "at least 0"),
        (
            SelectionProblem([_candidate(1, 50, "1"), _candidate(1, 60, "1")], Decimal("1")),
            "twice",
        ),
        (SelectionProblem([], Decimal("1"), pinned_in=frozenset({9})), "not candidates"),
        (SelectionProblem([_candidate(1, float("inf"), "1")], Decimal("1")), "not a number"),
        (
            SelectionProblem([], Decimal("1"), [GroupLimit("a"), GroupLimit("a", 1)]),
            "limited twice",
        ),
        (SelectionProblem([], Decimal("1"), [GroupLimit("a", -1)]), "negative"),
    ],
)
def test_suggest_awards_contradictory_input_raises_value_error(problem, message):
    with pytest.raises(ValueError, match=message):
        suggest_awards(problem)
