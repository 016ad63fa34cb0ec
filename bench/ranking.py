"""Time the ranking page of a big call, its decision packet and its suggested award set.

Bulk-inserts a call in review of `--proposals` (2,000) proposals with three submitted reviews
each (6,000) from `--reviewers` (200) who know two of ten topics each (so the review graph is
one connected group and calibration is fitted over the whole call), member interest from 30
organizations (about a tenth of the proposals each), confirmed conflicts, declined assignments
and staged decisions; and a small call of `--small` (20) proposals built the same way. Then,
through the Flask test client signed in as an administrator, it requests the ranking page
(every row, the funding line drawn, the exact suggested set beside it) `--runs` (15) times after
a warm-up, and reports the median and slowest server time and the SQL statements per request,
checking that the small call's page runs as many; then the same page with theme minimums, the
CSV packet, and `suggest` alone on calls of 300 and 2,000 proposals with theme minimums.

    .venv/bin/python bench/ranking.py
    .venv/bin/python bench/ranking.py --postgres postgresql+psycopg://postgres@127.0.0.1:5432/seedbed_bench_ranking

The PostgreSQL database named is dropped and created again. The Markdown table goes to
stdout, progress to stderr. Exits with status 1 when the page misses 300 ms or its query count
grows with the call.
"""

import argparse
import gc
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

if __package__ in (None, ""):  # run as `python bench/ranking.py`: make the app importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import flask_migrate
import sqlalchemy as sa

from app.auth.models import Role, User, UserRole
from app.calls.models import Call, CallState
from app.decisions.models import Decision, Outcome
from app.decisions.ranking import SuggestionOptions, build_ranking, suggest
from app.decisions.selection import GroupLimit
from app.extensions import db
from app.interest.models import InterestLevel, MemberInterest
from app.members.models import Organization, Tier
from app.proposals.models import Proposal, ProposalState
from app.reviews.models import (
    Assignment,
    AssignmentState,
    Conflict,
    ConflictSource,
    ConflictStatus,
    Review,
)
from bench.decisions import machine
from bench.run import FIRST_NAMES, LAST_NAMES, QueryCounter, analyze, build_app
from tests.dbutil import recreate_database

TARGET_MS = 300.0
THEMES = ("robotics", "materials", "vision", "biomanufacturing", "semiconductors", "energy")
TOPICS = 10
# (proposals, theme minimum, target seconds) for the suggested set alone.
SUGGESTION_SIZES = [(300, 3, 1.0), (2_000, 10, 3.0)]


def _users(prefix: str, count: int, role: Role, now: datetime) -> list[int]:
    users = [
        User(
            email=f"{prefix}{i}@bench.example",
            name=f"{FIRST_NAMES[i % len(FIRST_NAMES)]} {LAST_NAMES[i % len(LAST_NAMES)]} {i}",
            email_verified_at=now,
            roles=[UserRole(role=role, granted_at=now)],
        )
        for i in range(count)
    ]
    db.session.add_all(users)
    db.session.flush()
    return [user.id for user in users]


def seed_call(
    label: str, n_prop: int, reviewers: list[int], applicants: list[int], orgs: list[int], seed: int
) -> int:
    """Insert a call in review with its proposals, reviews, interest, conflicts and decisions."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    call = Call(
        title=f"Bench ranking call {label}",
        theme="AI for manufacturing",
        reference_prefix="RNK",
        opens_at=now - timedelta(days=90),
        closes_at=now - timedelta(days=30),
        review_deadline=now - timedelta(days=2),
        total_budget=Decimal(n_prop * 20_000),  # about a fifth of the money asked
        max_award=Decimal("150000"),
        state=CallState.IN_REVIEW,
        opened_at=now - timedelta(days=90),
        closed_at=now - timedelta(days=30),
        review_started_at=now - timedelta(days=29),
        last_reference_number=n_prop,
    )
    db.session.add(call)
    db.session.flush()
    topic = [rng.randrange(TOPICS) for _ in range(n_prop)]
    db.session.execute(
        sa.insert(Proposal),
        [
            {
                "call_id": call.id,
                "applicant_id": applicants[i % len(applicants)],
                "reference": f"RNK-{label}-{i + 1:04d}",
                "state": ProposalState.UNDER_REVIEW,
                "title": f"Seed project {i + 1} on topic {topic[i]}",
                "abstract": "An abstract.",
                "keywords": f"{THEMES[i % len(THEMES)]}, topic {topic[i]}",
                "requested_amount": Decimal(rng.randrange(20_000, 150_001, 5_000)),
                "first_submitted_at": now - timedelta(days=31),
                "submitted_at": now - timedelta(days=31),
                "version_count": 1,
            }
            for i in range(n_prop)
        ],
    )
    ids = db.session.scalars(
        sa.select(Proposal.id).where(Proposal.call_id == call.id).order_by(Proposal.id)
    ).all()
    # Reviewers know two neighbouring topics each, so topics chain into one connected graph.
    experts = {
        t: [r for k, r in enumerate(reviewers) if t in (k % TOPICS, (k + 1) % TOPICS)]
        for t in range(TOPICS)
    }
    quality = [60 + rng.gauss(0, 12) for _ in ids]
    leniency = {r: rng.gauss(0, 8) for r in reviewers}
    pairs, scores = [], []
    for i, pid in enumerate(ids):
        for r in rng.sample(experts[topic[i]], 3):
            pairs.append((pid, r))
            scores.append(min(max(quality[i] + leniency[r] + rng.gauss(0, 10), 0), 100))
    db.session.execute(
        sa.insert(Assignment),
        [
            {
                "call_id": call.id,
                "proposal_id": pid,
                "reviewer_id": r,
                "state": AssignmentState.SUBMITTED,
            }
            for pid, r in pairs
        ],
    )
    assignment_ids = dict(
        ((pid, r), aid)
        for aid, pid, r in db.session.execute(
            sa.select(Assignment.id, Assignment.proposal_id, Assignment.reviewer_id).where(
                Assignment.call_id == call.id
            )
        )
    )
    db.session.execute(
        sa.insert(Review),
        [
            {
                "assignment_id": assignment_ids[pair],
                "submitted_at": now - timedelta(days=5),
                "weighted_total": Decimal(f"{score:.2f}"),
                "confidence": 3,
            }
            for pair, score in zip(pairs, scores, strict=True)
        ],
    )
    reviewed = set(pairs)
    spare = [(pid, r) for pid in rng.sample(ids, n_prop // 20) for r in rng.sample(reviewers, 2)]
    spare = list(dict.fromkeys(pair for pair in spare if pair not in reviewed))
    half = len(spare) // 2
    db.session.execute(
        sa.insert(Assignment),
        [
            {
                "call_id": call.id,
                "proposal_id": pid,
                "reviewer_id": r,
                "state": AssignmentState.DECLINED,
                "declined_at": now,
                "decline_reason": "Busy",
            }
            for pid, r in spare[:half]
        ],
    )
    db.session.execute(
        sa.insert(Conflict),
        [
            {
                "proposal_id": pid,
                "reviewer_id": r,
                "source": ConflictSource.SAME_DEPARTMENT,
                "status": ConflictStatus.CONFIRMED,
                "created_at": now,
            }
            for pid, r in spare[half:]
        ],
    )
    levels = list(InterestLevel)
    db.session.execute(
        sa.insert(MemberInterest),
        [
            {"proposal_id": pid, "organization_id": org, "level": rng.choice(levels)}
            for org in orgs
            for pid in rng.sample(ids, max(1, n_prop // 10))
        ],
    )
    db.session.execute(
        sa.insert(Decision),
        [
            {"call_id": call.id, "proposal_id": pid, "outcome": Outcome.DECLINE}
            for pid in rng.sample(ids, max(1, n_prop // 20))
        ],
    )
    db.session.commit()
    return call.id


def seed(n_prop: int, n_small: int, n_rev: int) -> tuple[int, int, int]:
    """Insert the people, the members and both calls; return the admin's and calls' ids."""
    now = datetime.now(UTC)
    admin = User(
        email="admin@bench.example",
        name="Avery Admin",
        email_verified_at=now,
        roles=[UserRole(role=Role.ADMIN, granted_at=now)],
    )
    db.session.add(admin)
    reviewers = _users("reviewer", n_rev, Role.REVIEWER, now)
    applicants = _users("applicant", 300, Role.RESEARCHER, now)
    tiers = [Tier(name=f"Tier {v}", annual_fee=Decimal("50000"), votes=v) for v in (1, 2, 3)]
    db.session.add_all(tiers)
    db.session.flush()
    organizations = [
        Organization(name=f"Company {i}", sector="Manufacturing", tier_id=tiers[i % 3].id)
        for i in range(30)
    ]
    db.session.add_all(organizations)
    db.session.flush()
    orgs = [org.id for org in organizations]
    big = seed_call("B", n_prop, reviewers, applicants, orgs, seed=1)
    small = seed_call("S", n_small, reviewers[:20], applicants, orgs, seed=2)
    return admin.id, big, small


def timed_get(client, url: str, counter: QueryCounter) -> tuple[float, int, int]:
    """GET the page once; return milliseconds, queries and the body's size."""
    counter.count = 0
    gc.collect()
    started, cpu = time.perf_counter(), time.process_time()
    response = client.get(url)
    body = response.get_data()
    elapsed = (time.perf_counter() - started) * 1000
    cpu_ms = (time.process_time() - cpu) * 1000
    if response.status_code != 200:
        raise RuntimeError(f"{url} answered {response.status}")
    return elapsed, counter.count, len(body), cpu_ms


def measure(client, url: str, counter: QueryCounter, runs: int) -> dict:
    """Warm up once, then time `runs` requests."""
    timed_get(client, url, counter)
    samples = [timed_get(client, url, counter) for _ in range(runs)]
    times = [sample[0] for sample in samples]
    return {
        "median": statistics.median(times),
        "max": max(times),
        "cpu": statistics.median(sample[3] for sample in samples),
        "queries": sorted({sample[1] for sample in samples}),
        "size": samples[-1][2],
    }


def run(url: str, args: argparse.Namespace, tmp_dir: Path) -> tuple[list[str], bool]:
    """Seed one database, measure, and return the table rows and whether targets were met."""
    recreate_database(url)
    app = build_app(url, tmp_dir)
    with app.app_context():
        flask_migrate.upgrade()
        print(f"seeding {args.proposals} proposals on {db.engine.dialect.name}", file=sys.stderr)
        started = time.perf_counter()
        admin_id, big, small = seed(args.proposals, args.small, args.reviewers)
        print(f"  seeded in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        # Planner statistics, as autovacuum would gather soon after a bulk load: without them
        # PostgreSQL guesses one proposal per call and nests loops over the reviews (140 ms).
        analyze()
        client = app.test_client(user=db.session.get(User, admin_id))
        engine = db.engine
        dialect = engine.dialect.name
    counter = QueryCounter(engine)
    themes = "%0A".join(f"{theme}:+10-" for theme in THEMES)
    pages = [
        ("ranking page", f"/decisions/calls/{big}/ranking", True),
        ("ranking page, small call", f"/decisions/calls/{small}/ranking", False),
        (
            "ranking page, theme minimums 10",
            f"/decisions/calls/{big}/ranking?groups={themes}",
            False,
        ),
        ("decision packet, CSV", f"/decisions/calls/{big}/packet.csv", False),
    ]
    rows, ok, results = [], True, {}
    for label, page_url, has_target in pages:
        result = measure(client, page_url, counter, args.runs)
        results[label] = result
        print(f"  {label}: {result['median']:.1f} ms", file=sys.stderr)
        met = result["median"] < TARGET_MS
        if has_target:
            ok &= met
        rows.append(
            f"| {label} | {dialect} | {result['median']:.1f} | {result['max']:.1f} "
            f"| {result['cpu']:.1f} "
            f"| {'/'.join(map(str, result['queries']))} | {result['size'] / 1024:.0f} KiB "
            f"| {f'< {TARGET_MS:g}' if has_target else ''} "
            f"| {('yes' if met else '**no**') if has_target else ''} |"
        )
    same = results["ranking page"]["queries"] == results["ranking page, small call"]["queries"]
    ok &= same
    rows.append(
        f"| query count, {args.proposals:,} vs {args.small} proposals | {dialect} | | "
        f"| | {'same' if same else '**differs**'} | | | |"
    )
    with app.app_context():
        threshold = Decimal(str(app.config["REVIEW_DISAGREEMENT_SPREAD"]))
        for size, minimum, target in SUGGESTION_SIZES:
            call = db.session.get(Call, big)
            ranking = build_ranking(call, threshold=threshold)
            ranking.rows = ranking.rows[:size]
            ranking.budget = sum((row.requested for row in ranking.rows), Decimal(0)) / 5
            options = SuggestionOptions(tuple(GroupLimit(theme, minimum) for theme in THEMES))
            times = []
            for _ in range(args.suggestion_runs):
                started = time.perf_counter()
                selection = suggest(ranking, options)
                times.append(time.perf_counter() - started)
            median = statistics.median(times)
            met = median < target and selection.feasible and selection.is_proven_optimal
            ok &= met
            rows.append(
                f"| suggested set alone, {size:,} proposals, theme minimums {minimum} | {dialect} "
                f"| {median * 1000:.1f} | {max(times) * 1000:.1f} | | | "
                f"{len(selection.chosen)} chosen | < {target * 1000:g} "
                f"| {'yes' if met else '**no**'} |"
            )
    engine.dispose()
    return rows, ok


def main() -> int:
    """Run on SQLite (and PostgreSQL if asked); print the table; return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--proposals", type=int, default=2_000)
    parser.add_argument("--small", type=int, default=20)
    parser.add_argument("--reviewers", type=int, default=200)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--suggestion-runs", type=int, default=5)
    parser.add_argument("--postgres", metavar="URL", help="also run on this PostgreSQL database")
    args = parser.parse_args()
    rows, ok = [], True
    with tempfile.TemporaryDirectory(prefix="seedbed-bench-ranking-") as tmp:
        tmp_dir = Path(tmp)
        urls = [f"sqlite:///{tmp_dir / 'ranking.sqlite3'}"]
        if args.postgres:
            urls.append(args.postgres)
        for url in urls:
            more, met = run(url, args, tmp_dir)
            rows += more
            ok &= met
    print(
        f"Ranking of a call of {args.proposals:,} proposals with {3 * args.proposals:,} submitted "
        f"reviews by {args.reviewers} reviewers; median of {args.runs} requests after a warm-up, "
        "server time through the Flask test client signed in as an administrator (CPU: this "
        "process's processor time, less disturbed by a busy machine; PostgreSQL's own is not "
        "in it).\n"
    )
    print(
        "| what | database | median ms | max ms | median CPU ms | queries | size | target ms "
        "| met |"
    )
    print("| --- | --- | ---: | ---: | ---: | --- | ---: | ---: | --- |")
    print("\n".join(rows))
    print(f"\n{machine()}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
