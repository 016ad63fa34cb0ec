"""Invoice numbers under concurrent requests: never the same number twice (PostgreSQL)."""

import threading
from datetime import date

import pytest
import sqlalchemy as sa

from app.auth.models import User
from app.extensions import db
from app.members import services
from app.members.models import Invoice, MembershipTerm
from tests.dbutil import is_postgres
from tests.factories import TermFactory, UserFactory

pytestmark = [
    pytest.mark.no_isolation,
    pytest.mark.skipif(
        not is_postgres(), reason="row locking is PostgreSQL's; set TEST_DATABASE_URL"
    ),
]


def test_two_requests_issuing_invoices_at_once_get_distinct_numbers(committed_app):
    with committed_app.app_context():
        admin = UserFactory(admin=True)
        term = TermFactory()
        db.session.commit()
        admin_id, term_id = admin.id, term.id
    barrier = threading.Barrier(2)
    errors = []

    def issue_many():
        try:
            with committed_app.app_context():
                actor = db.session.get(User, admin_id)
                term = db.session.get(MembershipTerm, term_id)
                barrier.wait()
                for _ in range(10):
                    services.issue_invoice(term, actor=actor, issued_on=date(2026, 3, 1))
                    db.session.commit()
        except Exception as error:
            errors.append(error)

    threads = [threading.Thread(target=issue_many) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    with committed_app.app_context():
        numbers = db.session.scalars(sa.select(Invoice.number).order_by(Invoice.number)).all()
    assert numbers == [f"2026-{n:04d}" for n in range(1, 21)]
