"""Suggest the award set: the most total score that fits the budget, exactly (pure: no Flask).

The suggestion is the optimum of an integer programme over one binary per proposal:

    maximise    sum of score(p) * x(p)
    subject to  sum of requested(p) * x(p) <= budget            (integer cents: no float drift)
                minimum(g) <= sum over p in g of x(p) <= maximum(g)    for each limited group
                x(p) = 1 when pinned in, x(p) = 0 when pinned out

solved exactly. Scores count to four decimals (`SCORE_DECIMALS`): they enter as integers, so
no rounding of floats can reorder two sets, and money is counted in integer cents throughout.

Ties are broken by a fixed rule, never by a solver: among the sets of the largest total score,
the one requesting the least money (more left for the waitlist); among those, the one that is
first in the candidates' order, compared proposal by proposal (the set holding the earliest
candidate where two sets differ wins). Callers pass the candidates in ranking order, so ties go
to the better-ranked proposals. The rule leaves one set, so the answer depends on neither the
solver's internals nor the ids.

How, exactly and fast. SciPy's `milp` (HiGHS, zero gap) alone takes 2-20 s on 2,000 proposals:
the few dozen proposals of similar score per dollar left open by the LP form a knapsack on which
it explores thousands of nodes. So:

1. The LP relaxation (HiGHS, `linprog`) gives dual prices y; for any y >= 0 and any feasible x,
   score(x) <= L(y) - |d(p)| for each p whose x(p) is off the side of its reduced score
   d(p) = score(p) - y . column(p). L and d are recomputed here from integer data, so the LP
   only has to be good, not exact.
2. A core of the proposals with the smallest |d| is solved exactly with every other proposal
   held at its LP side: a feasible set, whose total z bounds the optimum from below.
3. Every proposal with L - |d(p)| < z - 1/2 takes its LP side in every set scoring at least z
   (scores are integers), so it is fixed; a few dozen stay open. Fixing never removes a set that
   scores as much as the optimum, so the tie rule is unaffected.
4. The open proposals are solved by an exact dynamic programme over Pareto-optimal partial sets
   (money, score, counts of the groups that can still bind), which applies the tie rule as it
   goes and prunes by the LP bound (`_best_by_states`).

Should that programme need more than `_STATE_LIMIT` states (scores nearly proportional to the
amounts: a subset-sum problem), `milp` takes over on the same reduced programme, with the tie
rule as further solves; it stops at `_NODE_LIMIT` nodes and then returns its best set marked
`is_proven_optimal=False`. Any set HiGHS returns is checked again in integers; should its
tolerances let one break the budget by a cent, that set is cut off and the programme solved again.

When no set satisfies the limits, the answer names what is impossible: first the limits that
are impossible on their own (a proposal pinned both ways, a group minimum above its members,
pinned-in proposals over the budget or a group maximum), otherwise a minimal set of limits that
cannot hold together (found by dropping one limit at a time and keeping those whose removal
makes the programme feasible), with the money the others need when the budget is among them.
"""

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from enum import StrEnum

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, linprog, milp
from scipy.sparse import coo_array, csr_array, vstack

SCORE_DECIMALS = 4
_SCORE_SCALE = 10**SCORE_DECIMALS
_CENT = Decimal("0.01")
# Proposals solved exactly before the bounds fix the rest; doubled while that core is infeasible
# or the bounds leave open more than twice as many. Calls this small are solved whole.
CORE_SIZE = 32
# Rounding of a solved x is checked in integers; each failure cuts off one set, so this many
# failures in a row means something else is wrong.
_MAX_REPAIRS = 20
# Ties between equally good and equally cheap sets are settled this many candidates at a time,
# weighted by powers of two up to 2**19: exact integers, well within HiGHS's tolerances.
_BLOCK = 20
# Beyond this many partial sets at once the dynamic programme gives way to HiGHS.
_STATE_LIMIT = 200_000
# HiGHS, taking over, stops after this many branch-and-bound nodes (deterministic, unlike a time
# limit): only calls whose scores are nearly proportional to the amounts, a subset-sum problem,
# come near it, and their best set found is returned marked unproven.
_NODE_LIMIT = 5_000


@dataclass(frozen=True)
class Candidate:
    """A proposal that may be awarded: its score, the money it asks for and its groups."""

    proposal_id: int
    score: float | Decimal  # raw or calibrated; counted to SCORE_DECIMALS decimals
    requested: Decimal  # money, in whole cents
    groups: frozenset[str] = frozenset()  # themes or keyword groups; any number, or none


@dataclass(frozen=True)
class GroupLimit:
    """Bound the number of awards among the candidates of one group."""

    group: str
    minimum: int = 0
    maximum: int | None = None  # None: no upper bound


@dataclass(frozen=True)
class SelectionProblem:
    """Describe one call's choice: candidates in ranking order, the budget and the limits."""

    candidates: Sequence[Candidate]  # in ranking order: exact ties go to earlier candidates
    budget: Decimal
    group_limits: Sequence[GroupLimit] = ()
    pinned_in: frozenset[int] = frozenset()
    pinned_out: frozenset[int] = frozenset()


class LimitKind(StrEnum):
    """Name a kind of constraint a suggestion has to respect."""

    BUDGET = "budget"
    GROUP_MINIMUM = "group_minimum"
    GROUP_MAXIMUM = "group_maximum"
    PINNED_IN = "pinned_in"
    PINNED_OUT = "pinned_out"


@dataclass(frozen=True)
class Limit:
    """One constraint of the problem: the budget, a group's bound or a pin."""

    kind: LimitKind
    group: str | None = None  # for group bounds
    proposal_id: int | None = None  # for pins


@dataclass(frozen=True)
class Infeasibility:
    """Say which limits cannot all hold together, and why, in words."""

    limits: tuple[Limit, ...]
    message: str


@dataclass(frozen=True)
class Selection:
    """Hold the suggested award set and its figures, or why there is none."""

    feasible: bool
    chosen: tuple[int, ...]  # proposal ids in the candidates' order; empty when infeasible
    total_score: float
    total_requested: Decimal
    left_over: Decimal  # budget - total_requested
    infeasibilities: tuple[Infeasibility, ...]  # empty when feasible
    solve_seconds: float
    # False only when HiGHS hit _NODE_LIMIT: the best set found, not proven the rule's set.
    is_proven_optimal: bool = True


@dataclass(frozen=True)
class _Rows:
    """Linear constraints lo <= matrix @ x <= hi over every candidate, in integers.

    Bounds are floats so that a missing one is infinite; every finite bound and every row value
    is an integer below 2**53, so comparisons stay exact.
    """

    matrix: csr_array  # int64, rows x candidates
    lo: np.ndarray
    hi: np.ndarray

    @classmethod
    def of(
        cls, n: int, entries: list[tuple[np.ndarray, np.ndarray]], lo: list, hi: list
    ) -> "_Rows":
        """Build rows from (positions, coefficients) pairs; None bounds are missing."""
        data = [np.asarray(c, dtype=np.int64) for _, c in entries]
        matrix = coo_array(
            (
                np.concatenate(data) if data else np.zeros(0, np.int64),
                (
                    np.repeat(np.arange(len(entries)), [len(c) for c in data]),
                    np.concatenate([i for i, _ in entries]) if entries else np.zeros(0, int),
                ),
            ),
            shape=(len(entries), n),
        ).tocsr()
        matrix.eliminate_zeros()  # a free proposal (0.00) must not count in a row's factor
        return cls(
            matrix,
            np.array([-np.inf if v is None else v for v in lo], dtype=np.float64),
            np.array([np.inf if v is None else v for v in hi], dtype=np.float64),
        )

    @classmethod
    def dense(cls, coeffs: np.ndarray, lo: int | None = None, hi: int | None = None) -> "_Rows":
        """Return one row over every candidate."""
        return cls.of(len(coeffs), [(np.arange(len(coeffs)), coeffs)], [lo], [hi])

    def __add__(self, other: "_Rows") -> "_Rows":
        return _Rows(
            csr_array(vstack([self.matrix, other.matrix])),
            np.concatenate([self.lo, other.lo]),
            np.concatenate([self.hi, other.hi]),
        )

    def holds(self, x: np.ndarray) -> bool:
        """Check every row for the choice x, exactly."""
        value = self.matrix @ x.astype(np.int64)
        return bool(np.all((self.lo <= value) & (value <= self.hi)))


@dataclass(frozen=True)
class _Instance:
    """Hold a validated problem as integer arrays (candidates in input order)."""

    ids: list[int]
    score: np.ndarray  # int64, score * 10**SCORE_DECIMALS
    cents: np.ndarray  # int64
    budget: int  # cents
    groups: list[str]  # limited groups, in the order given
    member: np.ndarray  # bool, groups x candidates
    minimum: np.ndarray  # int64 per group
    maximum: np.ndarray  # int64 per group; the group's size when unbounded
    has_maximum: np.ndarray  # bool per group: a maximum was given
    pinned_in: np.ndarray  # bool per candidate
    pinned_out: np.ndarray  # bool per candidate


def suggest_awards(problem: SelectionProblem) -> Selection:
    """Return the exact suggested award set, or the limits that make every set impossible.

    Raises:
        ValueError: the input contradicts itself (a proposal listed twice, a pin of an unknown
            proposal, a group limited twice or below 0, money below 0 or finer than cents, a
            score that is not finite).
    """
    started = time.perf_counter()
    inst = _prepare(problem)
    reasons = _obvious_infeasibilities(inst)
    proven = True
    try:
        chosen = None if reasons else _optimum(inst)
    except _Unproven as stopped:
        if stopped.chosen is None:
            raise RuntimeError("HiGHS found no award set within its node limit") from None
        chosen, proven = stopped.chosen, False
    if chosen is None:
        reasons = reasons or [_explain(inst)]
        return Selection(
            feasible=False,
            chosen=(),
            total_score=0.0,
            total_requested=Decimal("0.00"),
            left_over=problem.budget,
            infeasibilities=tuple(reasons),
            solve_seconds=time.perf_counter() - started,
        )
    picked = [c for c, take in zip(problem.candidates, chosen, strict=True) if take]
    total = sum((c.requested for c in picked), Decimal("0.00"))
    return Selection(
        feasible=True,
        chosen=tuple(c.proposal_id for c in picked),
        total_score=math.fsum(float(c.score) for c in picked),
        total_requested=total,
        left_over=problem.budget - total,
        infeasibilities=(),
        solve_seconds=time.perf_counter() - started,
        is_proven_optimal=proven,
    )


# --- input -------------------------------------------------------------------------------------


def _cents(amount: Decimal, what: str) -> int:
    amount = Decimal(amount)
    if not amount.is_finite() or amount < 0:
        raise ValueError(f"{what} must be a sum of money of at least 0, not {amount}")
    if amount != amount.quantize(_CENT):
        raise ValueError(f"{what} {amount} is finer than cents")
    return int(amount * 100)


def _scaled_score(score: float | Decimal, proposal_id: int) -> int:
    if isinstance(score, Decimal):
        if not score.is_finite():
            raise ValueError(f"score of proposal {proposal_id} is not a number: {score}")
        return int((score * _SCORE_SCALE).to_integral_value(ROUND_HALF_EVEN))
    if not math.isfinite(score):
        raise ValueError(f"score of proposal {proposal_id} is not a number: {score}")
    return round(score * _SCORE_SCALE)


def _prepare(problem: SelectionProblem) -> _Instance:
    ids = [c.proposal_id for c in problem.candidates]
    if len(set(ids)) != len(ids):
        raise ValueError("a proposal is listed twice among the candidates")
    unknown = (problem.pinned_in | problem.pinned_out) - set(ids)
    if unknown:
        raise ValueError(f"pinned proposals are not candidates: {sorted(unknown)}")
    names = [limit.group for limit in problem.group_limits]
    if len(set(names)) != len(names):
        raise ValueError("a group is limited twice")
    for limit in problem.group_limits:
        if limit.minimum < 0 or (limit.maximum is not None and limit.maximum < 0):
            raise ValueError(f"group {limit.group!r} has a negative limit")
    budget = _cents(problem.budget, "the budget")
    n = len(ids)
    member = np.zeros((len(names), n), dtype=bool)
    for j, candidate in enumerate(problem.candidates):
        for i, name in enumerate(names):
            member[i, j] = name in candidate.groups
    sizes = member.sum(axis=1)
    return _Instance(
        ids=ids,
        score=np.array(
            [_scaled_score(c.score, c.proposal_id) for c in problem.candidates], dtype=np.int64
        ),
        cents=np.array(
            [
                _cents(c.requested, f"the amount of proposal {c.proposal_id}")
                for c in problem.candidates
            ],
            dtype=np.int64,
        ),
        budget=budget,
        groups=names,
        member=member,
        minimum=np.array([limit.minimum for limit in problem.group_limits], dtype=np.int64),
        maximum=np.array(
            [
                sizes[i] if limit.maximum is None else limit.maximum
                for i, limit in enumerate(problem.group_limits)
            ],
            dtype=np.int64,
        ),
        has_maximum=np.array([limit.maximum is not None for limit in problem.group_limits], bool),
        pinned_in=np.array([pid in problem.pinned_in for pid in ids], dtype=bool),
        pinned_out=np.array([pid in problem.pinned_out for pid in ids], dtype=bool),
    )


# --- the exact optimum ---------------------------------------------------------------------------


def _optimum(inst: _Instance) -> np.ndarray | None:
    """Return the chosen set under the documented rule as a bool mask, or None if infeasible."""
    ones = inst.pinned_in.copy()
    # A proposal that alone with the pinned ones exceeds the budget can never be chosen.
    spare = inst.budget - int(inst.cents[ones].sum())
    free = ~(inst.pinned_in | inst.pinned_out) & (inst.cents <= spare)
    try:
        return _reduce(inst, free, ones, _best_by_states)
    except _TooManyStates:
        return _reduce(inst, free, ones, _best_by_milp)


class _TooManyStates(Exception):
    """The dynamic programme would hold more than _STATE_LIMIT states."""


class _Unproven(Exception):
    """HiGHS reached _NODE_LIMIT; `chosen` is the best feasible set known, if any."""

    def __init__(self, chosen: np.ndarray | None):
        super().__init__("node limit reached")
        self.chosen = chosen


def _reduce(inst: _Instance, free: np.ndarray, ones: np.ndarray, best_of) -> np.ndarray | None:
    """Fix what the Lagrangian bound decides, solve the rest with best_of(inst, free, ones, floor).

    best_of returns the rule's set over the free candidates with the others fixed (None when
    infeasible); floor, when given, is a total score some feasible set reaches.
    """
    if free.sum() <= CORE_SIZE:
        return best_of(inst, free, ones, None)
    bound = _lagrangian_bound(inst, free, ones)
    if bound is None:
        return None  # even the LP relaxation is infeasible
    total_bound, reduced = bound
    order = np.flatnonzero(free)[np.argsort(np.abs(reduced[free]), kind="stable")]
    size = CORE_SIZE
    while True:
        core = np.zeros_like(free)
        core[order[:size]] = True
        # A larger core frees what a smaller one held, so its optimum is at least as good.
        best = best_of(inst, core, ones | (free & ~core & (reduced > 0)), None)
        if best is not None:
            reached = int(inst.score[best].sum())
            # Scores are integers, so "cannot reach `reached`" is "bound below reached - 1/2";
            # the float error of the bound (about 1e-6 here) is far below that half unit.
            cut = reached - 0.5
            fixed_out = free & (reduced < 0) & (total_bound + reduced < cut)
            fixed_in = free & (reduced > 0) & (total_bound - reduced < cut)
            open_ = free & ~fixed_out & ~fixed_in
            if not (open_ & ~core).any():
                # Every set scoring as much agrees with the held candidates, so the rule's set
                # over the core is the rule's set over all.
                return best
            if open_.sum() <= 2 * size:
                return best_of(inst, open_, ones | fixed_in, reached)
        if size >= len(order):
            return best  # the core was every free candidate
        size *= 2


def _best_by_milp(
    inst: _Instance, free: np.ndarray, ones: np.ndarray, floor: int | None
) -> np.ndarray | None:
    """Solve with HiGHS (zero gap), then break ties by the rule with further solves.

    Raises:
        _Unproven: HiGHS reached its node limit (with the best set known).
    """
    rows = _limit_rows(inst) + _twin_rows(inst)
    best = _solve(free, ones, rows, maximise=inst.score, node_limit=_NODE_LIMIT)
    if best is None:
        return None
    try:
        return _break_ties(inst, free, ones, rows, best)
    except _Unproven:
        raise _Unproven(best) from None  # the most score, proven; the tie rule not


def _best_by_states(
    inst: _Instance, free: np.ndarray, ones: np.ndarray, floor: int | None
) -> np.ndarray | None:
    """Return the rule's set by a dynamic programme over Pareto-optimal partial sets.

    The free candidates are taken last to first. A state is a choice among those taken so far:
    its money, its score, its count in each group whose bound can still bind, and its members
    as bits (earlier candidates in higher bits, so a larger mask is the earlier set). Within
    equal counts, a state is dropped when another costs no more and scores more, or scores as
    much for less money, or ties both and is the earlier set: whatever the remaining (earlier)
    candidates add to it, they add to the other too, and the rule prefers the other. A state
    is also dropped when even the LP bound of the remaining candidates (greedy by score per
    cent, the last one fractional) cannot bring it up to a score some feasible set reaches.

    Raises:
        _TooManyStates: more than _STATE_LIMIT states at once (then HiGHS takes over).
    """
    items = np.flatnonzero(free)
    fixed = ones & ~free
    capacity = inst.budget - int(inst.cents[fixed].sum())
    base_score = int(inst.score[fixed].sum())
    if capacity < 0:
        return None
    # Groups whose bounds can still bind among the free candidates, with the counts to track.
    groups = []  # (members among items, lowest count, highest count or None, radix, base)
    radix = 1
    for i in range(len(inst.groups)):
        members = inst.member[i, items]
        have = int(inst.member[i, fixed].sum())
        low, high = int(inst.minimum[i]) - have, int(inst.maximum[i]) - have
        available = int(members.sum())
        if high < 0 or low > available:
            return None
        binds_max = high < available
        if low <= 0 and not binds_max:
            continue
        cap = high if binds_max else low  # counts above a lone minimum need no telling apart
        groups.append((members, max(low, 0), high if binds_max else None, radix, cap + 1))
        radix *= cap + 1
    score, cents = inst.score[items], inst.cents[items]
    words = max(1, -(-len(items) // 63))
    # States: key (group counts in mixed radix), cost, score, mask words (word 0 earliest).
    key = np.zeros(1, dtype=np.int64)
    cost = np.zeros(1, dtype=np.int64)
    value = np.zeros(1, dtype=np.int64)
    mask = np.zeros((1, words), dtype=np.int64)
    floor_rel = None if floor is None else floor - base_score

    def feasible(keys: np.ndarray) -> np.ndarray:
        ok = np.ones(len(keys), dtype=bool)
        for _, low, _, rad, size in groups:
            ok &= (keys // rad) % size >= low
        return ok

    for t in range(len(items) - 1, -1, -1):
        new_key, new_cost = key.copy(), cost + cents[t]
        keep = new_cost <= capacity
        for members, _, high, rad, size in groups:
            if members[t]:
                count = (new_key // rad) % size
                if high is not None:
                    keep &= count < high
                    new_key += rad
                else:
                    new_key += rad * (count < size - 1)
        new_mask = mask.copy()
        new_mask[:, t // 63] |= np.int64(1) << np.int64(62 - t % 63)
        key = np.concatenate([key, new_key[keep]])
        cost = np.concatenate([cost, new_cost[keep]])
        value = np.concatenate([value, value[keep] + score[t]])
        mask = np.concatenate([mask, new_mask[keep]])
        # Pareto filter within equal counts: money up, score down, earlier set first.
        order = np.lexsort((*(-mask[:, w] for w in range(words - 1, -1, -1)), -value, cost, key))
        key, cost, value, mask = key[order], cost[order], value[order], mask[order]
        group_start = np.r_[True, key[1:] != key[:-1]]
        group_id = np.cumsum(group_start) - 1
        # Running maximum of score within each key: offset each key's scores above the last's.
        spread = int(np.abs(value).max()) * 2 + 1
        shifted = value + group_id * spread
        best_before = np.maximum.accumulate(shifted)
        best_before = np.r_[np.iinfo(np.int64).min, best_before[:-1]] - group_id * spread
        kept = group_start | (value > best_before)
        key, cost, value, mask = key[kept], cost[kept], value[kept], mask[kept]
        complete = feasible(key)
        if complete.any():
            reached = int(value[complete].max())
            floor_rel = reached if floor_rel is None else max(floor_rel, reached)
        if floor_rel is not None and t > 0:
            reach = value + _greedy_bound(score[:t], cents[:t], capacity - cost)
            kept = reach >= floor_rel - 0.5
            key, cost, value, mask = key[kept], cost[kept], value[kept], mask[kept]
        if len(key) > _STATE_LIMIT:
            raise _TooManyStates

    complete = feasible(key)
    if not complete.any():
        return None
    key, cost, value, mask = key[complete], cost[complete], value[complete], mask[complete]
    winner = np.lexsort((*(-mask[:, w] for w in range(words - 1, -1, -1)), cost, -value))[0]
    chosen = fixed.copy()
    for t, j in enumerate(items):
        chosen[j] = bool(mask[winner, t // 63] >> np.int64(62 - t % 63) & 1)
    return chosen


def _greedy_bound(score: np.ndarray, cents: np.ndarray, room: np.ndarray) -> np.ndarray:
    """Return, for each budget left in room, the LP bound on the score these candidates add.

    The knapsack LP (Dantzig's bound): candidates by score per cent, whole while they fit, the
    next one in part; candidates that do not raise the score are left out.
    """
    useful = score > 0
    score, cents = score[useful], cents[useful]
    if len(score) == 0:
        return np.zeros(len(room))
    with np.errstate(divide="ignore"):
        ratio = np.where(cents > 0, score / np.maximum(cents, 1), np.inf)
    order = np.argsort(-ratio, kind="stable")
    score, cents = score[order].astype(np.float64), cents[order].astype(np.float64)
    spent, gained = np.cumsum(cents), np.cumsum(score)
    whole = np.searchsorted(spent, room, side="right")  # candidates that fit entirely
    total = np.where(whole > 0, gained[np.maximum(whole - 1, 0)], 0.0)
    left = room - np.where(whole > 0, spent[np.maximum(whole - 1, 0)], 0.0)
    part = np.where(
        whole < len(score),
        left
        * score[np.minimum(whole, len(score) - 1)]
        / np.maximum(cents[np.minimum(whole, len(score) - 1)], 1),
        0.0,
    )
    return total + part


def _break_ties(
    inst: _Instance, free: np.ndarray, ones: np.ndarray, rows: _Rows, best: np.ndarray
) -> np.ndarray:
    """Among the sets scoring as much as `best`, return the one the documented rule picks."""
    n = len(inst.ids)
    rows += _Rows.dense(inst.score, lo=int(inst.score[best].sum()))
    if _solve(free, ones, rows + _exclude(best, free), node_limit=_NODE_LIMIT) is None:
        return best  # the optimum is unique: the usual case, one proof more
    best = _solve(free, ones, rows, maximise=-inst.cents, node_limit=_NODE_LIMIT)
    rows += _Rows.dense(inst.cents, hi=int(inst.cents[best].sum()))
    if _solve(free, ones, rows + _exclude(best, free), node_limit=_NODE_LIMIT) is None:
        return best
    # The earliest candidates win: settle the free positions in input order, a block at a time,
    # each block by maximising powers of two over it (its lexicographic maximum, exactly, with
    # the earlier blocks held). Positions `best` already holds before a block's first open one
    # are kept without a solve: some set holds them along with every earlier decision.
    free, ones = free.copy(), ones.copy()
    positions = list(np.flatnonzero(free))
    while positions:
        while positions and best[positions[0]]:
            j = positions.pop(0)
            free[j], ones[j] = False, True
        block, positions = positions[:_BLOCK], positions[_BLOCK:]
        if not block:
            break
        weights = np.zeros(n, dtype=np.int64)
        weights[block] = 2 ** np.arange(len(block) - 1, -1, -1)
        best = _solve(free, ones, rows, maximise=weights, node_limit=_NODE_LIMIT)
        free[block] = False
        ones[block] = best[block]
    return best


def _exclude(x: np.ndarray, free: np.ndarray) -> _Rows:
    """Return the cut that forbids exactly the set x among the free candidates."""
    index = np.flatnonzero(free)
    coeffs = np.where(x[index], 1, -1)
    return _Rows.of(len(x), [(index, coeffs)], [None], [int(x[index].sum()) - 1])


def _limit_rows(inst: _Instance) -> _Rows:
    """Return the budget and group bounds as integer rows (vacuous group bounds left out)."""
    n = len(inst.ids)
    entries, lo, hi = [(np.arange(n), inst.cents)], [None], [inst.budget]
    sizes = inst.member.sum(axis=1)
    for i in range(len(inst.groups)):
        low = int(inst.minimum[i]) if inst.minimum[i] > 0 else None
        high = int(inst.maximum[i]) if inst.maximum[i] < sizes[i] else None
        if low is not None or high is not None:
            members = np.flatnonzero(inst.member[i])
            entries.append((members, np.ones(len(members), np.int64)))
            lo.append(low)
            hi.append(high)
    return _Rows.of(n, entries, lo, hi)


def _twin_rows(inst: _Instance) -> _Rows:
    """Return x(earlier) >= x(later) for each pair of consecutive interchangeable candidates.

    Candidates with the same score, amount and groups (and no pin) can swap places in any set
    without changing its total, money or group counts, so the rule's set takes the earliest of
    them. Saying so removes the symmetry, which otherwise makes HiGHS explore every swap.
    """
    last: dict[tuple, int] = {}
    pairs = []
    unpinned = ~(inst.pinned_in | inst.pinned_out)
    for j in np.flatnonzero(unpinned):
        key = (int(inst.score[j]), int(inst.cents[j]), inst.member[:, j].tobytes())
        if key in last:
            pairs.append((last[key], j))
        last[key] = j
    n = len(inst.ids)
    if not pairs:
        return _Rows.of(n, [], [], [])
    index = np.array(pairs, dtype=np.int64)
    matrix = coo_array(
        (
            np.tile(np.array([1, -1], np.int64), len(pairs)),
            (np.repeat(np.arange(len(pairs)), 2), index.ravel()),
        ),
        shape=(len(pairs), n),
    ).tocsr()
    return _Rows(matrix, np.zeros(len(pairs)), np.full(len(pairs), np.inf))


def _solve(
    free: np.ndarray,
    ones: np.ndarray,
    rows: _Rows,
    *,
    maximise: np.ndarray | None = None,
    node_limit: int | None = None,
) -> np.ndarray | None:
    """Solve over the free candidates, the others fixed (chosen where `ones`), exactly.

    Returns the full choice as a bool mask, or None when no set satisfies the rows. Without an
    objective, any satisfying set.

    Raises:
        _Unproven: node_limit reached (with the best feasible set found, if any).
    """
    cols = np.flatnonzero(free)
    fixed = ones & ~free
    if len(cols) == 0:
        return fixed.copy() if rows.holds(fixed) else None
    if maximise is None:
        objective = np.zeros(len(cols))
    else:
        # Integer weights with no common factor (cents, often whole thousands): the same
        # optimum, and HiGHS proves it with a gap below one unit of a smaller number.
        weights = maximise[cols]
        objective = -(weights // max(math.gcd(*weights.tolist()), 1)).astype(np.float64)
    for _ in range(_MAX_REPAIRS):
        base = rows.matrix @ fixed.astype(np.int64)
        sub = csr_array(rows.matrix[:, cols])
        sub.sum_duplicates()
        lo, hi = rows.lo - base, rows.hi - base
        counts = np.diff(sub.indptr)
        if np.any((counts == 0) & ((lo > 0) | (hi < 0))):
            return None  # a row with nothing left to choose is already broken
        keep = counts > 0
        # Divide each row of large integers (cents) by their common factor: smaller numbers for
        # HiGHS, and rounding the bounds inwards stays exact for integer x.
        factor = np.ones(len(counts), dtype=np.int64)
        factor[keep] = np.maximum(np.gcd.reduceat(np.abs(sub.data), sub.indptr[:-1][keep]), 1)
        sub.data = sub.data // np.repeat(factor, counts)
        for bound, sign in ((lo, -1), (hi, 1)):
            finite = np.isfinite(bound)
            whole = bound[finite].astype(np.int64) * sign
            bound[finite] = (whole // factor[finite]) * sign  # floor of hi, ceiling of lo
        sub = sub[keep]
        result = milp(
            objective,
            integrality=np.ones(len(cols)),
            bounds=Bounds(0, 1),
            constraints=[LinearConstraint(sub.astype(np.float64), lo[keep], hi[keep])]
            if sub.shape[0]
            else [],
            options={"mip_rel_gap": 0}
            if node_limit is None
            else {"mip_rel_gap": 0, "node_limit": node_limit},
        )
        if result.status == 2:
            return None
        # The node limit: SciPy reports HiGHS 1.12's "solution limit" status as unrecognised (4).
        if node_limit is not None and (result.status == 1 or "limit reached" in result.message):
            x = None
            if result.x is not None:
                x = fixed.copy()
                x[cols] = result.x > 0.5
            raise _Unproven(x if x is not None and rows.holds(x) else None)
        if result.status != 0:
            raise RuntimeError(f"HiGHS could not solve the award programme: {result.message}")
        x = fixed.copy()
        x[cols] = result.x > 0.5
        if rows.holds(x):
            return x
        rows += _exclude(x, free)  # within tolerance but not exactly: cut it off
    raise RuntimeError("HiGHS kept returning sets that break a limit by rounding")


def _lagrangian_bound(
    inst: _Instance, free: np.ndarray, ones: np.ndarray
) -> tuple[float, np.ndarray] | None:
    """Return (L, d): score(x) <= L - |d(p)| whenever x(p) is off its LP side; None: LP infeasible.

    d is the reduced score of each candidate (0 outside `free`); L already counts the fixed
    ones. Valid for any y >= 0, so the LP's duals only need to be good.
    """
    cols = np.flatnonzero(free)
    fixed = ones & ~free
    limits = _limit_rows(inst)
    base = limits.matrix @ fixed.astype(np.int64)
    coeffs = limits.matrix[:, cols].toarray()
    matrix, rhs = [], []
    for i in range(len(base)):
        if np.isfinite(limits.hi[i]):
            # Every set's free part costs a multiple of the free amounts' common factor, so the
            # budget left may be rounded down to one: a tighter, still valid bound.
            factor = max(math.gcd(*coeffs[i].tolist()), 1)
            matrix.append(coeffs[i].astype(float))
            rhs.append(float((int(limits.hi[i]) - int(base[i])) // factor * factor))
        if np.isfinite(limits.lo[i]):
            matrix.append(-coeffs[i].astype(float))
            rhs.append(float(int(base[i]) - int(limits.lo[i])))
    a_ub, b_ub = np.array(matrix), np.array(rhs)
    score = inst.score[cols].astype(float)
    lp = linprog(-score, A_ub=a_ub, b_ub=b_ub, bounds=(0, 1), method="highs")
    if lp.status == 2:
        return None
    duals = np.maximum(-lp.ineqlin.marginals, 0.0) if lp.status == 0 else np.zeros(len(rhs))
    reduced = score - a_ub.T @ duals
    bound = float(duals @ b_ub + np.maximum(reduced, 0.0).sum() + inst.score[fixed].sum())
    full = np.zeros(len(inst.ids))
    full[cols] = reduced
    return bound, full


# --- explaining infeasibility ------------------------------------------------------------------


def _money(cents: int) -> str:
    return f"{Decimal(cents) / 100:,.2f}"


def _awards(count: int) -> str:
    return f"{count} award" if count == 1 else f"{count} awards"


def _describe(inst: _Instance, limit: Limit) -> str:
    match limit.kind:
        case LimitKind.BUDGET:
            return f"the budget of {_money(inst.budget)}"
        case LimitKind.GROUP_MINIMUM:
            i = inst.groups.index(limit.group)
            return f"at least {_awards(int(inst.minimum[i]))} in {limit.group!r}"
        case LimitKind.GROUP_MAXIMUM:
            i = inst.groups.index(limit.group)
            return f"at most {_awards(int(inst.maximum[i]))} in {limit.group!r}"
        case LimitKind.PINNED_IN:
            return f"proposal {limit.proposal_id} pinned in"
        case LimitKind.PINNED_OUT:
            return f"proposal {limit.proposal_id} pinned out"


def _obvious_infeasibilities(inst: _Instance) -> list[Infeasibility]:
    """Return the limits that are impossible on their own, with the pins, or within the budget."""
    found = []
    ids = np.array(inst.ids)
    for pid in ids[inst.pinned_in & inst.pinned_out]:
        found.append(
            Infeasibility(
                (
                    Limit(LimitKind.PINNED_IN, proposal_id=int(pid)),
                    Limit(LimitKind.PINNED_OUT, proposal_id=int(pid)),
                ),
                f"Proposal {pid} is pinned both in and out.",
            )
        )
    for i, group in enumerate(inst.groups):
        low, high = int(inst.minimum[i]), int(inst.maximum[i])
        if inst.has_maximum[i] and low > high:
            found.append(
                Infeasibility(
                    (
                        Limit(LimitKind.GROUP_MINIMUM, group=group),
                        Limit(LimitKind.GROUP_MAXIMUM, group=group),
                    ),
                    f"The group {group!r} asks for at least {_awards(low)} but at most {high}.",
                )
            )
            continue
        members = inst.member[i]
        out = members & inst.pinned_out
        if low > int((members & ~inst.pinned_out).sum()):
            pins = tuple(Limit(LimitKind.PINNED_OUT, proposal_id=int(p)) for p in ids[out])
            where = f", {int(out.sum())} of them pinned out" if out.any() else ""
            found.append(
                Infeasibility(
                    (Limit(LimitKind.GROUP_MINIMUM, group=group), *pins),
                    f"At least {_awards(low)} in {group!r}, but the group has "
                    f"{int(members.sum())} candidates{where}.",
                )
            )
        elif low > 0:
            # The group's cheapest proposals alone, pins aside, already cost too much.
            need = int(np.sort(inst.cents[members])[:low].sum())
            if need > inst.budget:
                found.append(
                    Infeasibility(
                        (Limit(LimitKind.BUDGET), Limit(LimitKind.GROUP_MINIMUM, group=group)),
                        f"At least {_awards(low)} in {group!r} need at least {_money(need)}, "
                        f"more than the budget of {_money(inst.budget)}.",
                    )
                )
        pinned = members & inst.pinned_in
        if inst.has_maximum[i] and int(pinned.sum()) > high:
            found.append(
                Infeasibility(
                    (
                        Limit(LimitKind.GROUP_MAXIMUM, group=group),
                        *(Limit(LimitKind.PINNED_IN, proposal_id=int(p)) for p in ids[pinned]),
                    ),
                    f"At most {_awards(high)} in {group!r}, but {int(pinned.sum())} of its "
                    f"proposals are pinned in.",
                )
            )
    pinned_cents = int(inst.cents[inst.pinned_in].sum())
    if pinned_cents > inst.budget:
        found.append(
            Infeasibility(
                (
                    Limit(LimitKind.BUDGET),
                    *(Limit(LimitKind.PINNED_IN, proposal_id=int(p)) for p in ids[inst.pinned_in]),
                ),
                f"The proposals pinned in request {_money(pinned_cents)}, more than the budget "
                f"of {_money(inst.budget)}.",
            )
        )
    return found


def _all_limits(inst: _Instance) -> list[Limit]:
    limits = [Limit(LimitKind.BUDGET)]
    sizes = inst.member.sum(axis=1)
    for i, group in enumerate(inst.groups):
        if inst.minimum[i] > 0:
            limits.append(Limit(LimitKind.GROUP_MINIMUM, group=group))
        if inst.has_maximum[i] and inst.maximum[i] < sizes[i]:
            limits.append(Limit(LimitKind.GROUP_MAXIMUM, group=group))
    ids = np.array(inst.ids)
    limits += [Limit(LimitKind.PINNED_IN, proposal_id=int(p)) for p in ids[inst.pinned_in]]
    limits += [Limit(LimitKind.PINNED_OUT, proposal_id=int(p)) for p in ids[inst.pinned_out]]
    return limits


def _programme(inst: _Instance, limits: list[Limit]) -> tuple[np.ndarray, np.ndarray, _Rows]:
    """Return (free, ones, rows) of the programme that keeps only the given limits."""
    n = len(inst.ids)
    index = {pid: j for j, pid in enumerate(inst.ids)}
    free = np.ones(n, dtype=bool)
    ones = np.zeros(n, dtype=bool)
    entries, lo, hi = [], [], []
    for limit in limits:
        match limit.kind:
            case LimitKind.BUDGET:
                entries.append((np.arange(n), inst.cents))
                lo.append(None)
                hi.append(inst.budget)
            case LimitKind.GROUP_MINIMUM | LimitKind.GROUP_MAXIMUM:
                i = inst.groups.index(limit.group)
                members = np.flatnonzero(inst.member[i])
                entries.append((members, np.ones(len(members), np.int64)))
                is_minimum = limit.kind == LimitKind.GROUP_MINIMUM
                lo.append(int(inst.minimum[i]) if is_minimum else None)
                hi.append(None if is_minimum else int(inst.maximum[i]))
            case LimitKind.PINNED_IN:
                free[index[limit.proposal_id]] = False
                ones[index[limit.proposal_id]] = True
            case LimitKind.PINNED_OUT:
                free[index[limit.proposal_id]] = False
    return free, ones, _Rows.of(n, entries, lo, hi)


def _explain(inst: _Instance) -> Infeasibility:
    """Return a minimal set of limits that cannot all hold, found by deletion, in words."""
    kept = _all_limits(inst)
    for limit in list(kept):
        trial = [other for other in kept if other != limit]
        if _solve(*_programme(inst, trial)) is None:
            kept = trial  # infeasible without it: not needed to explain
    others = [limit for limit in kept if limit.kind != LimitKind.BUDGET]
    words = [_describe(inst, limit) for limit in others]
    listed = ", ".join(words[:-1]) + (" and " if len(words) > 1 else "") + words[-1]
    if len(others) < len(kept):
        free, ones, rows = _programme(inst, others)
        cheapest = _solve(free, ones, rows, maximise=-inst.cents)
        need = int(inst.cents[cheapest].sum())
        message = (
            f"{listed[0].upper()}{listed[1:]} need at least {_money(need)}, "
            f"more than the budget of {_money(inst.budget)}."
        )
    else:
        message = f"These limits cannot all hold: {listed}."
    return Infeasibility(tuple(kept), message)
