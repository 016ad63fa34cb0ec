"""Measure server time and SQL queries per page on a freshly seeded database, in process.

Builds a database of `--users` accounts plus the personas the pages sign in as, migrates it,
then requests every page through the WSGI test client: after a warm-up, `--requests` times
each, reporting the median and 95th-percentile server time, the SQL statements per request
and the ratio to the floor route (/healthz, a constant string) measured in the same run.
It also checks that a list page's query count does not grow with the data: the pages marked
`constant_queries` are counted first with `--small-users` accounts (fewer rows than one page,
so a query per row would show) and again at full size; a difference exits with status 1.

    .venv/bin/python -m bench.run                      # SQLite in a temporary file, 5,000 users
    .venv/bin/python -m bench.run --database-url postgresql+psycopg://postgres@127.0.0.1:5432/seedbed_bench
    .venv/bin/python -m bench.run --users 20000 --json bench/results/sqlite.json

The database named by --database-url is dropped and created again. The Markdown table goes to
stdout, progress to stderr. To measure a new page, add a `Page` to PAGES (and, if it needs
another kind of user, a `Persona` to PERSONAS).

Membership data is bulk-loaded beside the users: `--organizations` members (default 2,000)
in every status, with yearly terms and `--invoices` invoices (default 20,000) spread over
them, paid, unpaid, overdue and void; the growth check starts from `--small-organizations`.
Calls and proposals too: a call of `--proposals` (5,000) in every state, some with budget
lines, co-investigators and sponsors, for the administrators' list (its growth check starts
from `--small-proposals`); the researcher persona's `--mine` (50) in another call; and two
calls of `--export-small` (1,000) and `--export-rows` (10,000) whose CSV and Excel exports are
downloaded chunk by chunk, timed and traced for peak memory; a CSV export whose memory grows
with its rows (more than 1.5× from the small to the big one) exits with status 1 too.
Review: the reviewer persona's `--assignments` (50) in a call in review, assigned, drafted,
submitted and declined, beside three bulk reviewers' assignments on each reviewable proposal
of the big call; its growth check starts from `--small-assignments` (5).
A page whose endpoint the app does not have (yet) is left out.
"""

import argparse
import gc
import json
import os
import platform
import re
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

if __package__ in (None, ""):  # run as `python bench/run.py`: make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import flask_migrate
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from flask_login import FlaskLoginClient

from app import create_app
from app.api import tokens
from app.auth.models import Role, User, UserRole, new_session_token
from app.auth.passwords import hash_password
from app.calls.models import Call
from app.extensions import db
from app.members.models import (
    Invoice,
    InvoiceStatus,
    MembershipTerm,
    Organization,
    Tier,
)
from app.proposals.models import (
    BudgetLine,
    CoInvestigator,
    Proposal,
    ProposalVersion,
    proposal_sponsors,
)
from app.reviews.models import Assignment, CallReviewer, Review
from config import TestingConfig
from tests.dbutil import recreate_database


@dataclass(frozen=True)
class Persona:
    """An account the benchmark signs in as, created besides the bulk users."""

    email: str
    name: str
    roles: tuple[Role, ...]
    timezone: str = "UTC"


@dataclass(frozen=True)
class Page:
    """A page to measure: a label, the URL and the persona asking (None: anonymous)."""

    name: str
    url: str
    user: str | None = None
    constant_queries: bool = False  # compared at --small-users and at full size
    endpoint: str | None = None  # measured only if the app has it


PERSONAS = {
    "admin": Persona("admin@bench.example", "Avery Admin", (Role.ADMIN,), "America/New_York"),
    "researcher": Persona(
        "researcher@bench.example", "Rosa Researcher", (Role.RESEARCHER,), "America/New_York"
    ),
    "reviewer": Persona(
        "reviewer@bench.example", "Ravi Reviewer", (Role.REVIEWER,), "Europe/London"
    ),
}

FLOOR = Page("floor", "/healthz")

PAGES = [
    Page("login page", "/login"),
    Page("user list", "/admin/users/", user="admin", constant_queries=True),
    Page("user list, search", "/admin/users/?q=son", user="admin", constant_queries=True),
    Page("user list, page 2", "/admin/users/?page=2", user="admin"),
    Page(
        "member list",
        "/admin/members/",
        user="admin",
        constant_queries=True,
        endpoint="members.index",
    ),
    Page(
        "membership dashboard",
        "/admin/members/dashboard",
        user="admin",
        constant_queries=True,
        endpoint="members.dashboard",
    ),
    Page(
        "seed fund",
        "/admin/members/seed-fund",
        user="admin",
        constant_queries=True,
        endpoint="members.seed_fund",
    ),
    # {placeholders} are filled with the ids of the bench calls and proposals (see seed_calls).
    Page(
        "proposals of a call",
        "/proposals/admin/call/{big_call}",
        user="admin",
        constant_queries=True,
        endpoint="proposals.admin_list",
    ),
    Page(
        "proposals, submitted, by amount",
        "/proposals/admin/call/{big_call}?state=submitted&sort=-amount",
        user="admin",
        constant_queries=True,
        endpoint="proposals.admin_list",
    ),
    Page(
        "proposals, keyword",
        "/proposals/admin/call/{big_call}?q=twin",
        user="admin",
        constant_queries=True,
        endpoint="proposals.admin_list",
    ),
    Page(
        "proposals, applicant, by name",
        "/proposals/admin/call/{big_call}?applicant=son&sort=applicant",
        user="admin",
        constant_queries=True,
        endpoint="proposals.admin_list",
    ),
    Page(
        "proposals, amount range, latest first",
        "/proposals/admin/call/{big_call}?min_amount=50000&max_amount=100000&sort=-submitted",
        user="admin",
        constant_queries=True,
        endpoint="proposals.admin_list",
    ),
    Page(
        "proposals, by title, page 60",
        "/proposals/admin/call/{big_call}?sort=title&page=60",
        user="admin",
        endpoint="proposals.admin_list",
    ),
    Page(
        "my proposals (50)",
        "/proposals/mine",
        user="researcher",
        constant_queries=True,
        endpoint="proposals.mine",
    ),
    Page(
        "reviewer dashboard (50 assignments)",
        "/reviews/",
        user="reviewer",
        constant_queries=True,
        endpoint="reviews.dashboard",
    ),
    # The JSON API's lists, 100 items a page, with a personal access token.
    Page(
        "API: calls",
        "/api/v1/calls/?per_page=100",
        user="api:researcher",
        constant_queries=True,
        endpoint="api_calls.list_calls",
    ),
    Page(
        "API: proposals of a call",
        "/api/v1/proposals/?call_id={big_call}&per_page=100",
        user="api:admin",
        constant_queries=True,
        endpoint="api_proposals.list_proposals",
    ),
    Page(
        "API: proposals, submitted, by title",
        "/api/v1/proposals/?call_id={big_call}&state=submitted&sort=title&per_page=100",
        user="api:admin",
        constant_queries=True,
        endpoint="api_proposals.list_proposals",
    ),
    Page(
        "API: my proposals",
        "/api/v1/proposals/?per_page=100",
        user="api:researcher",
        constant_queries=True,
        endpoint="api_proposals.list_proposals",
    ),
    Page(
        "API: organizations",
        "/api/v1/members/organizations?per_page=100",
        user="api:admin",
        constant_queries=True,
        endpoint="api_members.list_organizations",
    ),
    Page(
        "API: invoices",
        "/api/v1/members/invoices?per_page=100",
        user="api:admin",
        constant_queries=True,
        endpoint="api_members.list_invoices",
    ),
    Page(
        "API: my assignments",
        "/api/v1/reviews/assignments?per_page=100",
        user="api:reviewer",
        constant_queries=True,
        endpoint="api_reviews.list_assignments",
    ),
    Page(
        "API: assignments of the reviewer's call",
        "/api/v1/reviews/assignments?call_id={review_call}&per_page=100",
        user="api:admin",
        constant_queries=True,
        endpoint="api_reviews.list_assignments",
    ),
    Page(
        "API: audit log, 100 events",
        "/api/v1/audit/events?per_page=100",
        user="api:admin",
        constant_queries=True,
        endpoint="api_audit.list_events",
    ),
    Page(
        "a proposal, call of 50",
        "/proposals/{small_proposal}",
        user="admin",
        endpoint="proposals.detail",
    ),
    Page(
        "a proposal, call of 5,000",
        "/proposals/{big_proposal}",
        user="admin",
        endpoint="proposals.detail",
    ),
]

FIRST_NAMES = [
    "Ada", "Ben", "Carla", "Dmitri", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jonas",
    "Kofi", "Lena", "Marta", "Nikhil", "Olga", "Pablo", "Quinn", "Rosa", "Sven", "Tara",
]  # fmt: skip
LAST_NAMES = [
    "Anderson", "Baker", "Chen", "Dawson", "Eriksson", "Fischer", "Garcia", "Hansen",
    "Ito", "Johnson", "Kowalski", "Larsen", "Moreau", "Nguyen", "Okafor", "Patel",
    "Rossi", "Svensson", "Tanaka", "Wilson", "Yilmaz", "Zhang", "Novak",
]  # fmt: skip

# Ten times the rows may cost a little more memory (a longer last batch), never ten times more.
FLAT_MEMORY_FACTOR = 1.5

# Transaction control is not a query the page asked for (and SQLite's BEGIN is ours to emit).
_TRANSACTION_CONTROL = re.compile(r"\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)\b", re.I)


class BenchFailure(Exception):
    """A page did not answer as the benchmark expects."""


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=5000, help="bulk accounts (default 5000)")
    parser.add_argument(
        "--small-users",
        type=int,
        default=20,
        help="accounts for the query-growth check (default 20, fewer than a page holds)",
    )
    parser.add_argument(
        "--organizations", type=int, default=2000, help="member organizations (default 2000)"
    )
    parser.add_argument(
        "--invoices", type=int, default=20000, help="invoices across them (default 20000)"
    )
    parser.add_argument(
        "--small-organizations",
        type=int,
        default=5,
        help="organizations for the query-growth check (default 5)",
    )
    parser.add_argument(
        "--proposals", type=int, default=5000, help="proposals in the big call (default 5000)"
    )
    parser.add_argument(
        "--small-proposals",
        type=int,
        default=20,
        help="proposals in the big call for the query-growth check (default 20)",
    )
    parser.add_argument(
        "--mine", type=int, default=50, help="the researcher persona's proposals (default 50)"
    )
    parser.add_argument(
        "--small-mine",
        type=int,
        default=5,
        help="the researcher's proposals for the query-growth check (default 5)",
    )
    parser.add_argument(
        "--assignments",
        type=int,
        default=50,
        help="the reviewer persona's assignments (default 50)",
    )
    parser.add_argument(
        "--small-assignments",
        type=int,
        default=5,
        help="the reviewer's assignments for the query-growth check (default 5)",
    )
    parser.add_argument(
        "--export-rows",
        type=int,
        default=10000,
        help="proposals in the call exported for the memory check (default 10000)",
    )
    parser.add_argument(
        "--export-small",
        type=int,
        default=1000,
        help="proposals in the call it is compared with (default 1000)",
    )
    parser.add_argument(
        "--export-repeats", type=int, default=5, help="timed downloads per export (default 5)"
    )
    parser.add_argument("--requests", type=int, default=200, help="timed requests per page")
    parser.add_argument("--warmup", type=int, default=20, help="untimed requests per page first")
    parser.add_argument(
        "--database-url",
        help="database to drop, create and fill (default: a temporary SQLite file)",
    )
    parser.add_argument("--json", type=Path, help="also write the results to this JSON file")
    args = parser.parse_args(argv)
    if not 0 < args.small_users < args.users:
        parser.error("--small-users must be at least 1 and below --users")
    if not 0 < args.small_organizations < args.organizations:
        parser.error("--small-organizations must be at least 1 and below --organizations")
    if not 0 < args.small_proposals < args.proposals:
        parser.error("--small-proposals must be at least 1 and below --proposals")
    if not 0 < args.small_mine < args.mine:
        parser.error("--small-mine must be at least 1 and below --mine")
    if not 0 < args.small_assignments < args.assignments:
        parser.error("--small-assignments must be at least 1 and below --assignments")
    if not 0 < args.export_small < args.export_rows:
        parser.error("--export-small must be at least 1 and below --export-rows")
    if args.export_repeats < 1:
        parser.error("--export-repeats must be at least 1")
    if args.invoices < 0:
        parser.error("--invoices cannot be negative")
    if args.requests < 1 or args.warmup < 0:
        parser.error("--requests must be at least 1 and --warmup at least 0")
    return args


def build_app(database_url: str, tmp_dir: Path) -> Flask:
    """Create the app on the bench database with test settings, CSRF on, rate limits off."""
    app = create_app(
        TestingConfig,
        SQLALCHEMY_DATABASE_URI=database_url,
        RATELIMIT_ENABLED=False,
        WTF_CSRF_ENABLED=True,  # real forms carry a token: render it as production does
        MAIL_OUTBOX_DIR=tmp_dir / "outbox",
        # A token's "last used" stamp is a write once a minute; over a run longer than that
        # it would make one request in thousands count one more query than the rest.
        API_LAST_USED_RESOLUTION_SECONDS=86400,
    )
    app.test_client_class = FlaskLoginClient
    return app


def _bulk_user_row(number: int, password_hash: str, now: datetime) -> dict:
    """Return the column values of bulk user `number`: a mix of statuses and sign-in times."""
    first = FIRST_NAMES[number % len(FIRST_NAMES)]
    last = LAST_NAMES[number % len(LAST_NAMES)]
    invited = number % 40 == 39
    deactivated = number % 25 == 24
    created_at = now - timedelta(minutes=number)
    return {
        "email": f"{first}.{last}.{number}@example.org".lower(),
        "name": f"{first} {last}",
        "password_hash": None if invited else password_hash,
        "timezone": "Europe/Berlin" if number % 3 else "America/Chicago",
        "is_active": not deactivated,
        "session_token": new_session_token(),
        "email_verified_at": None if invited else created_at,
        "last_login_at": None if invited or number % 2 else now - timedelta(hours=number % 500),
        "deactivated_at": now if deactivated else None,
        "created_at": created_at,
        "updated_at": created_at,
    }


def _bulk_user_roles(number: int) -> tuple[Role, ...]:
    """Return the roles of bulk user `number`: mostly researchers, some with two roles."""
    kind = number % 10
    if kind < 6:
        return (Role.RESEARCHER,)
    if kind < 8:
        return (Role.REVIEWER,)
    if kind == 8:
        return (Role.MEMBER,)
    return (Role.RESEARCHER, Role.REVIEWER)


def insert_users(rows: list[dict], roles: Iterable[tuple[Role, ...]]) -> None:
    """Insert users and their roles with Core bulk inserts, in one transaction."""
    users, user_roles = User.__table__, UserRole.__table__
    now = datetime.now(UTC)
    with db.engine.begin() as connection:
        ids = connection.execute(
            sa.insert(users).returning(users.c.id, sort_by_parameter_order=True), rows
        ).scalars()
        role_rows = [
            {"user_id": user_id, "role": role, "granted_at": now}
            for user_id, held in zip(ids, roles, strict=True)
            for role in held
        ]
        connection.execute(sa.insert(user_roles), role_rows)


def insert_bulk_users(start: int, stop: int, password_hash: str) -> None:
    """Insert bulk users numbered start to stop - 1."""
    now = datetime.now(UTC)
    numbers = range(start, stop)
    rows = [_bulk_user_row(number, password_hash, now) for number in numbers]
    insert_users(rows, (_bulk_user_roles(number) for number in numbers))


def insert_personas(password_hash: str) -> None:
    """Insert the accounts the pages sign in as."""
    now = datetime.now(UTC)
    rows = [
        {
            "email": persona.email,
            "name": persona.name,
            "password_hash": password_hash,
            "timezone": persona.timezone,
            "is_active": True,
            "session_token": new_session_token(),
            "email_verified_at": now,
            "last_login_at": now,
            "created_at": now,
            "updated_at": now,
        }
        for persona in PERSONAS.values()
    ]
    insert_users(rows, (persona.roles for persona in PERSONAS.values()))


BENCH_TIERS = [
    ("Founding", 250000, 3, 3),
    ("Sustaining", 100000, 2, 2),
    ("Associate", 50000, 1, 1),
    ("Startup", 10000, 1, 1),
]
SECTORS = [
    "Biotechnology", "Electronics manufacturing", "Energy", "Industrial software",
    "Pharmaceuticals", "Industrial technology", "Aerospace", "Semiconductors", "Robotics",
]  # fmt: skip
COUNTRIES = ["United States", "Germany", "France", "Japan", "United Kingdom", "Canada"]
NAME_WORDS = ["Apex", "Borealis", "Cobalt", "Delta", "Ember", "Fjord", "Granite", "Helix"]


def insert_tiers() -> dict[str, int]:
    """Insert the membership tiers; return their ids by name."""
    now = datetime.now(UTC)
    rows = [
        {
            "name": name,
            "annual_fee": Decimal(fee),
            "representatives_allowed": representatives,
            "votes": votes,
            "benefits": "",
            "created_at": now,
            "updated_at": now,
        }
        for name, fee, representatives, votes in BENCH_TIERS
    ]
    tiers = Tier.__table__
    with db.engine.begin() as connection:
        ids = connection.execute(
            sa.insert(tiers).returning(tiers.c.id, sort_by_parameter_order=True), rows
        ).scalars()
        return dict(zip((name for name, *_ in BENCH_TIERS), ids, strict=True))


def _member_terms(number: int, today: date) -> list[tuple[date, date]]:
    """Return the yearly terms of bulk member `number`, oldest first, by the status it is given.

    One in 20 is a prospect (no term), one withdrawn, two lapsed, one in grace; the rest are
    active, some with their renewal due within 90 days. Members have one to five terms.
    """
    kind = number % 20
    if kind == 0:
        return []
    if kind in (2, 3):
        last_end = today - timedelta(days=61 + number % 400)  # lapsed
    elif kind == 4:
        last_end = today - timedelta(days=1 + number % 60)  # in grace
    else:
        last_end = today + timedelta(days=number * 37 % 365)  # active (or withdrawn)
    terms = []
    end = last_end
    for _ in range(1 + number % 5):
        start = end - timedelta(days=364)
        terms.append((start, end))
        end = start - timedelta(days=1)
    return terms[::-1]


def insert_members(start: int, stop: int, invoices_per_member: int, tiers: dict[str, int]) -> None:
    """Insert bulk members start to stop - 1 with their terms and invoices, in one transaction."""
    today = date.today()
    now = datetime.now(UTC)
    tier_names = list(tiers)
    organizations = Organization.__table__
    terms_table, invoices_table = MembershipTerm.__table__, Invoice.__table__
    numbers = range(start, stop)
    org_rows = []
    for number in numbers:
        withdrawn = number % 20 == 1
        org_rows.append(
            {
                "name": f"{NAME_WORDS[number % len(NAME_WORDS)]} Industries {number:05d}",
                "sector": SECTORS[number % len(SECTORS)],
                "country": COUNTRIES[number % len(COUNTRIES)],
                "website": f"https://member{number}.example",
                "themes": "AI for manufacturing, Digital twins",
                "tier_id": tiers[tier_names[number % len(tier_names)]],
                "withdrawn_on": today - timedelta(days=30) if withdrawn else None,
                "withdrawal_reason": "Budget" if withdrawn else None,
                "recorded_status": "prospect",
                "version": 1,
                "created_at": now,
                "updated_at": now,
            }
        )
    with db.engine.begin() as connection:
        org_ids = list(
            connection.execute(
                sa.insert(organizations).returning(
                    organizations.c.id, sort_by_parameter_order=True
                ),
                org_rows,
            ).scalars()
        )
        term_rows, term_owner = [], []
        for number, org_id in zip(numbers, org_ids, strict=True):
            tier_name = tier_names[number % len(tier_names)]
            fee = Decimal(BENCH_TIERS[tier_names.index(tier_name)][1])
            for starts_on, ends_on in _member_terms(number, today):
                term_rows.append(
                    {
                        "organization_id": org_id,
                        "tier_id": tiers[tier_name],
                        "starts_on": starts_on,
                        "ends_on": ends_on,
                        "annual_fee": fee,
                        "seed_commitment": Decimal(1000 * (number % 50)),
                        "signed_on": starts_on - timedelta(days=14),
                        "created_at": now,
                        "updated_at": now,
                    }
                )
                term_owner.append((org_id, starts_on, fee))
        if not term_rows:
            return
        term_ids = list(
            connection.execute(
                sa.insert(terms_table).returning(terms_table.c.id, sort_by_parameter_order=True),
                term_rows,
            ).scalars()
        )
        wanted = invoices_per_member * len(numbers)
        invoice_rows = []
        for index in range(wanted):
            slot = index % len(term_ids)
            installment = index // len(term_ids)
            org_id, starts_on, fee = term_owner[slot]
            issued_on = min(starts_on + timedelta(days=30 * installment), today)
            due_on = issued_on + timedelta(days=30)
            serial = start * invoices_per_member + index
            if serial % 31 == 0:
                status, paid_on = InvoiceStatus.VOID, None
            elif serial % 7 == 0 or issued_on + timedelta(days=20) > today:
                status, paid_on = InvoiceStatus.ISSUED, None  # unpaid: overdue once past due
            else:
                status, paid_on = InvoiceStatus.PAID, issued_on + timedelta(days=20)
            invoice_rows.append(
                {
                    "organization_id": org_id,
                    "term_id": term_ids[slot],
                    "number": f"{issued_on.year}-{serial + 1:06d}",
                    "amount": fee / 4,
                    "issued_on": issued_on,
                    "due_on": due_on,
                    "status": status,
                    "paid_on": paid_on,
                    "payment_reference": None,
                    "voided_at": now if status == InvoiceStatus.VOID else None,
                    "void_reason": "Issued twice" if status == InvoiceStatus.VOID else None,
                    "created_at": now,
                    "updated_at": now,
                }
            )
        if invoice_rows:
            connection.execute(sa.insert(invoices_table), invoice_rows)


PROPOSAL_TOPICS = [
    "Digital twin", "Anomaly detection", "Reinforcement learning", "Computer vision",
    "Predictive maintenance", "Soft sensors", "Federated learning", "Bayesian optimisation",
]  # fmt: skip
PROPOSAL_DOMAINS = [
    "injection moulding", "semiconductor etch", "battery cell assembly", "bioreactor control",
    "additive manufacturing", "CNC machining", "aircraft engine inspection", "fill-finish lines",
]  # fmt: skip
DEPARTMENTS = [
    "Mechanical Engineering", "Chemical Engineering", "Electrical Engineering and Computer Science",
    "Materials Science and Engineering", "Biological Engineering", "Aeronautics and Astronautics",
]  # fmt: skip


@dataclass(frozen=True)
class BenchCall:
    """A call the benchmark fills with proposals."""

    key: str
    title: str
    prefix: str
    in_review: bool = False


BENCH_CALLS = [
    BenchCall("big_call", "AI for manufacturing seed grants", "AIM"),
    BenchCall("small_call", "Semiconductor seed grants", "SEMI"),
    BenchCall("export_small_call", "Export of 1,000", "EXA"),
    BenchCall("export_big_call", "Export of 10,000", "EXB"),
    BenchCall("review_call", "Biomanufacturing seed grants", "BIO", in_review=True),
]


def insert_calls() -> dict[str, int]:
    """Insert the bench calls (closed, so every proposal state is plausible; the review call in
    review); return their ids."""
    now = datetime.now(UTC)
    rows = [
        {
            "title": call.title,
            "theme": "AI for manufacturing",
            "description": "Seed projects.",
            "eligibility": "",
            "reference_prefix": call.prefix,
            "opens_at": now - timedelta(days=90),
            "closes_at": now - timedelta(days=30),
            "review_deadline": now + timedelta(days=30),
            "total_budget": Decimal("1500000"),
            "max_award": Decimal("150000"),
            "reviews_per_proposal": 3,
            "is_blind": False,
            "member_visibility": "titles_abstracts",
            "state": "in_review" if call.in_review else "closed",
            "opened_at": now - timedelta(days=90),
            "closed_at": now - timedelta(days=30),
            "review_started_at": now - timedelta(days=29) if call.in_review else None,
            "last_reference_number": 0,
            "version": 1,
            "created_at": now,
            "updated_at": now,
        }
        for call in BENCH_CALLS
    ]
    calls = Call.__table__
    with db.engine.begin() as connection:
        ids = connection.execute(
            sa.insert(calls).returning(calls.c.id, sort_by_parameter_order=True), rows
        ).scalars()
        return dict(zip((call.key for call in BENCH_CALLS), ids, strict=True))


def _proposal_state(number: int) -> str:
    """Return the state of proposal `number` of a call: mostly submitted or under review."""
    kind = number % 20
    if kind < 7:
        return "submitted"
    if kind < 13:
        return "under_review"
    return {13: "awarded", 14: "awarded", 15: "declined", 16: "waitlisted", 17: "withdrawn"}.get(
        kind, "draft"
    )


def insert_proposals(
    call_id: int,
    prefix: str,
    start: int,
    stop: int,
    applicant_ids: list[int],
    sponsor_ids: list[int],
) -> list[int]:
    """Insert proposals start to stop - 1 of a call, in one transaction; return their ids.

    Every state (a tenth drafts, a twentieth withdrawn); each submitted one has a reference
    and a version. A third have two budget lines, a quarter two co-investigators, a fifth a
    sponsor: proposal 0 of a call has all three, so the proposal pages compared have the
    same shape whatever the size of their call.
    """
    now = datetime.now(UTC)
    rows, numbers = [], range(start, stop)
    for number in numbers:
        state = _proposal_state(number)
        submitted_at = None if state == "draft" else now - timedelta(days=31, minutes=number)
        topic = PROPOSAL_TOPICS[number % len(PROPOSAL_TOPICS)]
        domain = PROPOSAL_DOMAINS[number // 3 % len(PROPOSAL_DOMAINS)]
        rows.append(
            {
                "call_id": call_id,
                "applicant_id": applicant_ids[number % len(applicant_ids)],
                "reference": None if state == "draft" else f"{prefix}-2026-{number + 1:03d}",
                "state": state,
                "title": f"{topic} for {domain}, study {number}",
                "abstract": (
                    f"We apply {topic.lower()} to {domain}, with data from two member plants, "
                    "and measure scrap, downtime and energy against the current practice."
                ),
                "keywords": f"{topic.lower()}, {domain}, machine learning",
                "department": DEPARTMENTS[number % len(DEPARTMENTS)],
                "duration_months": 12 + number % 3 * 3,
                "industry_relevance": "Cuts scrap and downtime on member lines.",
                "requested_amount": Decimal(5000 + number * 7919 % 1450 * 100),
                "first_submitted_at": submitted_at,
                "submitted_at": submitted_at,
                "withdrawn_at": now - timedelta(days=31) if state == "withdrawn" else None,
                "decided_at": (
                    now - timedelta(days=5)
                    if state in ("awarded", "declined", "waitlisted")
                    else None
                ),
                "version_count": 0 if state == "draft" else 1,
                "version": 1,
                "created_at": now - timedelta(days=40, minutes=number),
                "updated_at": now - timedelta(days=40, minutes=number),
            }
        )
    proposals = Proposal.__table__
    with db.engine.begin() as connection:
        ids = list(
            connection.execute(
                sa.insert(proposals).returning(proposals.c.id, sort_by_parameter_order=True), rows
            ).scalars()
        )
        budget, team, sponsors, versions = [], [], [], []
        for number, proposal_id, row in zip(numbers, ids, rows, strict=True):
            amount = row["requested_amount"]
            if number % 3 == 0:
                personnel = (amount * Decimal("0.7")).quantize(Decimal("1"))
                budget += [
                    {
                        "proposal_id": proposal_id,
                        "position": 1,
                        "category": "personnel",
                        "description": "Postdoc",
                        "amount": personnel,
                    },
                    {
                        "proposal_id": proposal_id,
                        "position": 2,
                        "category": "materials",
                        "description": "Sensors",
                        "amount": amount - personnel,
                    },
                ]
            if number % 4 == 0:
                team += [
                    {
                        "proposal_id": proposal_id,
                        "position": position,
                        "name": f"{FIRST_NAMES[(number + position) % len(FIRST_NAMES)]} Co",
                        "email": f"co{position}.{number}@univ.example",
                        "affiliation": "Department of Physics",
                        "role": "Co-investigator",
                    }
                    for position in (1, 2)
                ]
            if number % 5 == 0 and sponsor_ids:
                sponsors.append(
                    {
                        "proposal_id": proposal_id,
                        "organization_id": sponsor_ids[number % len(sponsor_ids)],
                    }
                )
            if row["submitted_at"] is not None:
                versions.append(
                    {
                        "proposal_id": proposal_id,
                        "number": 1,
                        "submitted_at": row["submitted_at"],
                        "submitted_by_id": row["applicant_id"],
                        "snapshot": {
                            "reference": row["reference"],
                            "title": row["title"],
                            "abstract": row["abstract"],
                            "requested_amount": str(amount),
                        },
                    }
                )
        for table, values in (
            (BudgetLine.__table__, budget),
            (CoInvestigator.__table__, team),
            (proposal_sponsors, sponsors),
            (ProposalVersion.__table__, versions),
        ):
            if values:
                connection.execute(sa.insert(table), values)
    return ids


def analyze() -> None:
    """Refresh PostgreSQL's planner statistics, as autovacuum would soon after a bulk load."""
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as connection:
            connection.exec_driver_sql("ANALYZE")


class TokenClient:
    """Calls the API with a persona's personal access token."""

    def __init__(self, client: FlaskClient, raw_token: str):
        self.client = client
        self.headers = {"Authorization": f"Bearer {raw_token}"}

    def get(self, url: str):
        """Send a GET with the token."""
        return self.client.get(url, headers=self.headers)


def make_clients(app: Flask) -> dict[str | None, FlaskClient]:
    """Return per persona a signed-in client and an API one ("api:…"), and one anonymous."""
    clients: dict[str | None, FlaskClient] = {None: app.test_client()}
    with app.app_context():
        for key, persona in PERSONAS.items():
            user = db.session.scalar(sa.select(User).where(User.email == persona.email))
            clients[key] = app.test_client(user=user)
            _token, raw = tokens.create_token(user, name="bench", expires_on=None, actor=user)
            db.session.commit()
            clients[f"api:{key}"] = TokenClient(app.test_client(), raw)
    return clients


class QueryCounter:
    """Count the SQL statements an engine runs, leaving out transaction control."""

    def __init__(self, engine: sa.Engine):
        self.count = 0
        sa.event.listen(engine, "before_cursor_execute", self._on_execute)

    def _on_execute(self, connection, cursor, statement, parameters, context, executemany):
        if not _TRANSACTION_CONTROL.match(statement):
            self.count += 1


@dataclass
class Measurement:
    """Server times (ms) and query counts of one page's timed requests."""

    page: Page
    times_ms: list[float]
    queries: list[int]

    @property
    def median_ms(self) -> float:
        """Return the median server time."""
        return statistics.median(self.times_ms)

    @property
    def p95_ms(self) -> float:
        """Return the 95th-percentile server time."""
        if len(self.times_ms) < 2:
            return self.times_ms[0]
        return statistics.quantiles(self.times_ms, n=100, method="inclusive")[94]

    @property
    def query_range(self) -> tuple[int, int]:
        """Return the fewest and most queries a request ran (equal when the page is stable)."""
        return min(self.queries), max(self.queries)

    @property
    def query_text(self) -> str:
        """Return the query count, or its range when requests differed."""
        low, high = self.query_range
        return str(low) if low == high else f"{low}–{high}"


@dataclass
class ExportMeasurement:
    """A download consumed chunk by chunk: its time, size and the memory it took."""

    name: str
    url: str
    rows: int
    size: int
    chunks: int
    times_ms: list[float]
    peak_bytes: int
    queries: int

    @property
    def median_ms(self) -> float:
        """Return the median time to download the whole file."""
        return statistics.median(self.times_ms)


def request_page(client: FlaskClient, page: Page, counter: QueryCounter) -> tuple[float, int]:
    """Request the page once; return the server time in ms and the queries it ran."""
    counter.count = 0
    start = time.perf_counter()
    response = client.get(page.url)
    response.get_data()
    elapsed = time.perf_counter() - start
    if response.status_code != 200:
        raise BenchFailure(f"{page.name}: GET {page.url} answered {response.status}, not 200")
    return elapsed * 1000, counter.count


def measure(
    clients: dict[str | None, FlaskClient],
    page: Page,
    counter: QueryCounter,
    *,
    requests: int,
    warmup: int,
) -> Measurement:
    """Warm the page up, then time `requests` requests of it."""
    client = clients[page.user]
    for _ in range(warmup):
        request_page(client, page, counter)
    gc.collect()  # start each page with no garbage left over from the previous one
    samples = [request_page(client, page, counter) for _ in range(requests)]
    return Measurement(page, [ms for ms, _ in samples], [queries for _, queries in samples])


def machine_info(engine: sa.Engine) -> dict:
    """Describe the machine, Python and database the numbers come from."""
    server = engine.dialect.server_version_info or ()
    backend = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}.get(
        engine.dialect.name, engine.dialect.name
    )
    return {
        "nproc": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "cpu": _cpu_model(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "database": f"{backend} {'.'.join(str(part) for part in server[:2])}".strip(),
        "sqlalchemy": sa.__version__,
        "load_average": [round(load, 2) for load in os.getloadavg()],
    }


def _cpu_model() -> str:
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown CPU"


def _size(count: int) -> str:
    if count >= 1024 * 1024:
        return f"{count / (1024 * 1024):.1f} MiB"
    return f"{count / 1024:.0f} KiB"


def markdown_report(
    args: argparse.Namespace,
    machine: dict,
    floor: Measurement,
    measurements: list[Measurement],
    growth: list[dict],
    exports: list[ExportMeasurement],
    flat: list[str],
) -> Iterator[str]:
    """Yield the lines of the README-ready report."""
    total = args.users + len(PERSONAS)
    yield (
        f"{total:,} users ({args.users:,} bulk + {len(PERSONAS)} signed-in), "
        f"{args.organizations:,} member organizations with "
        f"{args.invoices // args.organizations * args.organizations:,} invoices, "
        f"a call of {args.proposals:,} proposals and the researcher's {args.mine:,} in another, "
        f"the reviewer's {args.assignments:,} assignments; "
        f"{args.requests} timed requests per page after {args.warmup} warm-up; "
        f"server time in process through the WSGI test client."
    )
    yield ""
    yield "| Page | Median ms | p95 ms | Queries | × floor |"
    yield "|---|---:|---:|---:|---:|"
    for measurement in [floor, *measurements]:
        page = measurement.page
        ratio = measurement.median_ms / floor.median_ms
        yield (
            f"| {page.name} `{page.url}` | {measurement.median_ms:.2f} | "
            f"{measurement.p95_ms:.2f} | {measurement.query_text} | {ratio:.1f} |"
        )
    yield ""
    yield (
        f"Machine: {machine['nproc']} CPUs ({machine['cpu']}), Python {machine['python']}, "
        f"{machine['database']}, SQLAlchemy {machine['sqlalchemy']}, {machine['platform']}; "
        f"load average {' / '.join(str(load) for load in machine['load_average'])} at the end."
    )
    yield ""
    for check in growth:
        verdict = "constant" if check["constant"] else "GROWS"
        yield (
            f"Queries for {check['page']} `{check['url']}`: {check['small_queries']} at "
            f"{check['small_sizes']}; {check['full_queries']} at {check['full_sizes']} "
            f"({verdict})."
        )
    if not exports:
        return
    yield ""
    yield (
        f"Exports of a call's proposals, read chunk by chunk as a client does: median of "
        f"{args.export_repeats} downloads; peak memory traced (tracemalloc) over one more."
    )
    yield ""
    yield "| Export | Proposals | Size | Chunks | Median ms | Peak memory | Queries |"
    yield "|---|---:|---:|---:|---:|---:|---:|"
    for export in exports:
        yield (
            f"| {export.name} `{export.url}` | {export.rows:,} | {_size(export.size)} | "
            f"{export.chunks:,} | {export.median_ms:.0f} | {_size(export.peak_bytes)} | "
            f"{export.queries} |"
        )
    yield ""
    yield "CSV memory: " + ("; ".join(flat) if flat else "flat (the stream holds one batch).")


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _ids(query: sa.Select) -> list[int]:
    with db.engine.connect() as connection:  # not the session: it would hold SQLite's lock
        return list(connection.scalars(query))


def seed_calls(args: argparse.Namespace, *, full: bool, ids: dict[str, int]) -> None:
    """Fill the bench calls: the small database's share, or the rest up to full size.

    The big call grows from --small-proposals to --proposals, the researcher persona's call
    from --small-mine to --mine; the two export calls are filled at full size only.
    """
    applicants = _ids(sa.select(User.id).where(User.email.like("%@example.org")).order_by(User.id))
    sponsors = _ids(sa.select(Organization.id).order_by(Organization.id))
    researcher = _ids(sa.select(User.id).where(User.email == PERSONAS["researcher"].email))
    big = (args.small_proposals, args.proposals) if full else (0, args.small_proposals)
    mine = (args.small_mine, args.mine) if full else (0, args.small_mine)
    first_big = insert_proposals(ids["big_call"], "AIM", *big, applicants, sponsors)
    first_mine = insert_proposals(ids["small_call"], "SEMI", *mine, researcher, sponsors)
    if not full:
        ids["big_proposal"], ids["small_proposal"] = first_big[0], first_mine[0]
        return
    for key, prefix, rows in (
        ("export_small_call", "EXA", args.export_small),
        ("export_big_call", "EXB", args.export_rows),
    ):
        for start in range(0, rows, 5000):
            insert_proposals(ids[key], prefix, start, min(start + 5000, rows), applicants, sponsors)


REVIEWABLE = ("submitted", "under_review")


def _assignment_rows(
    call_id: int, pairs: list[tuple[int, int]], admin_id: int, start: int, now: datetime
) -> tuple[list[dict], list[str]]:
    """Return the rows of assignments numbered from `start` and what each has: four in ten
    submitted, two drafts, three untouched, one declined."""
    rows, kinds = [], []
    for number, (proposal_id, reviewer_id) in enumerate(pairs, start=start):
        kind = number % 10
        state = "submitted" if kind < 4 else "declined" if kind == 9 else "assigned"
        assigned_at = now - timedelta(days=28, minutes=number)
        rows.append(
            {
                "call_id": call_id,
                "proposal_id": proposal_id,
                "reviewer_id": reviewer_id,
                "state": state,
                "due_at": now + timedelta(days=30 - number % 5),
                "assigned_by_id": admin_id,
                "declined_at": now - timedelta(days=20) if state == "declined" else None,
                "decline_reason": "Travelling" if state == "declined" else None,
                "last_reminded_on": None,
                "created_at": assigned_at,
                "updated_at": assigned_at,
            }
        )
        kinds.append("submitted" if kind < 4 else "draft" if kind < 6 else "none")
    return rows, kinds


def insert_assignments(
    call_id: int, pairs: list[tuple[int, int]], admin_id: int, start: int = 0
) -> None:
    """Insert assignments of (proposal, reviewer) pairs in a call, with the reviews they have
    (submitted, or a draft), in one transaction."""
    if not pairs:
        return
    now = datetime.now(UTC)
    rows, kinds = _assignment_rows(call_id, pairs, admin_id, start, now)
    assignments = Assignment.__table__
    with db.engine.begin() as connection:
        ids = connection.execute(
            sa.insert(assignments).returning(assignments.c.id, sort_by_parameter_order=True), rows
        ).scalars()
        reviews = []
        for number, (assignment_id, kind) in enumerate(zip(ids, kinds, strict=True)):
            if kind == "none":
                continue
            submitted = kind == "submitted"
            written = now - timedelta(days=10, minutes=number)
            reviews.append(
                {
                    "assignment_id": assignment_id,
                    "recommendation": "fund_if_possible" if submitted else None,
                    "confidence": 4 if submitted else None,
                    "comments_to_applicant": "A sound plan; say how the results are checked.",
                    "confidential_comments": "",
                    "submitted_at": written if submitted else None,
                    "weighted_total": Decimal(40 + number % 50) if submitted else None,
                    "revision_count": 1 if submitted else 0,
                    "created_at": written,
                    "updated_at": written,
                }
            )
        if reviews:
            connection.execute(sa.insert(Review.__table__), reviews)


def seed_reviews(args: argparse.Namespace, *, full: bool, ids: dict[str, int]) -> None:
    """Give the reviewer persona its assignments in the review call (--small-assignments, then
    the rest up to --assignments); at full size, three bulk reviewers on each reviewable
    proposal of the big call, so the dashboard's query runs beside many other rows."""
    (admin,) = _ids(sa.select(User.id).where(User.email == PERSONAS["admin"].email))
    (reviewer,) = _ids(sa.select(User.id).where(User.email == PERSONAS["reviewer"].email))
    call_id = ids["review_call"]
    if not full:
        applicants = _ids(
            sa.select(User.id).where(User.email.like("%@example.org")).order_by(User.id)
        )
        # Two proposals per assignment: about two in three of them await review.
        insert_proposals(call_id, "BIO", 0, 2 * args.assignments, applicants, [])
        with db.engine.begin() as connection:
            connection.execute(
                sa.insert(CallReviewer.__table__),
                {"call_id": call_id, "user_id": reviewer, "added_at": datetime.now(UTC)},
            )
    reviewable = _ids(
        sa.select(Proposal.id)
        .where(Proposal.call_id == call_id, Proposal.state.in_(REVIEWABLE))
        .order_by(Proposal.id)
    )
    wanted = (args.small_assignments, args.assignments) if full else (0, args.small_assignments)
    if len(reviewable) < wanted[1]:
        raise BenchFailure(f"the review call has {len(reviewable)} proposals to review")
    pairs = [(proposal_id, reviewer) for proposal_id in reviewable[slice(*wanted)]]
    insert_assignments(call_id, pairs, admin, start=wanted[0])
    if not full:
        return
    reviewers = _ids(
        sa.select(User.id)
        .join(UserRole, UserRole.user_id == User.id)
        .where(User.email.like("%@example.org"), UserRole.role == Role.REVIEWER)
        .order_by(User.id)
    )
    big = _ids(
        sa.select(Proposal.id)
        .where(Proposal.call_id == ids["big_call"], Proposal.state.in_(REVIEWABLE))
        .order_by(Proposal.id)
    )
    pairs = [
        (proposal_id, reviewers[(3 * number + seat) % len(reviewers)])
        for number, proposal_id in enumerate(big)
        for seat in range(3)
    ]
    for start in range(0, len(pairs), 5000):
        insert_assignments(ids["big_call"], pairs[start : start + 5000], admin, start=start)


def download(client: FlaskClient, url: str, counter: QueryCounter) -> tuple[int, int, int]:
    """Download `url` as a client reads a stream: chunk by chunk, keeping none of them.

    Return the bytes, the chunks and the SQL queries it took.
    """
    counter.count = 0
    response = client.get(url, buffered=False)
    if response.status_code != 200:
        raise BenchFailure(f"GET {url} answered {response.status}, not 200")
    size = chunks = 0
    try:
        for chunk in response.response:
            size += len(chunk)
            chunks += 1
    finally:
        response.close()
    return size, chunks, counter.count


def measure_export(
    client: FlaskClient, name: str, url: str, rows: int, counter: QueryCounter, repeats: int
) -> ExportMeasurement:
    """Time `repeats` downloads after one warm-up, then trace the peak memory of one more."""
    download(client, url, counter)
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        size, chunks, queries = download(client, url, counter)
        times.append((time.perf_counter() - started) * 1000)
    gc.collect()
    # tracemalloc sees every Python allocation the request makes (rows, strings, the CSV
    # buffer): its peak is what the download held at once, above what was there before.
    tracemalloc.start()
    download(client, url, counter)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return ExportMeasurement(name, url, rows, size, chunks, times, peak, queries)


def run(args: argparse.Namespace, tmp_dir: Path) -> int:
    """Seed, measure and report; return the process exit status."""
    database_url = args.database_url or f"sqlite:///{tmp_dir / 'seedbed_bench.sqlite3'}"
    recreate_database(database_url)
    app = build_app(database_url, tmp_dir)
    per_member = args.invoices // args.organizations

    with app.app_context():
        flask_migrate.upgrade()
        password_hash = hash_password("bench-password-not-secret")  # one hash, reused by all
        insert_personas(password_hash)
        insert_bulk_users(0, args.small_users, password_hash)
        tiers = insert_tiers()
        insert_members(0, args.small_organizations, per_member, tiers)
        ids = insert_calls()
        seed_calls(args, full=False, ids=ids)
        seed_reviews(args, full=False, ids=ids)
        analyze()
        engine = db.engine
    pages = [
        replace(page, url=page.url.format(**ids))
        for page in PAGES
        if page.endpoint is None or page.endpoint in app.view_functions
    ]
    missing = sorted({page.endpoint for page in PAGES} - set(app.view_functions) - {None})
    for endpoint in missing:
        _progress(f"Skipping the pages of {endpoint}: the app has no such endpoint.")
    growth_pages = [page for page in pages if page.constant_queries]
    # Requests run outside any app context, so each gets its own and its session is removed
    # at teardown, as in production.
    counter = QueryCounter(engine)
    clients = make_clients(app)
    small_sizes = sizes(args, full=False)
    _progress(f"Counting queries at {small_sizes}…")
    small = {
        page: measure(clients, page, counter, requests=5, warmup=min(args.warmup, 5))
        for page in growth_pages
    }

    started = time.perf_counter()
    with app.app_context():
        insert_bulk_users(args.small_users, args.users, password_hash)
        insert_members(args.small_organizations, args.organizations, per_member, tiers)
        seed_calls(args, full=True, ids=ids)
        seed_reviews(args, full=True, ids=ids)
        analyze()
    full_sizes = sizes(args, full=True)
    _progress(
        f"Grew the database to {full_sizes}, {per_member * args.organizations:,} invoices and "
        f"{args.export_small + args.export_rows:,} proposals to export in "
        f"{time.perf_counter() - started:.1f} s."
    )

    _progress(f"Measuring {FLOOR.url}…")
    floor = measure(clients, FLOOR, counter, requests=args.requests, warmup=args.warmup)
    measurements = []
    for page in pages:
        _progress(f"Measuring {page.url}…")
        measurements.append(
            measure(clients, page, counter, requests=args.requests, warmup=args.warmup)
        )
    exports = []
    if "proposals.admin_export" in app.view_functions:
        for name, key, rows, fmt in (
            ("CSV", "export_small_call", args.export_small, "csv"),
            ("CSV", "export_big_call", args.export_rows, "csv"),
            ("Excel", "export_small_call", args.export_small, "xlsx"),
            ("Excel", "export_big_call", args.export_rows, "xlsx"),
        ):
            url = f"/proposals/admin/call/{ids[key]}/export.{fmt}"
            _progress(f"Downloading {url}…")
            exports.append(
                measure_export(clients["admin"], name, url, rows, counter, args.export_repeats)
            )

    machine = machine_info(engine)
    by_page = {measurement.page: measurement for measurement in measurements}
    growth = [
        {
            "page": page.name,
            "url": page.url,
            "small_sizes": small_sizes,
            "small_queries": small[page].query_text,
            "full_sizes": full_sizes,
            "full_queries": by_page[page].query_text,
            "constant": small[page].query_range == by_page[page].query_range
            and by_page[page].query_range[0] == by_page[page].query_range[1],
        }
        for page in growth_pages
    ]
    flat = export_flatness(exports)
    print("\n".join(markdown_report(args, machine, floor, measurements, growth, exports, flat)))
    if args.json:
        write_json(args.json, args, machine, floor, measurements, growth, exports)
    with app.app_context():
        db.engine.dispose()

    failed = [check for check in growth if not check["constant"]]
    for check in failed:
        _progress(
            f"FAIL: {check['page']} runs {check['small_queries']} queries at "
            f"{check['small_sizes']} but {check['full_queries']} at {check['full_sizes']}."
        )
    for problem in flat:
        _progress(f"FAIL: {problem}")
    return 1 if failed or flat else 0


def sizes(args: argparse.Namespace, *, full: bool) -> str:
    """Describe the database at its small or full size."""
    users = (args.users if full else args.small_users) + len(PERSONAS)
    organizations = args.organizations if full else args.small_organizations
    proposals = args.proposals if full else args.small_proposals
    mine = args.mine if full else args.small_mine
    assignments = args.assignments if full else args.small_assignments
    return (
        f"{users:,} users, {organizations:,} organizations, {proposals:,} proposals in the "
        f"call, {mine:,} by the researcher and {assignments:,} assignments of the reviewer"
    )


def export_flatness(exports: list[ExportMeasurement]) -> list[str]:
    """Return the CSV exports whose memory grows with their rows (a flat stream's does not)."""
    csv_exports = sorted(
        (export for export in exports if export.name == "CSV"), key=lambda e: e.rows
    )
    if len(csv_exports) < 2:
        return []
    small, big = csv_exports[0], csv_exports[-1]
    # Ten times the rows may cost a little more (a larger id, a longer last batch), never
    # anything like ten times the memory.
    if big.peak_bytes > FLAT_MEMORY_FACTOR * small.peak_bytes:
        return [
            f"the CSV export of {big.rows:,} proposals peaked at {big.peak_bytes:,} bytes, "
            f"more than {FLAT_MEMORY_FACTOR}× the {small.peak_bytes:,} of {small.rows:,}."
        ]
    return []


def write_json(
    path: Path,
    args: argparse.Namespace,
    machine: dict,
    floor: Measurement,
    measurements: list[Measurement],
    growth: list[dict],
    exports: list[ExportMeasurement],
) -> None:
    """Write the settings, machine and results as JSON."""
    pages = [
        {
            "name": measurement.page.name,
            "url": measurement.page.url,
            "user": measurement.page.user,
            "median_ms": round(measurement.median_ms, 4),
            "p95_ms": round(measurement.p95_ms, 4),
            "queries": measurement.query_range[1],
            "queries_min": measurement.query_range[0],
            "x_floor": round(measurement.median_ms / floor.median_ms, 3),
        }
        for measurement in [floor, *measurements]
    ]
    document = {
        "settings": {
            "users": args.users,
            "personas": len(PERSONAS),
            "small_users": args.small_users,
            "organizations": args.organizations,
            "invoices": args.invoices // args.organizations * args.organizations,
            "small_organizations": args.small_organizations,
            "proposals": args.proposals,
            "small_proposals": args.small_proposals,
            "mine": args.mine,
            "small_mine": args.small_mine,
            "assignments": args.assignments,
            "small_assignments": args.small_assignments,
            "requests": args.requests,
            "warmup": args.warmup,
        },
        "machine": machine,
        "pages": pages,
        "query_growth": growth,
        "exports": [
            {
                "name": export.name,
                "url": export.url,
                "rows": export.rows,
                "bytes": export.size,
                "chunks": export.chunks,
                "median_ms": round(export.median_ms, 2),
                "peak_memory_bytes": export.peak_bytes,
                "queries": export.queries,
            }
            for export in exports
        ],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2) + "\n")
    _progress(f"Wrote {path}.")


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark from the command line."""
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="seedbed-bench-") as tmp:
        try:
            return run(args, Path(tmp))
        except BenchFailure as failure:
            _progress(f"FAIL: {failure}")
            return 1


if __name__ == "__main__":
    sys.exit(main())
