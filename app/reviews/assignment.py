"""Assign reviewers to proposals exactly, as one min-cost flow (pure: no Flask, no database).

Every constraint and option lives in a single network, solved by OR-Tools' `SimpleMinCostFlow`:

    proposal p  --(1 unit, cost -round(affinity * scale))-->  reviewer r  -->  sink T

* Proposal p supplies the reviews it still needs (`reviews_per_proposal` minus its existing pairs);
  each (p, r) arc carries at most one unit, so no pair repeats; conflicted and existing pairs get
  no arc. A reviewer passes on at most `max_load` minus its existing load.
* Minimum loads are lower bounds on the reviewer -> sink arc, moved into the node balances (the
  textbook reduction): reviewer r *demands* its outstanding minimum m itself and only its capacity
  above m goes on to the sink, so every feasible flow gives r at least m and every assignment
  meeting the minimums is a flow. Minimums and affinities are optimised together, which a
  "fill the minimums, then the rest" pass cannot do.
* Expert slot: a proposal that still lacks a reviewer at or above `expert_threshold` is split in
  two. Its expert node supplies 1 unit and owns the arcs to expert reviewers; the main node
  supplies the rest and reaches the expert node through an arc of capacity need - 1 (more experts
  are welcome). Each pair keeps exactly one arc, the expert unit can only leave through an expert,
  and any assignment with an expert maps back to a flow: the constraint is exact, not a heuristic.
* Load penalty: the j-th assignment of a reviewer (existing ones included) costs
  `load_penalty * (j - 1)` affinity points, as unit arcs of rising cost from reviewer to sink. The
  cost is convex, so the solver takes a reviewer's arcs cheapest first and the flow's cost is the
  penalty exactly; units absorbed by a minimum add a constant.
* Shortfalls: overflow arcs with lexicographic weights keep the network feasible whatever the
  data: an unfilled review (proposal -> sink) costs more than all missing experts (expert node ->
  proposal) and unmet minimum units (sink -> reviewer, refunding that unit's penalty) together,
  and each of those costs more than any change in affinity and penalty. So the solve returns the
  optimal complete assignment when one exists, and otherwise the best partial one: most reviews,
  then fewest missing experts plus unmet minimum units (weighed alike), then most affinity less
  penalty. The flow's shortfalls are then explained from the data (eligible reviewers, capacity,
  minimums, experts).

Pruning keeps large instances fast and stays exact. The first network holds only each proposal's
best `max(20, 5 x reviews still needed)` reviewers and each reviewer's best `max(20, 5 x spare
capacity)` proposals. Shortest-path distances in its optimal residual network are dual prices;
if no left-out arc has a negative reduced cost at those prices, the full residual network has no
negative cycle either, which proves the flow optimal for the full graph. Otherwise the failing
arcs (at most that many per proposal, the most negative first) join and the network is solved
again, until the proof holds.
"""

import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from itertools import chain

import numpy as np
from ortools.graph.python import min_cost_flow

MIN_SCALE = 10_000
# Pruning: each proposal keeps its best max(20, 5 x reviews needed) reviewers, and each reviewer
# its best max(20, 5 x spare capacity) proposals, so that popular reviewers do not starve others.
MIN_CANDIDATES = 20
CANDIDATES_PER_SLOT = 5
# Rows of the proposal x reviewer matrices handled at once, to bound temporary memory.
_CHUNK_ROWS = 512


@dataclass(frozen=True)
class AssignmentProblem:
    """Describe one reviewer assignment: who may review what, how much, and how well."""

    proposals: Sequence[int]
    reviewers: Sequence[int]
    # (proposal, reviewer) -> affinity in [0, 1]; a missing pair is 0, unknown ids are ignored.
    affinity: Mapping[tuple[int, int], float]
    # Reviews each proposal gets in all, existing ones included.
    reviews_per_proposal: int
    # Reviewer -> most assignments in all (existing included); every reviewer needs one.
    max_load: Mapping[int, int]
    # Reviewer -> fewest assignments in all (existing included); absent means 0.
    min_load: Mapping[int, int] = field(default_factory=dict)
    # (proposal, reviewer) pairs never assigned.
    conflicts: frozenset[tuple[int, int]] = frozenset()
    # Pairs already assigned: kept, and counted toward demand, loads and the expert slot.
    existing: frozenset[tuple[int, int]] = frozenset()
    # When set, each proposal gets at least one reviewer whose affinity is >= this.
    expert_threshold: float | None = None
    # The j-th assignment of a reviewer costs load_penalty * (j - 1) affinity points (convex).
    load_penalty: float = 0.0
    # Affinities reach the solver as round(affinity * scale): 10**4 tells 0.501 from 0.502.
    scale: int = MIN_SCALE


class ShortfallKind(StrEnum):
    """Name the constraint that keeps an assignment from being complete."""

    TOO_FEW_REVIEWERS = "too_few_reviewers"
    CAPACITY = "capacity"
    NO_EXPERT = "no_expert"
    MIN_LOAD = "min_load"


@dataclass(frozen=True)
class Shortfall:
    """Say how many reviews (or minimum-load units) are missing, for whom, and why."""

    proposal: int | None  # None for a reviewer's unmet minimum load
    missing: int  # reviews; 1 for a missing expert; assignments below a reviewer's minimum
    reason: str
    kind: ShortfallKind
    reviewer: int | None = None  # set for an unmet minimum load


@dataclass(frozen=True)
class AssignmentResult:
    """Hold an optimal (or best partial) assignment and its figures."""

    pairs: frozenset[tuple[int, int]]  # every assignment, existing ones included
    new_pairs: frozenset[tuple[int, int]]
    complete: bool  # every constraint holds; otherwise see shortfalls
    total_affinity: float  # over all pairs, without the load penalty
    per_proposal: dict[int, list[tuple[int, float]]]  # (reviewer, affinity), best first
    load: dict[int, int]  # every reviewer, existing assignments included
    mean_affinity: float  # 0.0 when there are no pairs, as is min_affinity
    min_affinity: float
    shortfalls: list[Shortfall]  # in proposal order, then reviewers' minimums
    solve_seconds: float


@dataclass(frozen=True)
class _Instance:
    """Hold a validated problem as index-based numpy arrays (proposals x reviewers)."""

    proposals: list[int]
    reviewers: list[int]
    affinity: np.ndarray
    weight: np.ndarray
    conflict: np.ndarray
    existing: np.ndarray
    allowed: np.ndarray
    expert: np.ndarray | None
    split: np.ndarray
    need: np.ndarray
    existing_load: np.ndarray
    max_load: np.ndarray
    spare: np.ndarray
    floor: np.ndarray
    unit_penalty: np.ndarray
    scale: int
    threshold: float | None


def solve_assignment(problem: AssignmentProblem) -> AssignmentResult:
    """Return the assignment of maximum total affinity, or the best partial one with reasons.

    Raises:
        ValueError: the input contradicts itself (duplicate ids, an affinity outside [0, 1],
            existing pairs that are conflicts or exceed reviews_per_proposal or max_load,
            min_load above max_load, a reviewer without max_load, scale below 10**4).
    """
    started = time.perf_counter()
    inst = _prepare(problem)
    candidates = _initial_candidates(inst)
    while True:
        network = _Network(inst, candidates)
        flows = network.solve()
        if candidates is None:
            break
        missed = _negative_reduced_costs(inst, network, flows, candidates)
        if not missed.any():
            break
        candidates |= missed
    return _result(inst, network, flows, time.perf_counter() - started)


def tfidf_affinity(
    proposal_texts: Mapping[int, str], reviewer_texts: Mapping[int, str]
) -> dict[tuple[int, int], float]:
    """Return the TF-IDF cosine similarity in [0, 1] of every proposal and reviewer sharing a term.

    Pairs that share no term are left out: `AssignmentProblem` reads a missing pair as 0.
    """
    # Imported here because scikit-learn takes seconds to import, and the web app loads this
    # module for the solver, which does not need it.
    from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: PLC0415

    proposal_ids = list(proposal_texts)
    reviewer_ids = list(reviewer_texts)
    if not proposal_ids or not reviewer_ids:
        return {}
    texts = [proposal_texts[p] for p in proposal_ids] + [reviewer_texts[r] for r in reviewer_ids]
    vectorizer = TfidfVectorizer(stop_words="english", sublinear_tf=True)
    try:
        vectors = vectorizer.fit_transform(texts)
    except ValueError:  # nothing but stop words: every similarity is 0
        return {}
    # Rows are L2-normalised, so the dot product is the cosine; it is sparse where terms are.
    similarity = (vectors[: len(proposal_ids)] @ vectors[len(proposal_ids) :].T).tocoo()
    values = np.clip(similarity.data, 0.0, 1.0)
    return {
        (proposal_ids[i], reviewer_ids[j]): float(v)
        for i, j, v in zip(similarity.row, similarity.col, values, strict=True)
        if v > 0.0
    }


def _prepare(problem: AssignmentProblem) -> _Instance:
    """Validate the problem and turn it into arrays; raise ValueError on contradictory input."""
    proposals = list(problem.proposals)
    reviewers = list(problem.reviewers)
    if len(set(proposals)) != len(proposals) or len(set(reviewers)) != len(reviewers):
        raise ValueError("proposal and reviewer ids must be unique")
    if problem.reviews_per_proposal < 0:
        raise ValueError("reviews_per_proposal must not be negative")
    if not isinstance(problem.scale, int) or problem.scale < MIN_SCALE:
        raise ValueError(f"scale must be an integer of at least {MIN_SCALE}")
    if not (math.isfinite(problem.load_penalty) and problem.load_penalty >= 0):
        raise ValueError("load_penalty must be a finite number >= 0")
    n_prop, n_rev = len(proposals), len(reviewers)
    prop_ids = np.asarray(proposals, dtype=np.int64)
    rev_ids = np.asarray(reviewers, dtype=np.int64)

    affinity = np.zeros((n_prop, n_rev))
    if problem.affinity:
        rows, cols, known = _pair_indices(problem.affinity.keys(), prop_ids, rev_ids)
        values = np.fromiter(problem.affinity.values(), dtype=np.float64, count=len(known))
        values = values[known]
        if not np.all((values >= 0.0) & (values <= 1.0)):
            raise ValueError("affinities must lie in [0, 1]")
        affinity[rows, cols] = values
    weight = np.rint(affinity * problem.scale).astype(np.int64)

    conflict = np.zeros((n_prop, n_rev), dtype=bool)
    rows, cols, _ = _pair_indices(problem.conflicts, prop_ids, rev_ids)
    conflict[rows, cols] = True
    existing = np.zeros((n_prop, n_rev), dtype=bool)
    rows, cols, known = _pair_indices(problem.existing, prop_ids, rev_ids)
    if not known.all():
        raise ValueError("existing pairs must name listed proposals and reviewers")
    existing[rows, cols] = True
    if (existing & conflict).any():
        raise ValueError("an existing pair is also a conflict")

    missing = [r for r in reviewers if r not in problem.max_load]
    if missing:
        raise ValueError(f"max_load is missing for reviewers {missing[:10]}")
    max_load = np.array([problem.max_load[r] for r in reviewers], dtype=np.int64)
    min_load = np.array([problem.min_load.get(r, 0) for r in reviewers], dtype=np.int64)
    if (min_load < 0).any() or (min_load > max_load).any():
        raise ValueError("each reviewer needs 0 <= min_load <= max_load")
    existing_load = existing.sum(axis=0, dtype=np.int64)
    if (existing_load > max_load).any():
        raise ValueError("existing assignments exceed a reviewer's max_load")
    need = problem.reviews_per_proposal - existing.sum(axis=1, dtype=np.int64)
    if (need < 0).any():
        raise ValueError("existing assignments exceed reviews_per_proposal")
    spare = max_load - existing_load
    floor = np.maximum(min_load - existing_load, 0)

    allowed = ~conflict & ~existing & (spare > 0)[None, :]
    threshold = problem.expert_threshold
    if threshold is None:
        expert = None
        split = np.zeros(n_prop, dtype=bool)
    else:
        expert = affinity >= threshold
        split = (need > 0) & ~(existing & expert).any(axis=1)

    top_load = int(max_load.max(initial=0))
    unit_penalty = np.rint(problem.load_penalty * problem.scale * np.arange(top_load)).astype(
        np.int64
    )
    return _Instance(
        proposals=proposals,
        reviewers=reviewers,
        affinity=affinity,
        weight=weight,
        conflict=conflict,
        existing=existing,
        allowed=allowed,
        expert=expert,
        split=split,
        need=need,
        existing_load=existing_load,
        max_load=max_load,
        spare=spare,
        floor=floor,
        unit_penalty=unit_penalty,
        scale=problem.scale,
        threshold=threshold,
    )


def _pair_indices(
    pairs, prop_ids: np.ndarray, rev_ids: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Map (proposal, reviewer) id pairs to matrix indices; also return which pairs are known."""
    count = len(pairs)
    flat = np.fromiter(chain.from_iterable(pairs), dtype=np.int64, count=2 * count)
    rows = _index_of(flat[0::2], prop_ids)
    cols = _index_of(flat[1::2], rev_ids)
    known = (rows >= 0) & (cols >= 0)
    return rows[known], cols[known], known


def _index_of(values: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """Return each value's position in ids, or -1 where it is not there (vectorised lookup)."""
    if len(ids) == 0:
        return np.full(len(values), -1)
    low, high = int(ids.min()), int(ids.max())
    if high - low < 4 * len(ids) + 1_000_000:
        # Database ids are dense enough for a lookup table, a few times faster than a search.
        table = np.full(high - low + 1, -1)
        table[ids - low] = np.arange(len(ids))
        offset = values - low
        found = np.take(table, offset, mode="clip")
        return np.where((offset >= 0) & (offset <= high - low), found, -1)
    order = np.argsort(ids, kind="stable")
    pos = np.minimum(np.searchsorted(ids, values, sorter=order), len(ids) - 1)
    found = order[pos]
    return np.where(ids[found] == values, found, -1)


def _initial_candidates(inst: _Instance) -> np.ndarray | None:
    """Pick the arcs to start from, or None to use every allowed pair.

    Each proposal's best reviewers and each reviewer's best proposals: the first alone could
    leave reviewers liked by everyone as the only candidates, and the pruned network short.
    """
    n_prop, n_rev = inst.allowed.shape
    per_proposal = _candidates_per_proposal(inst)
    per_reviewer = max(MIN_CANDIDATES, CANDIDATES_PER_SLOT * int(inst.spare.max(initial=0)))
    if per_proposal >= n_rev or per_reviewer >= n_prop:
        return None
    candidates = np.zeros_like(inst.allowed)
    for start in range(0, n_prop, _CHUNK_ROWS):
        rows = slice(start, start + _CHUNK_ROWS)
        score = np.where(inst.allowed[rows], -inst.weight[rows], 1)
        candidates[rows] = _smallest_per_row(score, per_proposal) & inst.allowed[rows]
    for start in range(0, n_rev, _CHUNK_ROWS):
        cols = slice(start, start + _CHUNK_ROWS)
        score = np.where(inst.allowed[:, cols], -inst.weight[:, cols], 1).T
        candidates[:, cols] |= (_smallest_per_row(score, per_reviewer) & inst.allowed[:, cols].T).T
    return candidates


def _candidates_per_proposal(inst: _Instance) -> int:
    """Return how many arcs each proposal starts with, and gains at most per round."""
    return max(MIN_CANDIDATES, CANDIDATES_PER_SLOT * int(inst.need.max(initial=0)))


def _smallest_per_row(score: np.ndarray, k: int) -> np.ndarray:
    """Mark the k smallest entries of each row (every entry when a row has no more than k)."""
    if k >= score.shape[1]:
        return np.ones(score.shape, dtype=bool)
    chosen = np.zeros(score.shape, dtype=bool)
    np.put_along_axis(chosen, np.argpartition(score, k, axis=1)[:, :k], True, axis=1)
    return chosen


class _Network:
    """Build the flow network for the given candidate pairs and solve it once."""

    def __init__(self, inst: _Instance, candidates: np.ndarray | None) -> None:
        n_prop, n_rev = len(inst.proposals), len(inst.reviewers)
        sink = n_prop + n_rev
        n_split = int(inst.split.sum())
        self.expert_node = np.full(n_prop, -1, dtype=np.int64)
        self.expert_node[inst.split] = sink + 1 + np.arange(n_split)
        self.n_nodes = sink + 1 + n_split

        pair_p, pair_r = np.nonzero(inst.allowed if candidates is None else candidates)
        self.pair_p, self.pair_r = pair_p, pair_r
        tails = [self.pair_tails(inst, pair_p, pair_r)]
        heads = [n_prop + pair_r]
        caps = [np.ones(len(pair_p), dtype=np.int64)]
        costs = [-inst.weight[pair_p, pair_r]]

        def add(tail, head, cap, cost) -> slice:
            """Append arcs (scalars broadcast) and return where they sit among all arcs."""
            start = sum(len(x) for x in tails)
            parts = np.broadcast_arrays(
                *(np.asarray(x, dtype=np.int64) for x in (tail, head, cap, cost))
            )
            for arcs, part in zip((tails, heads, caps, costs), parts, strict=True):
                arcs.append(part)
            return slice(start, start + len(parts[0]))

        # Costs beyond affinity: see the module docstring for why these weights are lexicographic.
        total_need = int(inst.need.sum())
        top_penalty = int(inst.unit_penalty[-1]) if len(inst.unit_penalty) else 0
        regular = total_need * (inst.scale + top_penalty)
        soft_units = int(inst.floor.sum()) + n_split
        soft_cost = regular + soft_units * top_penalty + 1
        fill_cost = regular + soft_units * soft_cost + 1
        if fill_cost * self.n_nodes >= 2**62:  # OR-Tools scales costs by the node count
            raise ValueError("costs overflow 64 bits; try a smaller scale or load_penalty")

        above = inst.spare - inst.floor
        if top_penalty == 0:
            has = above > 0
            add(n_prop + np.flatnonzero(has), sink, above[has], 0)
            self.floor_reviewer = np.flatnonzero(inst.floor > 0)
            floor = inst.floor[self.floor_reviewer]
            self.floor_miss = add(sink, n_prop + self.floor_reviewer, floor, soft_cost)
        else:
            # One unit arc per load level j (1-based, existing load included): cost of the j-th.
            reviewer, level = _unit_levels(inst.existing_load + inst.floor, above)
            add(n_prop + reviewer, sink, 1, inst.unit_penalty[level - 1])
            # Unmet minimum units are the top ones, so each refunds its own level's penalty.
            self.floor_reviewer, level = _unit_levels(inst.existing_load, inst.floor)
            refund = inst.unit_penalty[level - 1]
            self.floor_miss = add(sink, n_prop + self.floor_reviewer, 1, soft_cost - refund)
        needy = np.flatnonzero(inst.need > 0)
        self.unfilled = add(needy, sink, inst.need[needy], fill_cost)
        self.split_proposals = np.flatnonzero(inst.split)
        expert_node = self.expert_node[self.split_proposals]
        add(self.split_proposals, expert_node, inst.need[self.split_proposals] - 1, 0)
        self.no_expert = add(expert_node, self.split_proposals, 1, soft_cost)

        self.tails = np.concatenate(tails)
        self.heads = np.concatenate(heads)
        self.caps = np.concatenate(caps)
        self.costs = np.concatenate(costs)
        supply = np.zeros(self.n_nodes, dtype=np.int64)
        supply[:n_prop] = inst.need - inst.split
        supply[n_prop:sink] = -inst.floor
        supply[sink] = -(total_need - int(inst.floor.sum()))
        supply[expert_node] = 1
        self.supply = supply

    def pair_tails(self, inst: _Instance, pair_p: np.ndarray, pair_r: np.ndarray) -> np.ndarray:
        """Return each pair arc's tail: the expert node for an expert of a split proposal."""
        if inst.expert is None:
            return pair_p
        to_expert = inst.split[pair_p] & inst.expert[pair_p, pair_r]
        return np.where(to_expert, self.expert_node[pair_p], pair_p)

    def solve(self) -> np.ndarray:
        """Solve the min-cost flow and return every arc's flow."""
        solver = min_cost_flow.SimpleMinCostFlow()
        solver.add_arcs_with_capacity_and_unit_cost(
            self.tails.astype(np.int32),
            self.heads.astype(np.int32),
            np.ascontiguousarray(self.caps),
            np.ascontiguousarray(self.costs),
        )
        solver.set_nodes_supplies(np.arange(self.n_nodes, dtype=np.int32), self.supply)
        status = solver.solve()
        if status != solver.OPTIMAL:
            # The overflow arcs make every instance feasible, so this is a range problem.
            raise ValueError(f"min-cost flow failed ({status.name}); try a smaller scale")
        return np.asarray(solver.flows(np.arange(len(self.tails), dtype=np.int32)))


def _unit_levels(start: np.ndarray, count: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Expand per-reviewer runs of load levels start+1 .. start+count into (reviewer, level)."""
    reviewer = np.repeat(np.arange(len(count)), count)
    offset = np.arange(len(reviewer)) - np.repeat(np.cumsum(count) - count, count)
    return reviewer, start[reviewer] + 1 + offset


def _potentials(network: _Network, flows: np.ndarray) -> np.ndarray:
    """Return shortest-path distances in the residual network from a virtual root to every node.

    At an optimal flow the residual network has no negative cycle, so Bellman-Ford ends; the
    distances d satisfy d[head] <= d[tail] + cost on every residual arc (they are dual prices).
    """
    forward = flows < network.caps
    backward = flows > 0
    tails = np.concatenate([network.tails[forward], network.heads[backward]])
    heads = np.concatenate([network.heads[forward], network.tails[backward]])
    costs = np.concatenate([network.costs[forward], -network.costs[backward]])
    dist = np.zeros(network.n_nodes, dtype=np.int64)
    active = np.ones(network.n_nodes, dtype=bool)
    for _ in range(network.n_nodes + 1):
        arcs = np.flatnonzero(active[tails])
        reach = dist[tails[arcs]] + costs[arcs]
        better = reach < dist[heads[arcs]]
        if not better.any():
            return dist
        updated = dist.copy()
        np.minimum.at(updated, heads[arcs[better]], reach[better])
        active = updated < dist
        dist = updated
    raise RuntimeError("residual network has a negative cycle: the flow is not optimal")


def _negative_reduced_costs(
    inst: _Instance, network: _Network, flows: np.ndarray, candidates: np.ndarray
) -> np.ndarray:
    """Return left-out allowed pairs whose arc would have a negative reduced cost (most first).

    When there are none, the pruned optimum is optimal for the full network: the potentials meet
    every arc's reduced-cost condition, so the full residual network has no negative cycle.
    Each proposal gets at most its candidate count per round, the most negative first: when the
    pruned network was short of capacity nearly every left-out arc fails, and taking them all
    would rebuild the full graph.
    """
    dist = _potentials(network, flows)
    n_prop, n_rev = inst.allowed.shape
    limit = _candidates_per_proposal(inst)
    reviewer_dist = dist[n_prop : n_prop + n_rev]
    missed = np.zeros_like(candidates)
    for start in range(0, n_prop, _CHUNK_ROWS):
        rows = np.arange(start, min(start + _CHUNK_ROWS, n_prop))
        tail_dist = np.broadcast_to(dist[rows][:, None], (len(rows), n_rev))
        if inst.expert is not None:
            expert_dist = dist[network.expert_node[rows]][:, None]
            to_expert = inst.split[rows][:, None] & inst.expert[rows]
            tail_dist = np.where(to_expert, expert_dist, tail_dist)
        # The arc's cost is -weight, so its reduced cost is tail - weight - head distance.
        reduced = tail_dist - inst.weight[rows] - reviewer_dist[None, :]
        failing = (reduced < 0) & inst.allowed[rows] & ~candidates[rows]
        if failing.any():
            score = np.where(failing, reduced, 0)
            missed[rows] = _smallest_per_row(score, limit) & failing
    return missed


def _result(
    inst: _Instance, network: _Network, flows: np.ndarray, seconds: float
) -> AssignmentResult:
    """Read the assignment off the flows and explain every shortfall."""
    chosen = flows[: len(network.pair_p)] > 0
    assigned = np.zeros_like(inst.existing)
    assigned[network.pair_p[chosen], network.pair_r[chosen]] = True
    props, revs = inst.proposals, inst.reviewers
    new_pairs = frozenset((props[p], revs[r]) for p, r in zip(*np.nonzero(assigned), strict=True))
    everything = assigned | inst.existing
    per_proposal: dict[int, list[tuple[int, float]]] = {p: [] for p in props}
    values = []
    for p, r in zip(*np.nonzero(everything), strict=True):
        value = float(inst.affinity[p, r])
        per_proposal[props[p]].append((revs[r], value))
        values.append(value)
    for reviews in per_proposal.values():
        reviews.sort(key=lambda item: (-item[1], item[0]))
    load_counts = everything.sum(axis=0)
    shortfalls = _shortfalls(inst, network, flows, assigned)
    return AssignmentResult(
        pairs=frozenset((props[p], revs[r]) for p, r in zip(*np.nonzero(everything), strict=True)),
        new_pairs=new_pairs,
        complete=not shortfalls,
        total_affinity=math.fsum(values),
        per_proposal=per_proposal,
        load={r: int(n) for r, n in zip(revs, load_counts, strict=True)},
        mean_affinity=math.fsum(values) / len(values) if values else 0.0,
        min_affinity=min(values, default=0.0),
        shortfalls=shortfalls,
        solve_seconds=seconds,
    )


def _shortfalls(
    inst: _Instance, network: _Network, flows: np.ndarray, assigned: np.ndarray
) -> list[Shortfall]:
    """Explain each unfilled review, missing expert and unmet minimum of the optimal flow."""
    props, revs = inst.proposals, inst.reviewers
    total_need, total_spare = int(inst.need.sum()), int(inst.spare.sum())
    load = (assigned | inst.existing).sum(axis=0)
    shortfalls: list[Shortfall] = []

    unfilled = np.zeros(len(props), dtype=np.int64)
    unfilled[np.flatnonzero(inst.need > 0)] = flows[network.unfilled]
    for p in np.flatnonzero(unfilled):
        need = int(inst.need[p])
        eligible = int(inst.allowed[p].sum())
        missing = int(unfilled[p])
        if eligible < need:
            conflicted = int(inst.conflict[p].sum())
            full = int((~inst.conflict[p] & ~inst.existing[p] & (inst.spare == 0)).sum())
            reason = (
                f"needs {need} more reviewer(s) but only {eligible} may take it "
                f"({conflicted} conflicted, {full} already at maximum load, "
                f"{int(inst.existing[p].sum())} already assigned)"
            )
            shortfalls.append(
                Shortfall(props[p], need - eligible, reason, ShortfallKind.TOO_FEW_REVIEWERS)
            )
            missing -= need - eligible
        if missing > 0:
            if total_spare < total_need:
                reason = (
                    f"the reviewers' remaining capacity ({total_spare}) is below the "
                    f"remaining demand ({total_need} reviews)"
                )
            else:
                others = inst.allowed[p] & ~assigned[p]
                reason = (
                    f"the {int(others.sum())} other reviewer(s) who may take it are all at "
                    "maximum load, and none of their assignments can move to a reviewer "
                    "with spare capacity"
                )
            shortfalls.append(Shortfall(props[p], missing, reason, ShortfallKind.CAPACITY))

    no_expert = network.split_proposals[flows[network.no_expert] > 0]
    for p in no_expert:
        experts = inst.expert[p]
        eligible = inst.allowed[p] & experts
        if not experts.any():
            reason = (
                f"no reviewer reaches the expert threshold {inst.threshold:g} "
                f"(its best affinity is {float(inst.affinity[p].max(initial=0.0)):.4g})"
            )
        elif not eligible.any():
            reason = (
                f"none of the {int(experts.sum())} reviewer(s) at or above the expert threshold "
                f"{inst.threshold:g} may take it ({int((experts & inst.conflict[p]).sum())} "
                f"conflicted, {int((experts & ~inst.conflict[p] & (inst.spare == 0)).sum())} "
                "already at maximum load)"
            )
        elif (load[eligible] >= inst.max_load[eligible]).all():
            reason = (
                f"the {int(eligible.sum())} reviewer(s) at or above the expert threshold "
                f"{inst.threshold:g} who may take it are all at maximum load, and freeing one "
                "would leave another review, expert slot or minimum load unmet"
            )
        else:
            # A missing expert and an unmet minimum weigh the same: the swap would only trade.
            reason = (
                "it is full, and taking one of its expert reviewers with spare capacity "
                "would drop a reviewer it has below their minimum load"
            )
        shortfalls.append(Shortfall(props[p], 1, reason, ShortfallKind.NO_EXPERT))
    if inst.expert is not None:
        # Existing pairs alone fill these, so nothing is left to give them an expert.
        filled = (inst.need == 0) & inst.existing.any(axis=1)
        for p in np.flatnonzero(filled & ~(inst.existing & inst.expert).any(axis=1)):
            reason = (
                "its existing reviewers fill it and none reaches the expert threshold "
                f"{inst.threshold:g}"
            )
            shortfalls.append(Shortfall(props[p], 1, reason, ShortfallKind.NO_EXPERT))

    unmet = np.bincount(
        network.floor_reviewer, weights=flows[network.floor_miss], minlength=len(revs)
    ).astype(np.int64)
    total_floor = int(inst.floor.sum())
    for r in np.flatnonzero(unmet):
        open_proposals = int((inst.allowed[:, r] & (inst.need > 0)).sum())
        if total_floor > total_need:
            reason = (
                f"the minimum loads ask for {total_floor} more assignments but only "
                f"{total_need} reviews remain to assign"
            )
        elif open_proposals < inst.floor[r]:
            reason = (
                f"its minimum needs {int(inst.floor[r])} more assignment(s) but only "
                f"{open_proposals} proposal(s) with open reviews may take this reviewer"
            )
        else:
            reason = (
                "every proposal it may review is full, and no reviewer there can hand over a "
                "review without leaving another minimum load or expert slot unmet"
            )
        shortfalls.append(
            Shortfall(None, int(unmet[r]), reason, ShortfallKind.MIN_LOAD, reviewer=revs[r])
        )
    position = {p: i for i, p in enumerate(props)}
    reviewer_position = {r: i for i, r in enumerate(revs)}
    return sorted(
        shortfalls,
        key=lambda s: (
            len(props) if s.proposal is None else position[s.proposal],
            -1 if s.reviewer is None else reviewer_position[s.reviewer],
        ),
    )
