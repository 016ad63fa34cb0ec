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

A second table times the whole web request behind a preview, through the Flask test client on
a migrated temporary SQLite database (or the PostgreSQL one named by --database-url, dropped and
created again): an administrator POSTs the automatic assignment form for a call of 300
proposals (titles, abstracts and keywords drawn from methods, manufacturing domains and aims), a
pool of 30 reviewers with expertise text and loads within ±25% of the mean, 2% of pairs in
confirmed conflicts and 4 reviews per proposal, then GETs the preview it redirects to. The first
run is reported apart (it imports scikit-learn and compiles templates); then the median and
worst of --web-runs runs, each request separately and the two together (target under 3 s).
`--web-runs 0` skips it.

    .venv/bin/python bench/assignment.py --repeat 3 --web-runs 5
    .venv/bin/python bench/assignment.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/seedbed_bench_plan

A Markdown table goes to stdout, progress to stderr. Exits with status 1 when a size misses
its target, pruning changes the optimum or the web request misses its target.
"""

import argparse
import gc
import random
import re
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

if __package__ in (None, ""):  # run as `python bench/assignment.py`: make the app importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import flask_migrate
import numpy as np
import sqlalchemy as sa

from app.auth.models import Role, User, UserRole
from app.calls.models import Call, CallState
from app.extensions import db
from app.proposals.models import Proposal, ProposalState
from app.reviews import assignment
from app.reviews.assignment import AssignmentProblem, solve_assignment
from app.reviews.models import (
    AssignmentPlan,
    CallReviewer,
    Conflict,
    ConflictSource,
    ReviewerProfile,
)
from bench.run import (
    DEPARTMENTS,
    FIRST_NAMES,
    LAST_NAMES,
    PROPOSAL_DOMAINS,
    PROPOSAL_TOPICS,
    QueryCounter,
    build_app,
)
from tests.dbutil import recreate_database

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


# The web request: (proposals, reviewers, reviews per proposal, target seconds for POST + GET)
WEB_SIZE = (300, 30, 4, 3.0)
WEB_OPTIONS = [
    ("affinity only", {"expert_threshold": "", "load_balancing": "none"}),
    ("expert 0.2, strong balancing", {"expert_threshold": "0.2", "load_balancing": "strong"}),
]
# What the proposals and the reviewers' expertise are written from: each method and domain has
# words of its own, so TF-IDF tells a computer-vision expert from a bioreactor one.
METHOD_WORDS = {
    "Digital twin": "simulation model calibrated online against plant historian data",
    "Anomaly detection": "unsupervised outlier scores on multivariate sensor streams",
    "Reinforcement learning": "policy learned in simulation with safe exploration constraints",
    "Computer vision": "convolutional networks on camera images for defect segmentation",
    "Predictive maintenance": "remaining useful life from vibration spectra and survival models",
    "Soft sensors": "virtual measurements regressed from process variables with Gaussian processes",
    "Federated learning": "models trained across sites without sharing raw data",
    "Bayesian optimisation": "sample-efficient search of process recipes",
}
DOMAIN_WORDS = {
    "injection moulding": "polymer melt temperature, cavity pressure and cycle time",
    "semiconductor etch": "plasma chamber endpoint detection and wafer uniformity",
    "battery cell assembly": "electrode coating, calendering and cell formation",
    "bioreactor control": "cell culture titre, dissolved oxygen and feeding strategy",
    "additive manufacturing": "laser powder bed fusion melt pool and porosity",
    "CNC machining": "tool wear, spindle load and surface finish",
    "aircraft engine inspection": "turbine blade borescope images and crack detection",
    "fill-finish lines": "aseptic vial filling, stoppering and visual inspection",
}
AIMS = [
    "cutting scrap",
    "earlier fault warnings",
    "faster changeovers",
    "less energy per part",
    "tighter tolerances",
    "fewer unplanned stops",
    "higher first-pass yield",
]


def web_texts(rng: random.Random, number: int) -> dict[str, str]:
    """Return a proposal's title, abstract and keywords."""
    method = PROPOSAL_TOPICS[number % len(PROPOSAL_TOPICS)]
    domain = rng.choice(PROPOSAL_DOMAINS)
    second = rng.choice(PROPOSAL_TOPICS)
    aim = rng.choice(AIMS)
    return {
        "title": f"{method} for {domain}: {aim}",
        "abstract": (
            f"We apply {method.lower()} ({METHOD_WORDS[method]}) to {domain}, where "
            f"{DOMAIN_WORDS[domain]} decide quality. {second} ({METHOD_WORDS[second]}) "
            f"complements it. With data from {rng.randint(2, 5)} member plants we aim at "
            f"{aim}, measured against current practice over {rng.choice([12, 15, 18])} months."
        ),
        "keywords": f"{method.lower()}, {second.lower()}, {domain}, manufacturing",
    }


def web_expertise(rng: random.Random) -> str:
    """Return a reviewer's expertise: two or three methods and two domains, in their words."""
    methods = rng.sample(PROPOSAL_TOPICS, rng.randint(2, 3))
    domains = rng.sample(PROPOSAL_DOMAINS, 2)
    return "; ".join(
        [f"{m.lower()}: {METHOD_WORDS[m]}" for m in methods]
        + [f"{d}: {DOMAIN_WORDS[d]}" for d in domains]
    )


def seed_web_call(n_prop: int, n_rev: int, reviews: int, seed: int = 0) -> tuple[int, int]:
    """Insert a call in review with its proposals, pool, profiles and conflicts.

    Return the call's and the administrator's ids.
    """
    rng = random.Random(seed)
    now = datetime.now(UTC)
    admin = User(
        email="admin@bench.example",
        name="Avery Admin",
        email_verified_at=now,
        roles=[UserRole(role=Role.ADMIN, granted_at=now)],
    )
    applicants = [
        User(
            email=f"applicant{i}@bench.example",
            name=f"{FIRST_NAMES[i % 20]} {LAST_NAMES[i % 23]}",
            email_verified_at=now,
            roles=[UserRole(role=Role.RESEARCHER, granted_at=now)],
        )
        for i in range(50)
    ]
    reviewers = [
        User(
            email=f"reviewer{i}@bench.example",
            name=f"{FIRST_NAMES[(i + 7) % 20]} {LAST_NAMES[(i + 3) % 23]} {i}",
            email_verified_at=now,
            roles=[UserRole(role=Role.REVIEWER, granted_at=now)],
        )
        for i in range(n_rev)
    ]
    call = Call(
        title="AI for manufacturing seed grants",
        theme="AI for manufacturing",
        description="Seed projects.",
        reference_prefix="AIM",
        opens_at=now - timedelta(days=90),
        closes_at=now - timedelta(days=30),
        review_deadline=now + timedelta(days=30),
        total_budget=Decimal("1500000"),
        max_award=Decimal("150000"),
        reviews_per_proposal=reviews,
        state=CallState.IN_REVIEW,
        opened_at=now - timedelta(days=90),
        closed_at=now - timedelta(days=30),
        review_started_at=now - timedelta(days=29),
        last_reference_number=n_prop,
    )
    db.session.add_all([admin, call, *applicants, *reviewers])
    db.session.flush()
    proposals = [
        Proposal(
            call_id=call.id,
            applicant_id=applicants[number % len(applicants)].id,
            reference=f"AIM-2026-{number + 1:03d}",
            state=ProposalState.UNDER_REVIEW,
            department=DEPARTMENTS[number % len(DEPARTMENTS)],
            requested_amount=Decimal(50000 + number * 7919 % 900 * 100),
            first_submitted_at=now - timedelta(days=31),
            submitted_at=now - timedelta(days=31),
            version_count=1,
            **web_texts(rng, number),
        )
        for number in range(n_prop)
    ]
    db.session.add_all(proposals)
    # Loads within ±25% of the mean the demand needs, topped up so a complete assignment exists.
    mean = n_prop * reviews / n_rev
    loads = [max(1, round(mean * rng.uniform(1 - LOAD_SPREAD, 1 + LOAD_SPREAD))) for _ in reviewers]
    for _ in range(n_prop * reviews - sum(loads)):
        loads[rng.randrange(n_rev)] += 1
    for reviewer, load in zip(reviewers, loads, strict=True):
        db.session.add(ReviewerProfile(user_id=reviewer.id, expertise=web_expertise(rng)))
        db.session.add(CallReviewer(call_id=call.id, user_id=reviewer.id, max_load=load))
    db.session.flush()
    for proposal in proposals:
        for reviewer in reviewers:
            if rng.random() < CONFLICT_RATE:
                db.session.add(
                    Conflict(
                        proposal_id=proposal.id,
                        reviewer_id=reviewer.id,
                        source=ConflictSource.SAME_DEPARTMENT,
                        explanation="Bench conflict.",
                    )
                )
    db.session.commit()
    return call.id, admin.id


def timed(client, method: str, url: str, counter: QueryCounter, **kwargs):
    """Make one request; return the response, its server time in seconds and its queries."""
    counter.count = 0
    started = time.perf_counter()
    response = client.open(url, method=method, **kwargs)
    response.get_data()
    return response, time.perf_counter() - started, counter.count


def web_benchmark(runs: int, database_url: str | None) -> tuple[list[str], bool, str]:
    """Time POST (create the plan) + GET (its preview), then the deployment of the last plan;
    return table rows, whether all met their target, and a sentence on the deployment."""
    n_prop, n_rev, reviews, target = WEB_SIZE
    rows, ok = [], True
    with tempfile.TemporaryDirectory(prefix="seedbed-bench-plan-") as tmp:
        tmp_dir = Path(tmp)
        url = database_url or f"sqlite:///{tmp_dir / 'plan.sqlite3'}"
        recreate_database(url)
        app = build_app(url, tmp_dir)
        with app.app_context():
            flask_migrate.upgrade()
            print(f"web: seeding {n_prop} x {n_rev} x {reviews}", file=sys.stderr)
            call_id, admin_id = seed_web_call(n_prop, n_rev, reviews)
            client = app.test_client(user=db.session.get(User, admin_id))
            engine = db.engine
        counter = QueryCounter(engine)
        form_url = f"/reviews/calls/{call_id}/assignments"
        page = client.get(form_url).get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        for label, options in WEB_OPTIONS:
            samples = []
            for run in range(runs + 1):
                gc.collect()
                post, post_s, post_q = timed(
                    client,
                    "POST",
                    f"/reviews/calls/{call_id}/plans",
                    counter,
                    data={"csrf_token": token, **options},
                )
                if post.status_code != 302:
                    raise RuntimeError(f"the plan form answered {post.status}")
                get, get_s, get_q = timed(client, "GET", post.headers["Location"], counter)
                if get.status_code != 200:
                    raise RuntimeError(f"the preview answered {get.status}")
                samples.append((post_s, get_s, post_q, get_q))
                print(f"  web, {label}, run {run}: {post_s + get_s:.3f} s", file=sys.stderr)
            with app.app_context():
                result = db.session.scalars(
                    sa.select(AssignmentPlan.result).order_by(AssignmentPlan.id.desc()).limit(1)
                ).one()
            cold, warm = samples[0], samples[1:] or samples
            totals = [post_s + get_s for post_s, get_s, _, _ in warm]
            met = statistics.median(totals) < target
            ok &= met
            rows.append(
                f"| {n_prop:,} × {n_rev:,} × {reviews} | {label} | {engine.dialect.name} "
                f"| {cold[0] + cold[1]:.3f} "
                f"| {statistics.median(s[0] for s in warm):.3f} "
                f"| {statistics.median(s[1] for s in warm):.3f} "
                f"| {statistics.median(totals):.3f} | {max(totals):.3f} "
                f"| {result['prepare_seconds']:.3f} | {result['solve_seconds']:.3f} "
                f"| {warm[-1][2]} + {warm[-1][3]} | < {target:g} | {'yes' if met else '**no**'} "
                f"| {'complete' if result['complete'] else 'partial'} "
                f"| {result['mean_affinity']:.4f} |"
            )
        plan_url = post.headers["Location"]
        deploy, deploy_s, deploy_q = timed(
            client, "POST", f"{plan_url}/deploy", counter, data={"csrf_token": token}
        )
        if deploy.status_code != 302:
            raise RuntimeError(f"the deployment answered {deploy.status}")
        created = result["new_count"]
        deployment = (
            f"Deploying the last plan ({created:,} new assignments, one email per reviewer) "
            f"took {deploy_s:.2f} s and {deploy_q} queries on {engine.dialect.name}."
        )
        engine.dispose()
    return rows, ok, deployment


def main() -> int:
    """Run every size, print the table and return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="instances per size (seeds)")
    parser.add_argument("--check-full", action="store_true", help="compare with no pruning")
    parser.add_argument(
        "--web-runs", type=int, default=5, help="timed web runs after a cold one (0: skip)"
    )
    parser.add_argument(
        "--database-url", help="database for the web runs (default: a temporary SQLite file)"
    )
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
    if args.web_runs > 0:
        web_rows, web_ok, deployment = web_benchmark(args.web_runs, args.database_url)
        failed |= not web_ok
        print(
            f"\nThe whole web request: POST the automatic assignment form, GET the preview "
            f"(server time in s; median of {args.web_runs} runs after a cold one)\n"
        )
        print(
            "| proposals × reviewers × reviews | options | database | cold POST + GET "
            "| POST | GET | POST + GET | worst POST + GET | of the POST: reading + affinity "
            "| of the POST: solve | queries | target s | met | result | mean affinity |"
        )
        print(
            "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: "
            "| --- | --- | ---: |"
        )
        print("\n".join(web_rows))
        print(f"\n{deployment}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
