"""Time the exact reviewer assignment (`app.reviews.assignment`) on random instances.

Each instance has uniform random affinities, 2% conflicted pairs and maximum loads drawn
uniformly within ±25% of the mean load the demand needs (topped up by one here and there when
their total falls short, so that a complete assignment exists and capacity is tight). The last
row mixes in a per-reviewer popularity (half the affinity), so that every proposal prefers the
same few reviewers: the hard case for pruning arcs. The time is `solve_assignment` end to end:
reading the affinity dict, building the network, solving, and proving the pruned network's
optimum for the full graph; "reading input" is the part spent turning the dicts into arrays.
With `--check-full`, every instance is solved again on the full graph (no pruning, slow at
5,000 x 2,000) to show the same optimum.

    .venv/bin/python bench/assignment.py
    .venv/bin/python bench/assignment.py --repeat 3 --check-full

A Markdown table goes to stdout, progress to stderr. Exits with status 1 when a size misses
its target or pruning changes the optimum.
"""

import argparse
import gc
import statistics
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # run as `python bench/assignment.py`: make the app importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

from app.reviews import assignment
from app.reviews.assignment import AssignmentProblem, solve_assignment

# (proposals, reviewers, reviews per proposal, share of affinity from popularity, target seconds)
SIZES = [
    (300, 30, 4, 0.0, 0.1),
    (1_000, 300, 3, 0.0, 1.0),
    (5_000, 2_000, 3, 0.0, 15.0),
    (5_000, 2_000, 3, 0.5, 15.0),
]
CONFLICT_RATE = 0.02
LOAD_SPREAD = 0.25


def random_problem(
    n_prop: int, n_rev: int, reviews: int, seed: int, popularity: float = 0.0
) -> AssignmentProblem:
    """Build one benchmark instance; ids are offset so they differ from matrix indices."""
    rng = np.random.default_rng(seed)
    proposals = list(range(100_000, 100_000 + n_prop))
    reviewers = list(range(1, n_rev + 1))
    liked = np.tile(rng.random(n_rev) ** 3, n_prop)
    values = ((1 - popularity) * rng.random(n_prop * n_rev) + popularity * liked).round(6)
    values = values.tolist()
    pairs = [(p, r) for p in proposals for r in reviewers]
    affinity = dict(zip(pairs, values, strict=True))
    conflicted = rng.random(n_prop * n_rev) < CONFLICT_RATE
    conflicts = frozenset(pair for pair, c in zip(pairs, conflicted, strict=True) if c)
    mean = n_prop * reviews / n_rev
    loads = np.rint(mean * rng.uniform(1 - LOAD_SPREAD, 1 + LOAD_SPREAD, n_rev)).astype(int)
    loads = np.maximum(loads, 1)
    short = n_prop * reviews - int(loads.sum())
    if short > 0:
        np.add.at(loads, rng.choice(n_rev, short), 1)
    return AssignmentProblem(
        proposals=proposals,
        reviewers=reviewers,
        affinity=affinity,
        reviews_per_proposal=reviews,
        max_load=dict(zip(reviewers, loads.tolist(), strict=True)),
        conflicts=conflicts,
    )


def objective(problem: AssignmentProblem, pairs) -> int:
    """Return the scaled integer objective the solver maximises."""
    return sum(round(problem.affinity.get(pair, 0.0) * problem.scale) for pair in pairs)


def main() -> int:
    """Run every size, print the table and return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="instances per size (seeds)")
    parser.add_argument("--check-full", action="store_true", help="compare with no pruning")
    args = parser.parse_args()

    rows, failed = [], False
    for n_prop, n_rev, reviews, popularity, target in SIZES:
        times, reading, details = [], [], []
        for seed in range(args.repeat):
            print(f"{n_prop} x {n_rev} x {reviews}, seed {seed}: building", file=sys.stderr)
            problem = random_problem(n_prop, n_rev, reviews, seed, popularity)
            gc.collect()  # bill the garbage of building the instance to the build, not the solver
            started = time.perf_counter()
            assignment._prepare(problem)
            reading.append(time.perf_counter() - started)
            gc.collect()
            started = time.perf_counter()
            result = solve_assignment(problem)
            times.append(time.perf_counter() - started)
            if not result.complete:
                print(f"  incomplete: {result.shortfalls[:3]}", file=sys.stderr)
                failed = True
            details.append(result)
            if args.check_full:
                saved = assignment.MIN_CANDIDATES
                assignment.MIN_CANDIDATES = max(n_prop, n_rev)  # keep every arc
                try:
                    full = solve_assignment(problem)
                finally:
                    assignment.MIN_CANDIDATES = saved
                same = objective(problem, full.pairs) == objective(problem, result.pairs)
                print(f"  full graph: same optimum {same}", file=sys.stderr)
                failed |= not same
            print(f"  {times[-1]:.3f} s", file=sys.stderr)
        worst = max(times)
        ok = worst < target
        failed |= not ok
        last = details[-1]
        kind = "popular reviewers" if popularity else "uniform"
        rows.append(
            f"| {n_prop:,} × {n_rev:,} × {reviews} | {kind} | {n_prop * n_rev:,} "
            f"| {statistics.median(times):.3f} | {worst:.3f} | {statistics.median(reading):.3f} "
            f"| < {target:g} | {'yes' if ok else '**no**'} "
            f"| {last.mean_affinity:.4f} | {last.min_affinity:.4f} |"
        )
    print(f"Exact reviewer assignment, {args.repeat} random instance(s) per size\n")
    print(
        "| proposals × reviewers × reviews | affinities | pairs | median s | worst s "
        "| of which reading input (median) | target s | met | mean affinity | min affinity |"
    )
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: |")
    print("\n".join(rows))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
