"""Time calibrated scores and the exact suggested award set (`app.decisions`) on simulated calls.

Calibration: calls of 300 proposals with three reviews each (900 reviews) from 60 reviewers who
know two of ten topics each, proposals going to the least-loaded reviewers of their topic;
topics differ in mean quality, reviewers in leniency (sd 8 points) and noise is sd 10. The time
is `calibrate` end to end (validation, components, the sparse solve, the result objects); the
rank correlations with the true quality show what it buys.

Suggested set: calls whose scores are means of three reviews (two decimals each, so ties
happen), amounts mostly in steps of 5,000 and some to the cent, 20,000-150,000; six themes,
each proposal in one and a fifth of them also in a keyword group; a budget of a fifth of the
money asked; a minimum of awards per theme (3 at 300 proposals, 10 at 2,000) and a maximum for
the keyword group. The last row also pins 20 proposals in and 20 out. The time is
`suggest_awards` end to end. With `--check`, each instance is solved again by SciPy's `milp`
alone on the whole programme (no bounds, no dynamic programme; the same tie rule) to show the
same set and what HiGHS alone costs.

    .venv/bin/python bench/decisions.py
    .venv/bin/python bench/decisions.py --repeat 10 --check

Markdown tables go to stdout, progress to stderr. Exits with status 1 when a size misses its
target, a set is not proven optimal, or --check finds a different set.
"""

import argparse
import gc
import os
import platform
import random
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

if __package__ in (None, ""):  # run as `python bench/decisions.py`: make the app importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np
import scipy
from scipy.stats import spearmanr

from app.decisions import selection
from app.decisions.calibration import Review, calibrate
from app.decisions.selection import Candidate, GroupLimit, SelectionProblem, suggest_awards

CALIBRATION_SIZE = (300, 60, 3, 0.1)  # proposals, reviewers, reviews each, target seconds
# (proposals, theme minimum, pins in and out, target seconds)
SELECTION_SIZES = [(300, 3, 0, 1.0), (2_000, 10, 0, 3.0), (2_000, 10, 20, 3.0)]
THEMES = 6


def simulated_reviews(n_prop: int, n_rev: int, per: int, seed: int):
    """Return (true quality by proposal id, reviews) of one simulated call."""
    rng = np.random.default_rng(seed)
    topics = 10
    topic = rng.integers(0, topics, n_prop)
    quality = 60 + rng.normal(0, 8, topics)[topic] + rng.normal(0, 10, n_prop)
    offset = rng.normal(0, 8, n_rev)
    knows = [{r % topics, (r + 1) % topics} for r in range(n_rev)]
    load = np.zeros(n_rev)
    reviews = []
    for p in rng.permutation(n_prop):
        experts = [r for r in range(n_rev) if topic[p] in knows[r]]
        experts.sort(key=lambda r: (load[r], rng.random()))
        for r in experts[:per]:
            load[r] += 1
            score = np.clip(quality[p] + offset[r] + rng.normal(0, 10), 0, 100)
            reviews.append(Review(10_000 + int(p), 1 + int(r), round(float(score), 2)))
    return {10_000 + p: q for p, q in enumerate(quality)}, reviews


def selection_problem(n_prop: int, minimum: int, pins: int, seed: int) -> SelectionProblem:
    """Return one simulated call's award choice."""
    rng = random.Random(seed)
    candidates = []
    for i in range(n_prop):
        score = sum(round(rng.gauss(70, 12), 2) for _ in range(3)) / 3
        score = min(max(score, 0.0), 100.0)
        if rng.random() < 0.7:
            requested = Decimal(rng.randrange(20_000, 150_001, 5_000))
        else:
            requested = Decimal(rng.randint(2_000_000, 15_000_000)) / 100
        groups = {f"theme {rng.randrange(THEMES)}"}
        if rng.random() < 0.2:
            groups.add("keyword: robotics")
        candidates.append(Candidate(100_000 + i, score, requested, frozenset(groups)))
    total = sum(c.requested for c in candidates)
    limits = [GroupLimit(f"theme {t}", minimum) for t in range(THEMES)]
    limits.append(GroupLimit("keyword: robotics", 0, n_prop // 25))
    ids = [c.proposal_id for c in candidates]
    picked = rng.sample(ids, 2 * pins)
    return SelectionProblem(
        candidates,
        (total / 5).quantize(Decimal("1")),
        limits,
        pinned_in=frozenset(picked[:pins]),
        pinned_out=frozenset(picked[pins:]),
    )


def highs_alone(problem: SelectionProblem):
    """Solve with `milp` on the whole programme: no bounds, no dynamic programme."""
    saved = selection.CORE_SIZE, selection._STATE_LIMIT, selection._NODE_LIMIT
    selection.CORE_SIZE = len(problem.candidates)
    selection._STATE_LIMIT = -1
    selection._NODE_LIMIT = 10**9
    try:
        return suggest_awards(problem)
    finally:
        selection.CORE_SIZE, selection._STATE_LIMIT, selection._NODE_LIMIT = saved


def machine() -> str:
    """Describe the machine and libraries the figures come from."""
    cpu = platform.processor() or "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = " / ".join(f"{value:.2f}" for value in os.getloadavg())
    return (
        f"Machine: {cpus} CPUs ({cpu}), Python {platform.python_version()}, NumPy "
        f"{np.__version__}, SciPy {scipy.__version__}, {platform.platform()}; "
        f"load average {load} at the end."
    )


def main() -> int:
    """Run every size, print the tables and return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="instances per size (seeds)")
    parser.add_argument("--check", action="store_true", help="compare with milp alone")
    args = parser.parse_args()
    failed = False

    n_prop, n_rev, per, target = CALIBRATION_SIZE
    times, raw_rho, calibrated_rho = [], [], []
    for seed in range(args.repeat):
        truth, reviews = simulated_reviews(n_prop, n_rev, per, seed)
        calibrate(reviews)  # warm-up: imports and caches are not the solve
        gc.collect()
        started = time.perf_counter()
        result = calibrate(reviews)
        times.append(time.perf_counter() - started)
        ids = sorted(truth)
        true = [truth[p] for p in ids]
        raw_rho.append(spearmanr(true, [result.proposals[p].raw_mean for p in ids]).statistic)
        calibrated_rho.append(
            spearmanr(true, [result.proposals[p].calibrated for p in ids]).statistic
        )
        print(f"calibration seed {seed}: {times[-1]:.4f} s", file=sys.stderr)
    ok = max(times) < target
    failed |= not ok
    print(f"Calibrated scores, {args.repeat} simulated call(s)\n")
    print(
        "| proposals × reviews | reviewers | median s | worst s | target s | met "
        "| rank correlation with truth: raw mean | calibrated |"
    )
    print("| --- | ---: | ---: | ---: | ---: | --- | ---: | ---: |")
    print(
        f"| {n_prop} × {n_prop * per} | {n_rev} | {statistics.median(times):.4f} "
        f"| {max(times):.4f} | < {target:g} | {'yes' if ok else '**no**'} "
        f"| {statistics.mean(raw_rho):.3f} | {statistics.mean(calibrated_rho):.3f} |"
    )

    rows = []
    for n_prop, minimum, pins, target in SELECTION_SIZES:
        times, alone, details, same = [], [], [], True
        for seed in range(args.repeat):
            problem = selection_problem(n_prop, minimum, pins, seed)
            gc.collect()
            started = time.perf_counter()
            result = suggest_awards(problem)
            times.append(time.perf_counter() - started)
            details.append(result)
            failed |= not (result.feasible and result.is_proven_optimal)
            print(f"{n_prop} proposals, seed {seed}: {times[-1]:.3f} s", file=sys.stderr)
            if args.check:
                started = time.perf_counter()
                check = highs_alone(problem)
                alone.append(time.perf_counter() - started)
                same &= check.chosen == result.chosen and check.is_proven_optimal
                print(f"  milp alone: {alone[-1]:.3f} s, same set {same}", file=sys.stderr)
        failed |= not same
        ok = max(times) < target
        failed |= not ok
        last = details[-1]
        checked = (
            f" | {statistics.median(alone):.2f} / {max(alone):.2f} | {'yes' if same else '**no**'}"
            if args.check
            else ""
        )
        rows.append(
            f"| {n_prop:,} | {minimum} per theme | {pins} in, {pins} out "
            f"| {statistics.median(times):.3f} | {max(times):.3f} | < {target:g} "
            f"| {'yes' if ok else '**no**'} | {len(last.chosen)} | {last.left_over:,.2f}"
            f"{checked} |"
        )
    print(f"\nExact suggested award set, {args.repeat} simulated call(s) per size\n")
    extra = " | milp alone median / worst s | same set |" if args.check else " |"
    print(
        "| proposals | minimum | pins | median s | worst s | target s | met "
        f"| awards (last) | money left (last){extra}"
    )
    print(
        "| ---: | --- | --- | ---: | ---: | ---: | --- | ---: | ---: |"
        + (" ---: | --- |" if args.check else "")
    )
    print("\n".join(rows))
    print(f"\n{machine()}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
