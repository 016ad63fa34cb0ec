"""Time the member import: a generated CSV checked and imported on a fresh, migrated database.

Generates `--rows` organizations (each with two or three contacts, three in four with a first
term), then measures on a fresh database, in process:

1. the service path: parse the file, check every row (two queries), import and commit;
2. the pages: upload and preview (`POST /admin/members/import`), then confirm
   (`POST /admin/members/import/confirm`), through the WSGI test client with CSRF on.

    .venv/bin/python bench/import_members.py                  # SQLite in a temporary file
    .venv/bin/python bench/import_members.py --rows 10000 \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/seedbed_bench_import

The database named by --database-url is dropped and created again (twice: once per path).
The figures go to stdout as Markdown, progress to stderr.
"""

import argparse
import csv
import io
import os
import platform
import re
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

if __package__ in (None, ""):  # run as `python bench/import_members.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import flask_migrate
import sqlalchemy as sa
from flask import Flask
from flask_login import FlaskLoginClient

from app import create_app
from app.auth.models import Role, User, UserRole, new_session_token
from app.database import utcnow
from app.extensions import db
from app.members import transfer
from app.members.models import Contact, MembershipTerm, Organization, Tier
from config import TestingConfig
from tests.dbutil import recreate_database

TIERS = [("Founding", Decimal("250000")), ("Sustaining", Decimal("100000")), ("Associate", 25000)]
SECTORS = ["Manufacturing", "Biotech", "Semiconductors", "Aerospace", "Energy", "Software"]
COUNTRIES = ["United States", "Germany", "France", "Japan", "Switzerland", "Canada"]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000, help="organizations (default 10000)")
    parser.add_argument(
        "--database-url", help="database to drop, create and fill (default: temporary SQLite)"
    )
    args = parser.parse_args(argv)
    if args.rows < 1:
        parser.error("--rows must be at least 1")
    return args


def generate_csv(rows: int) -> bytes:
    """Return an import file of `rows` organizations, UTF-8 with a BOM as Excel saves it."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow(transfer.COLUMNS)
    for n in range(rows):
        tier = TIERS[n % len(TIERS)][0]
        domain = f"company{n}.example.com"
        row = {
            "name": f"Bench Company {n:06d}",
            "sector": SECTORS[n % len(SECTORS)],
            "country": COUNTRIES[n % len(COUNTRIES)],
            "website": f"https://www.{domain}",
            "tier": tier.lower() if n % 2 else tier,
            "themes": "AI for manufacturing; Robotics",
            "contact1_name": f"Primary Person {n}",
            "contact1_email": f"primary{n}@{domain}",
            "contact1_role": "primary",
            "contact2_name": f"Billing Person {n}",
            "contact2_email": f"billing{n}@{domain}",
            "contact2_role": "billing",
        }
        if n % 3 == 0:
            row |= {
                "contact3_name": f"Technical Person {n}",
                "contact3_email": f"tech{n}@{domain}",
                "contact3_role": "technical",
            }
        if n % 4:
            year = 2024 + n % 3
            row |= {
                "term_start": f"{year}-07-01",
                "term_end": f"{year + 1}-06-30",
                "seed_commitment": "100000.00",
                "signed_on": f"{year}-06-15",
            }
        writer.writerow([row.get(column, "") for column in transfer.COLUMNS])
    return buffer.getvalue().encode()


def build_app(database_url: str, tmp_dir: Path) -> Flask:
    """Create the app on a fresh, migrated database with an administrator and the tiers."""
    recreate_database(database_url)
    app = create_app(
        TestingConfig,
        SQLALCHEMY_DATABASE_URI=database_url,
        RATELIMIT_ENABLED=False,
        WTF_CSRF_ENABLED=True,
        MAIL_OUTBOX_DIR=tmp_dir / "outbox",
        IMPORT_DIR=tmp_dir / "imports",
        IMPORT_MAX_BYTES=50 * 1024 * 1024,  # the bench may go past the default 5 MB
    )
    app.test_client_class = FlaskLoginClient
    with app.app_context():
        flask_migrate.upgrade()
        admin = User(
            email="admin@bench.example",
            name="Avery Admin",
            timezone="UTC",
            is_active=True,
            session_token=new_session_token(),
            email_verified_at=utcnow(),
        )
        admin.roles.append(UserRole(role=Role.ADMIN, granted_at=utcnow()))
        db.session.add(admin)
        db.session.add_all(Tier(name=name, annual_fee=fee) for name, fee in TIERS)
        db.session.commit()
    return app


def timed(label: str, timings: dict[str, float], action: Callable):
    """Run `action`, record its wall time under `label`, and return its result."""
    started = time.perf_counter()
    result = action()
    timings[label] = time.perf_counter() - started
    return result


def counts() -> tuple[int, int, int]:
    """Return how many organizations, contacts and terms the database holds."""
    return tuple(
        db.session.scalar(sa.select(sa.func.count()).select_from(model))
        for model in (Organization, Contact, MembershipTerm)
    )


def run_services(app: Flask, data: bytes) -> tuple[dict[str, float], tuple[int, int, int]]:
    """Parse, check and import through the module's functions; return timings and counts."""
    timings: dict[str, float] = {}
    with app.app_context():
        admin = db.session.scalar(sa.select(User))
        parsed = timed("parse the CSV", timings, lambda: transfer.parse_csv(data))
        check = timed("check every row", timings, lambda: transfer.check_import(parsed.rows))
        assert check.ok, check.invalid[:3]

        def import_and_commit():
            result = transfer.import_organizations(parsed.rows, actor=admin)
            db.session.commit()
            return result

        timed("import (re-check + write + commit)", timings, import_and_commit)
        timings["total: parse + check + import"] = sum(timings.values())
        return timings, counts()


def run_pages(app: Flask, data: bytes) -> tuple[dict[str, float], tuple[int, int, int]]:
    """Upload, preview and confirm through the pages; return timings and counts."""
    timings: dict[str, float] = {}
    with app.app_context():
        admin = db.session.scalar(sa.select(User))
    client = app.test_client(user=admin)
    page = client.get("/admin/members/import").get_data(as_text=True)
    csrf_token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)

    def preview():
        response = client.post(
            "/admin/members/import",
            data={"csrf_token": csrf_token, "file": (io.BytesIO(data), "members.csv")},
            content_type="multipart/form-data",
        )
        assert response.status_code == 200, response.status
        return response.get_data(as_text=True)

    html = timed("upload + check + preview page", timings, preview)
    token = re.search(r'name="token" type="hidden" value="([0-9a-f]{32})"', html).group(1)

    def confirm():
        response = client.post(
            "/admin/members/import/confirm", data={"csrf_token": csrf_token, "token": token}
        )
        assert response.status_code == 302, response.status
        return response

    timed("confirm (re-check + write + commit)", timings, confirm)
    timings["total: both requests"] = sum(timings.values())
    with app.app_context():
        return timings, counts()


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark from the command line."""
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="seedbed-bench-import-") as tmp:
        tmp_dir = Path(tmp)
        url = args.database_url or f"sqlite:///{tmp_dir / 'bench_import.sqlite3'}"
        started = time.perf_counter()
        data = generate_csv(args.rows)
        generated = time.perf_counter() - started
        _progress(f"Generated {args.rows:,} rows ({len(data) / 1e6:.1f} MB) in {generated:.2f} s.")

        _progress("Importing through the services…")
        app = build_app(url, tmp_dir)
        service_timings, service_counts = run_services(app, data)
        with app.app_context():
            backend = db.engine.dialect.name
            version = ".".join(
                str(part) for part in (db.engine.dialect.server_version_info or ())[:2]
            )
            server = f"{backend} {version}".strip()
            db.engine.dispose()

        _progress("Importing through the pages…")
        app = build_app(url, tmp_dir)
        page_timings, page_counts = run_pages(app, data)
        with app.app_context():
            db.engine.dispose()

    organizations, contacts, terms = service_counts
    assert service_counts == page_counts, (service_counts, page_counts)
    print(
        f"{args.rows:,} rows ({len(data) / 1e6:.1f} MB) → {organizations:,} organizations, "
        f"{contacts:,} contacts, {terms:,} terms, {organizations + 1:,} audit events."
    )
    print()
    print("| Step | Seconds |")
    print("|---|---:|")
    for label, seconds in [*service_timings.items(), *page_timings.items()]:
        print(f"| {label} | {seconds:.2f} |")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = " / ".join(f"{value:.2f}" for value in os.getloadavg())
    print()
    print(
        f"Peak memory of the process: {peak_mb:.0f} MB. Machine: {cpus} CPUs, Python "
        f"{platform.python_version()}, {server}, SQLAlchemy {sa.__version__}; load average "
        f"{load} at the end."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
