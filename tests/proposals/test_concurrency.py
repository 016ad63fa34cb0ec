"""Two submits of the same proposal at once leave one new version (PostgreSQL row locks)."""

import threading
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.auth.models import User
from app.errors import WorkflowError
from app.extensions import db
from app.proposals import services
from app.proposals.models import Proposal, ProposalVersion
from tests.dbutil import is_postgres
from tests.factories import MINIMAL_PDF, CallFactory, ProposalFactory

pytestmark = [
    pytest.mark.no_isolation,
    pytest.mark.skipif(
        not is_postgres(), reason="row locking is PostgreSQL's; set TEST_DATABASE_URL"
    ),
]


def test_two_simultaneous_submits_make_one_version(committed_app):
    with committed_app.app_context():
        proposal = ProposalFactory(
            call=CallFactory(max_award=Decimal("100000")), complete=True, budget=["1000"]
        )
        services.attach_pdf(proposal, actor=proposal.applicant, filename="p.pdf", data=MINIMAL_PDF)
        db.session.commit()
        proposal_id, applicant_id = proposal.id, proposal.applicant_id
    barrier = threading.Barrier(2)
    outcomes = []

    def submit():
        with committed_app.app_context():
            proposal = db.session.get(Proposal, proposal_id)
            applicant = db.session.get(User, applicant_id)
            barrier.wait()
            try:
                services.submit_proposal(proposal, actor=applicant)
                db.session.commit()
                outcomes.append("submitted")
            except WorkflowError:
                db.session.rollback()
                outcomes.append("refused")

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["refused", "submitted"]
    with committed_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ProposalVersion)) == 1
