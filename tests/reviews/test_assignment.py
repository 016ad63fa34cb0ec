"""Exact reviewer assignment: optimality against brute force, constraints, shortfalls, TF-IDF."""

import random
from collections import Counter
from dataclasses import replace
from itertools import combinations

import pytest

from app.reviews import assignment
from app.reviews.assignment import (
    AssignmentProblem,
    AssignmentResult,
    ShortfallKind,
    solve_assignment,
    tfidf_affinity,
)

SEEDS = range(150)


# --- brute force -----------------------------------------------------------------------------


def _weight(problem: AssignmentProblem, pair: tuple[int, int]) -> int:
    return round(problem.affinity.get(pair, 0.0) * problem.scale)


def _penalty(problem: AssignmentProblem, load: int) -> int:
    return sum(round(problem.load_penalty * problem.scale * (j - 1)) for j in range(1, load + 1))


def _score(problem: AssignmentProblem, pairs) -> tuple[int, int, int]:
    """Rank an assignment as the solver does: most reviews, fewest soft misses, best objective."""
    reviews = len(pairs)
    load = Counter(r for _, r in pairs)
    misses = sum(max(0, problem.min_load.get(r, 0) - load[r]) for r in problem.reviewers)
    if problem.expert_threshold is not None and problem.reviews_per_proposal > 0:
        misses += sum(
            not any(
                problem.affinity.get((p, r), 0.0) >= problem.expert_threshold
                for q, r in pairs
                if q == p
            )
            for p in problem.proposals
        )
    objective = sum(_weight(problem, pair) for pair in pairs) - sum(
        _penalty(problem, load[r]) for r in problem.reviewers
    )
    return reviews, -misses, objective


def _brute_force(problem: AssignmentProblem) -> tuple[tuple[int, int, int], frozenset]:
    """Return the best score over every assignment keeping max loads, conflicts and demand."""
    existing_load = Counter(r for _, r in problem.existing)
    options = []
    for p in problem.proposals:
        have = {r for q, r in problem.existing if q == p}
        free = [r for r in problem.reviewers if (p, r) not in problem.conflicts and r not in have]
        need = problem.reviews_per_proposal - len(have)
        options.append([(p, combo) for k in range(need + 1) for combo in combinations(free, k)])
    best: tuple[tuple[int, int, int], frozenset] | None = None

    def walk(i: int, load: Counter, chosen: list) -> None:
        nonlocal best
        if i == len(options):
            pairs = frozenset(chosen) | problem.existing
            score = _score(problem, pairs)
            if best is None or score > best[0]:
                best = (score, pairs)
            return
        for p, combo in options[i]:
            if all(load[r] < problem.max_load[r] for r in combo):
                for r in combo:
                    load[r] += 1
                walk(i + 1, load, chosen + [(p, r) for r in combo])
                for r in combo:
                    load[r] -= 1

    walk(0, Counter(existing_load), [])
    assert best is not None
    return best


def _search_space(problem: AssignmentProblem) -> int:
    size = 1
    for p in problem.proposals:
        have = sum(q == p for q, _ in problem.existing)
        free = sum((p, r) not in problem.conflicts for r in problem.reviewers) - have
        need = problem.reviews_per_proposal - have
        size *= sum(len(list(combinations(range(free), k))) for k in range(need + 1))
    return size


def _random_problem(
    seed: int, *, expert: bool = False, penalty: bool = False, minimums: bool = True
) -> AssignmentProblem:
    """Draw a small instance (2-4 proposals x 2-5 reviewers) whose brute force stays quick."""
    rng = random.Random(seed)
    while True:
        proposals = rng.sample(range(1, 60), rng.randint(2, 4))
        reviewers = rng.sample(range(100, 160), rng.randint(2, 5))
        reviews = rng.randint(1, min(3, max(1, len(reviewers) - 1)))
        affinity = {
            (p, r): round(rng.random(), 3)
            for p in proposals
            for r in reviewers
            if rng.random() < 0.85
        }
        conflicts = frozenset((p, r) for p in proposals for r in reviewers if rng.random() < 0.15)
        max_load = {r: rng.randint(0, reviews + 2) for r in reviewers}
        existing: set[tuple[int, int]] = set()
        load: Counter = Counter()
        for p in proposals:
            for r in rng.sample(reviewers, len(reviewers)):
                if (
                    rng.random() < 0.15
                    and (p, r) not in conflicts
                    and load[r] < max_load[r]
                    and sum(q == p for q, _ in existing) < reviews
                ):
                    existing.add((p, r))
                    load[r] += 1
        min_load = (
            {r: rng.randint(0, min(max_load[r], 2)) for r in reviewers if rng.random() < 0.4}
            if minimums
            else {}
        )
        problem = AssignmentProblem(
            proposals=proposals,
            reviewers=reviewers,
            affinity=affinity,
            reviews_per_proposal=reviews,
            max_load=max_load,
            min_load=min_load,
            conflicts=conflicts,
            existing=frozenset(existing),
            expert_threshold=_quantile(affinity.values(), rng.uniform(0.2, 0.6))
            if expert
            else None,
            load_penalty=rng.choice([0.05, 0.1, 0.3, 1.0]) if penalty else 0.0,
        )
        if _search_space(problem) <= 20_000:
            return problem


def _contested_expert_problem(seed: int) -> AssignmentProblem:
    """Draw an instance whose unconstrained optimum leaves a proposal without its expert.

    One or two reviews per proposal from scarce reviewers (load 1 or 2) make proposals compete
    for their best reviewers; the threshold is then set to the affinity of a better reviewer
    that some proposal lost, so the expert slot has to change the optimum when it is feasible.
    """
    rng = random.Random(seed)
    while True:
        proposals = rng.sample(range(1, 60), rng.randint(2, 4))
        reviewers = rng.sample(range(100, 160), rng.randint(3, 5))
        problem = AssignmentProblem(
            proposals=proposals,
            reviewers=reviewers,
            affinity={(p, r): round(rng.random(), 3) for p in proposals for r in reviewers},
            reviews_per_proposal=rng.choice([1, 1, 2]),
            max_load={r: rng.randint(1, 2) for r in reviewers},
            conflicts=frozenset((p, r) for p in proposals for r in reviewers if rng.random() < 0.1),
            load_penalty=rng.choice([0.0, 0.0, 0.1]),
        )
        if _search_space(problem) > 20_000:
            continue
        _, best = _brute_force(problem)
        lost = []
        for p in proposals:
            given = [problem.affinity[(q, r)] for q, r in best if q == p]
            if given:
                lost += [
                    problem.affinity[(p, r)]
                    for r in reviewers
                    if (p, r) not in problem.conflicts and problem.affinity[(p, r)] > max(given)
                ]
        if lost:
            return replace(problem, expert_threshold=rng.choice(lost))


def _quantile(values, q: float) -> float:
    """Pick a threshold that a share 1 - q of the pairs reach (so that experts are scarce)."""
    ordered = sorted(values) or [0.5]
    return ordered[min(int(q * len(ordered)), len(ordered) - 1)]


def _assert_constraints(problem: AssignmentProblem, result: AssignmentResult) -> None:
    """Check every hard constraint, the figures, and that shortfalls match the gaps exactly."""
    pairs = result.pairs
    assert problem.existing <= pairs
    assert result.new_pairs == pairs - problem.existing
    assert not pairs & problem.conflicts
    assert all(p in problem.proposals and r in problem.reviewers for p, r in pairs)
    load = Counter(r for _, r in pairs)
    assert result.load == {r: load[r] for r in problem.reviewers}
    assert all(load[r] <= problem.max_load[r] for r in problem.reviewers)
    per_proposal = Counter(p for p, _ in pairs)
    assert all(per_proposal[p] <= problem.reviews_per_proposal for p in problem.proposals)
    assert {p: sorted(r for r, _ in rs) for p, rs in result.per_proposal.items()} == {
        p: sorted(r for q, r in pairs if q == p) for p in problem.proposals
    }
    values = [problem.affinity.get(pair, 0.0) for pair in pairs]
    assert result.total_affinity == pytest.approx(sum(values))
    if values:
        assert result.min_affinity == min(values)
        assert result.mean_affinity == pytest.approx(sum(values) / len(values))

    short_reviews = Counter()
    short_experts, short_minimums = set(), {}
    for s in result.shortfalls:
        assert s.missing > 0 and s.reason
        if "all at maximum load" in s.reason:  # the explanation must be a fact
            takers = [
                r
                for r in problem.reviewers
                if (s.proposal, r) not in problem.conflicts | pairs
                and (
                    s.kind == ShortfallKind.CAPACITY
                    or problem.affinity.get((s.proposal, r), 0.0) >= problem.expert_threshold
                )
            ]
            assert takers and all(load[r] == problem.max_load[r] for r in takers)
        if "every proposal it may review is full" in s.reason:
            open_to = [
                p for p in problem.proposals if (p, s.reviewer) not in problem.conflicts | pairs
            ]
            assert all(per_proposal[p] == problem.reviews_per_proposal for p in open_to)
        if "below their minimum load" in s.reason:
            mine = [r for q, r in result.new_pairs if q == s.proposal]
            assert len(mine) + sum(q == s.proposal for q, _ in problem.existing) == (
                problem.reviews_per_proposal
            )
            assert all(load[r] <= problem.min_load.get(r, 0) for r in mine)
        if s.kind in (ShortfallKind.TOO_FEW_REVIEWERS, ShortfallKind.CAPACITY):
            short_reviews[s.proposal] += s.missing
        elif s.kind == ShortfallKind.NO_EXPERT:
            short_experts.add(s.proposal)
        else:
            short_minimums[s.reviewer] = s.missing
    assert (
        short_reviews
        == Counter({p: problem.reviews_per_proposal - per_proposal[p] for p in problem.proposals})
        - Counter()
    )
    minimum_gaps = {
        r: problem.min_load.get(r, 0) - load[r]
        for r in problem.reviewers
        if problem.min_load.get(r, 0) > load[r]
    }
    assert short_minimums == minimum_gaps
    if problem.expert_threshold is not None and problem.reviews_per_proposal > 0:
        lacking = {
            p
            for p in problem.proposals
            if not any(
                problem.affinity.get((p, r), 0.0) >= problem.expert_threshold
                for q, r in pairs
                if q == p
            )
        }
        assert short_experts == lacking
    assert result.complete == (not result.shortfalls)


def _check_against_brute_force(problem: AssignmentProblem) -> AssignmentResult:
    result = solve_assignment(problem)
    _assert_constraints(problem, result)
    best_score, best_pairs = _brute_force(problem)
    assert _score(problem, result.pairs) == best_score
    if problem.load_penalty == 0:
        # Equal scaled sums: the real-valued sums differ by rounding to 1/scale at most.
        best_total = sum(problem.affinity.get(pair, 0.0) for pair in best_pairs)
        tolerance = (len(best_pairs) + len(result.pairs)) / (2 * problem.scale)
        assert abs(result.total_affinity - best_total) <= tolerance + 1e-12
    return result


@pytest.fixture
def pruned(monkeypatch):
    """Start from one arc per proposal and per reviewer, so the optimality proof must add arcs."""
    monkeypatch.setattr(assignment, "MIN_CANDIDATES", 1)
    monkeypatch.setattr(assignment, "CANDIDATES_PER_SLOT", 0)


# --- optimality ------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_solve_assignment_random_instance_matches_brute_force(seed):
    _check_against_brute_force(_random_problem(seed))


@pytest.mark.parametrize("seed", SEEDS)
def test_solve_assignment_expert_threshold_matches_brute_force(seed):
    _check_against_brute_force(_random_problem(seed, expert=True))


@pytest.mark.parametrize("seed", SEEDS)
def test_solve_assignment_contested_expert_threshold_matches_brute_force(seed):
    _check_against_brute_force(_contested_expert_problem(seed))


@pytest.mark.parametrize("seed", SEEDS)
def test_solve_assignment_load_penalty_matches_brute_force(seed):
    _check_against_brute_force(_random_problem(seed, penalty=True))


@pytest.mark.parametrize("seed", SEEDS)
def test_solve_assignment_expert_and_penalty_match_brute_force(seed):
    _check_against_brute_force(_random_problem(seed, expert=True, penalty=True))


@pytest.mark.parametrize("seed", SEEDS)
def test_solve_assignment_pruned_arcs_still_match_brute_force(seed, pruned):
    _check_against_brute_force(_random_problem(seed, expert=seed % 2 == 0, penalty=seed % 3 == 0))


def test_random_instances_cover_complete_and_partial_cases():
    results = [solve_assignment(_random_problem(seed, expert=True)) for seed in SEEDS]
    kinds = Counter(s.kind for r in results for s in r.shortfalls)

    assert 20 <= sum(r.complete for r in results) <= len(results) - 20
    assert set(kinds) == set(ShortfallKind)


def test_contested_expert_instances_change_the_optimum():
    binding = 0
    for seed in SEEDS:
        problem = _contested_expert_problem(seed)
        (reviews, misses, objective), _ = _brute_force(problem)
        unconstrained = replace(problem, expert_threshold=None)
        (_, _, free_objective), _ = _brute_force(unconstrained)
        full = reviews == len(problem.proposals) * problem.reviews_per_proposal and misses == 0
        binding += full and objective < free_objective

    assert binding >= 15


def test_solve_assignment_pruned_medium_instance_matches_full_graph(monkeypatch):
    rng = random.Random(7)
    proposals, reviewers = list(range(60)), list(range(1000, 1040))
    problem = AssignmentProblem(
        proposals=proposals,
        reviewers=reviewers,
        affinity={(p, r): rng.random() for p in proposals for r in reviewers},
        reviews_per_proposal=3,
        max_load={r: rng.randint(3, 6) for r in reviewers},
        min_load={r: 3 for r in reviewers[:10]},
        conflicts=frozenset((p, r) for p in proposals for r in reviewers if rng.random() < 0.1),
        expert_threshold=0.85,
        load_penalty=0.02,
    )
    monkeypatch.setattr(assignment, "MIN_CANDIDATES", 60)  # every pair: no pruning
    full = solve_assignment(problem)
    monkeypatch.setattr(assignment, "MIN_CANDIDATES", 3)
    monkeypatch.setattr(assignment, "CANDIDATES_PER_SLOT", 1)

    pruned = solve_assignment(problem)

    assert _score(problem, pruned.pairs) == _score(problem, full.pairs)
    assert pruned.shortfalls == full.shortfalls
    # The first pruned network alone is worse: the optimality certificate had to add arcs.
    inst = assignment._prepare(problem)
    network = assignment._Network(inst, assignment._initial_candidates(inst))
    chosen = network.solve()[: len(network.pair_p)] > 0
    first_guess = problem.existing | {
        (proposals[p], reviewers[r])
        for p, r in zip(network.pair_p[chosen], network.pair_r[chosen], strict=True)
    }
    assert _score(problem, first_guess) < _score(problem, full.pairs)


# --- minimum loads ---------------------------------------------------------------------------


def test_solve_assignment_binding_minimum_beats_two_stage_fill():
    # Reviewer A must review once. Filling the minimum first gives A its best proposal (1, 0.6),
    # which leaves proposal 2 only B (0.0): 0.6 in all. One flow sees that A's minimum is
    # better spent on proposal 2 and B on proposal 1: 0.5 + 1.0 = 1.5.
    a, b = 10, 20
    problem = AssignmentProblem(
        proposals=[1, 2],
        reviewers=[a, b],
        affinity={(1, a): 0.6, (1, b): 1.0, (2, a): 0.5, (2, b): 0.0},
        reviews_per_proposal=1,
        max_load={a: 1, b: 1},
        min_load={a: 1},
    )
    two_stage = max(problem.affinity[(p, a)] for p in (1, 2)) + problem.affinity[(2, b)]

    result = solve_assignment(problem)

    assert result.pairs == {(1, b), (2, a)}
    assert result.total_affinity == pytest.approx(1.5)
    assert two_stage == pytest.approx(0.6)
    assert _score(problem, result.pairs) == _brute_force(problem)[0]


def test_solve_assignment_minimum_load_is_met_even_at_an_affinity_cost():
    problem = AssignmentProblem(
        proposals=[1, 2, 3],
        reviewers=[10, 20],
        affinity={(p, 10): 0.9 for p in (1, 2, 3)} | {(p, 20): 0.1 for p in (1, 2, 3)},
        reviews_per_proposal=1,
        max_load={10: 3, 20: 3},
        min_load={20: 2},
    )

    result = solve_assignment(problem)

    assert result.complete
    assert result.load == {10: 1, 20: 2}


# --- precision and existing assignments ------------------------------------------------------


def test_solve_assignment_third_decimal_decides_the_reviewer():
    problem = AssignmentProblem(
        proposals=[1],
        reviewers=[10, 20],
        affinity={(1, 10): 0.501, (1, 20): 0.502},
        reviews_per_proposal=1,
        max_load={10: 1, 20: 1},
    )

    assert solve_assignment(problem).pairs == {(1, 20)}


def test_solve_assignment_third_decimal_decides_the_whole_assignment():
    # (1,A)+(2,B) = 1.400 and (1,B)+(2,A) = 1.401: only the third decimal tells them apart.
    problem = AssignmentProblem(
        proposals=[1, 2],
        reviewers=[10, 20],
        affinity={(1, 10): 0.800, (1, 20): 0.700, (2, 10): 0.701, (2, 20): 0.600},
        reviews_per_proposal=1,
        max_load={10: 1, 20: 1},
    )

    result = solve_assignment(problem)

    assert result.pairs == {(1, 20), (2, 10)}
    assert result.total_affinity == pytest.approx(1.401)


def test_assignment_problem_scale_below_ten_thousand_is_refused():
    problem = AssignmentProblem(
        proposals=[1],
        reviewers=[10],
        affinity={},
        reviews_per_proposal=1,
        max_load={10: 1},
        scale=1000,
    )

    with pytest.raises(ValueError, match="scale"):
        solve_assignment(problem)


def test_solve_assignment_existing_pairs_kept_and_counted():
    # Proposal 1 already has reviewer 10 (poor match) and needs one more; 10 is then full.
    problem = AssignmentProblem(
        proposals=[1, 2],
        reviewers=[10, 20, 30],
        affinity={(1, 10): 0.1, (1, 20): 0.9, (2, 10): 0.9, (2, 20): 0.8, (2, 30): 0.2},
        reviews_per_proposal=2,
        max_load={10: 1, 20: 2, 30: 2},
        existing=frozenset({(1, 10)}),
    )

    result = solve_assignment(problem)

    assert result.complete
    assert result.pairs == {(1, 10), (1, 20), (2, 20), (2, 30)}
    assert result.new_pairs == {(1, 20), (2, 20), (2, 30)}
    assert result.load == {10: 1, 20: 2, 30: 1}
    assert result.per_proposal[1] == [(20, 0.9), (10, 0.1)]


def test_solve_assignment_existing_pairs_count_toward_minimum_load():
    problem = AssignmentProblem(
        proposals=[1, 2],
        reviewers=[10, 20],
        affinity={(1, 20): 1.0, (2, 20): 1.0},
        reviews_per_proposal=1,
        max_load={10: 2, 20: 2},
        min_load={10: 1},
        existing=frozenset({(1, 10)}),
    )

    result = solve_assignment(problem)

    assert result.complete
    assert result.new_pairs == {(2, 20)}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"existing": frozenset({(1, 10)}), "conflicts": frozenset({(1, 10)})}, "conflict"),
        ({"existing": frozenset({(1, 10), (1, 20)})}, "reviews_per_proposal"),
        ({"existing": frozenset({(1, 10), (2, 10)})}, "max_load"),
        ({"min_load": {10: 2}}, "min_load"),
        ({"affinity": {(1, 10): 1.5}}, r"\[0, 1\]"),
        ({"max_load": {10: 1}}, "max_load is missing"),
        ({"existing": frozenset({(9, 10)})}, "existing pairs"),
    ],
)
def test_solve_assignment_contradictory_input_raises(changes, message):
    problem = AssignmentProblem(
        **{
            "proposals": [1, 2],
            "reviewers": [10, 20],
            "affinity": {},
            "reviews_per_proposal": 1,
            "max_load": {10: 1, 20: 1},
        }
        | changes
    )

    with pytest.raises(ValueError, match=message):
        solve_assignment(problem)


# --- infeasible instances --------------------------------------------------------------------


def test_solve_assignment_too_few_unconflicted_reviewers_names_the_proposal():
    problem = AssignmentProblem(
        proposals=[1, 2],
        reviewers=[10, 20, 30],
        affinity={(1, 10): 0.9, (2, 10): 0.5},
        reviews_per_proposal=2,
        max_load={10: 2, 20: 2, 30: 2},
        conflicts=frozenset({(1, 20), (1, 30)}),
    )

    result = solve_assignment(problem)

    assert not result.complete
    [shortfall] = result.shortfalls
    assert (shortfall.proposal, shortfall.missing, shortfall.kind) == (
        1,
        1,
        ShortfallKind.TOO_FEW_REVIEWERS,
    )
    assert "2 conflicted" in shortfall.reason
    assert result.per_proposal[1] == [(10, 0.9)]
    assert len(result.per_proposal[2]) == 2
    _check_against_brute_force(problem)


def test_solve_assignment_total_capacity_short_keeps_the_best_reviews():
    problem = AssignmentProblem(
        proposals=[1, 2, 3],
        reviewers=[10, 20],
        affinity={(1, 10): 0.9, (2, 10): 0.8, (3, 10): 0.1, (3, 20): 0.7, (1, 20): 0.2},
        reviews_per_proposal=1,
        max_load={10: 1, 20: 1},
    )

    result = solve_assignment(problem)

    assert result.pairs == {(1, 10), (3, 20)}
    [shortfall] = result.shortfalls
    assert (shortfall.proposal, shortfall.missing, shortfall.kind) == (
        2,
        1,
        ShortfallKind.CAPACITY,
    )
    assert "remaining capacity (2) is below the remaining demand (3" in shortfall.reason


def test_solve_assignment_competition_for_the_only_reviewer_is_explained():
    # Enough capacity overall, but proposals 1 and 2 may only use reviewer 10, who takes one.
    problem = AssignmentProblem(
        proposals=[1, 2, 3],
        reviewers=[10, 20],
        affinity={(1, 10): 0.9, (2, 10): 0.4},
        reviews_per_proposal=1,
        max_load={10: 1, 20: 5},
        conflicts=frozenset({(1, 20), (2, 20)}),
    )

    result = solve_assignment(problem)

    assert result.pairs == {(1, 10), (3, 20)}
    [shortfall] = result.shortfalls
    assert (shortfall.proposal, shortfall.kind) == (2, ShortfallKind.CAPACITY)
    assert "all at maximum load" in shortfall.reason
    _check_against_brute_force(problem)


def test_solve_assignment_minimums_above_demand_are_reported_per_reviewer():
    problem = AssignmentProblem(
        proposals=[1, 2],
        reviewers=[10, 20],
        affinity={(1, 10): 0.9, (2, 20): 0.9},
        reviews_per_proposal=1,
        max_load={10: 2, 20: 2},
        min_load={10: 2, 20: 2},
    )

    result = solve_assignment(problem)

    assert result.pairs == {(1, 10), (2, 20)}
    assert [(s.reviewer, s.missing, s.kind) for s in result.shortfalls] == [
        (10, 1, ShortfallKind.MIN_LOAD),
        (20, 1, ShortfallKind.MIN_LOAD),
    ]
    assert "ask for 4 more assignments but only 2" in result.shortfalls[0].reason


def test_solve_assignment_unreachable_expert_threshold_keeps_full_reviews():
    problem = AssignmentProblem(
        proposals=[1, 2],
        reviewers=[10, 20, 30],
        affinity={(1, 10): 0.95, (1, 20): 0.3, (2, 10): 0.9, (2, 20): 0.6, (2, 30): 0.5},
        reviews_per_proposal=2,
        max_load={10: 2, 20: 2, 30: 2},
        conflicts=frozenset({(2, 10)}),
        expert_threshold=0.8,
    )

    result = solve_assignment(problem)

    assert result.pairs == {(1, 10), (1, 20), (2, 20), (2, 30)}
    [shortfall] = result.shortfalls
    assert (shortfall.proposal, shortfall.kind) == (2, ShortfallKind.NO_EXPERT)
    assert "none of the 1 reviewer(s) at or above the expert threshold 0.8" in shortfall.reason
    _check_against_brute_force(problem)


def test_solve_assignment_expert_slot_costs_affinity_when_needed():
    # Without a threshold the best is (1,B)+(2,A) = 1.74, leaving proposal 1 without an expert
    # (0.79 < 0.8). With it, proposal 1 takes A and 2 takes C: 1.70, both with an expert.
    a, b, c = 10, 20, 30
    plain = AssignmentProblem(
        proposals=[1, 2],
        reviewers=[a, b, c],
        affinity={(1, a): 0.9, (1, b): 0.79, (2, a): 0.95, (2, c): 0.8},
        reviews_per_proposal=1,
        max_load={a: 1, b: 1, c: 1},
    )
    expert = replace(plain, expert_threshold=0.8)

    result = solve_assignment(expert)

    assert solve_assignment(plain).pairs == {(1, b), (2, a)}
    assert result.complete
    assert result.pairs == {(1, a), (2, c)}
    assert result.total_affinity == pytest.approx(1.70)
    _check_against_brute_force(expert)


def test_solve_assignment_expert_threshold_above_every_affinity_is_explained():
    problem = AssignmentProblem(
        proposals=[1],
        reviewers=[10, 20],
        affinity={(1, 10): 0.9, (1, 20): 0.5},
        reviews_per_proposal=1,
        max_load={10: 1, 20: 1},
        expert_threshold=0.99,
    )

    result = solve_assignment(problem)

    assert result.pairs == {(1, 10)}
    [shortfall] = result.shortfalls
    assert shortfall.kind == ShortfallKind.NO_EXPERT
    assert "no reviewer reaches the expert threshold 0.99 (its best affinity is 0.9)" in (
        shortfall.reason
    )


def test_solve_assignment_load_penalty_spreads_the_work():
    problem = AssignmentProblem(
        proposals=[1, 2, 3, 4],
        reviewers=[10, 20],
        affinity={(p, 10): 0.9 for p in (1, 2, 3, 4)} | {(p, 20): 0.8 for p in (1, 2, 3, 4)},
        reviews_per_proposal=1,
        max_load={10: 4, 20: 4},
    )
    # The j-th review costs 0.15 * (j - 1): a third for 10 costs 0.30, a second for 20 0.15
    # plus 0.1 of affinity, so the work splits two and two.
    spread = replace(problem, load_penalty=0.15)

    assert solve_assignment(problem).load == {10: 4, 20: 0}
    assert solve_assignment(spread).load == {10: 2, 20: 2}


# --- TF-IDF affinity -------------------------------------------------------------------------


def test_tfidf_affinity_ranks_the_matching_reviewer_first():
    proposals = {1: "Deep learning for protein folding and structure prediction"}
    reviewers = {
        10: "protein structure prediction with deep neural networks",
        20: "corrosion of steel in marine concrete structures",
        30: "the of and a",
    }

    affinity = tfidf_affinity(proposals, reviewers)

    assert affinity[(1, 10)] > affinity.get((1, 20), 0.0)
    assert (1, 30) not in affinity
    assert all(0.0 <= v <= 1.0 for v in affinity.values())


def test_tfidf_affinity_identical_texts_score_one():
    text = "soil microbiome nitrogen fixation"

    assert tfidf_affinity({1: text}, {10: text})[(1, 10)] == pytest.approx(1.0)


def test_tfidf_affinity_only_stop_words_gives_nothing():
    assert tfidf_affinity({1: "the and of"}, {10: "a an the"}) == {}


@pytest.mark.parametrize("offset", [0, 10**12])
def test_solve_assignment_ignores_pairs_of_unknown_ids(offset):
    # A huge id range cannot use a lookup table: both ways of mapping ids must agree.
    p1, p2, r1, r2 = offset + 7, -3, offset + 70, 5
    problem = AssignmentProblem(
        proposals=[p1, p2],
        reviewers=[r1, r2],
        affinity={(p1, r1): 0.9, (p2, r2): 0.8, (p1, 999): 1.0, (12345, r1): 1.0},
        reviews_per_proposal=1,
        max_load={r1: 1, r2: 1},
        conflicts=frozenset({(p1, 999), (12345, r2)}),
    )

    result = solve_assignment(problem)

    assert result.pairs == {(p1, r1), (p2, r2)}
    assert result.total_affinity == pytest.approx(1.7)
