"""Two awards drawing on one fiscal year at the same moment: the pool never goes negative
(PostgreSQL: the year's lock row is taken with SELECT ... FOR UPDATE)."""

import threading
from datetime import date
from decimal import Decimal

import pytest

from app.auth.models import User
from app.errors import ValidationError
from app.extensions import db
from app.members import queries as member_queries
from app.proposals.models import Proposal
from tests.awards.funding import FY, fixed_clock, fund, pool, pool_line  # noqa: F401 - a fixture
from tests.awards.helpers import awarded_proposal
from tests.dbutil import is_postgres
from tests.factories import UserFactory

pytestmark = [
    pytest.mark.no_isolation,
    pytest.mark.usefixtures("fixed_clock"),
    pytest.mark.skipif(
        not is_postgres(), reason="row locking is PostgreSQL's; set TEST_DATABASE_URL"
    ),
]

ROUNDS = 5  # one fiscal year each, so a lucky interleaving in one round cannot hide a race


def test_two_awards_at_once_on_one_year_cannot_overdraw_it(committed_app):
    with committed_app.app_context():
        admin = UserFactory(admin=True)
        for k in range(ROUNDS):
            pool("15000", starts_on=date(2026 + k, 8, 1))  # FY2027 + k
        rounds = [
            (FY + k, [awarded_proposal(requested_amount=Decimal("10000")).id for _ in range(2)])
            for k in range(ROUNDS)
        ]
        db.session.commit()
        admin_id = admin.id
    errors = []

    def draw(proposal_id, year, barrier, outcomes):
        try:
            with committed_app.app_context():
                actor = db.session.get(User, admin_id)
                proposal = db.session.get(Proposal, proposal_id)
                barrier.wait()
                try:
                    fund(proposal, actor, "10000", [pool_line("10000", year)])
                    db.session.commit()
                    outcomes.append("funded")
                except ValidationError as error:
                    db.session.rollback()
                    outcomes.append(error.message)
        except Exception as error:
            errors.append(error)

    results = {}
    for year, proposal_ids in rounds:
        barrier, outcomes = threading.Barrier(2), []
        threads = [
            threading.Thread(target=draw, args=(pid, year, barrier, outcomes))
            for pid in proposal_ids
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        results[year] = sorted(outcomes)

    assert errors == []
    for year, outcomes in results.items():
        assert outcomes == [
            f"FY{year} has $5,000 available; this award draws $10,000.",
            "funded",
        ]
    with committed_app.app_context():
        for year, _ in rounds:
            fund_row = member_queries.seed_fund(member_queries.fiscal_year_by_label(year, 7))
            assert (fund_row.awarded, fund_row.available) == (Decimal("10000"), Decimal("5000"))
