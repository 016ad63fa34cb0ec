"""Two administrators staging the same proposal at the same moment: one wins, the other is told
(PostgreSQL row locks)."""

import threading
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.auth.models import User
from app.decisions import services
from app.decisions.models import Decision, Outcome
from app.errors import ConflictError
from app.extensions import db
from app.proposals.models import Proposal
from tests.dbutil import is_postgres
from tests.factories import UserFactory
from tests.reviews.helpers import call_in_review, proposal_under_review

pytestmark = [
    pytest.mark.no_isolation,
    pytest.mark.postgres_only,
    pytest.mark.skipif(
        not is_postgres(), reason="row locking is PostgreSQL's; set TEST_DATABASE_URL"
    ),
]


def _race(app, proposal_id, actor_ids, stage):
    barrier = threading.Barrier(len(actor_ids))
    outcomes = []

    def run(actor_id, index):
        with app.app_context():
            proposal = db.session.get(Proposal, proposal_id)
            actor = db.session.get(User, actor_id)
            barrier.wait()
            try:
                stage(proposal, actor, index)
                db.session.commit()
                outcomes.append("staged")
            except ConflictError as error:
                db.session.rollback()
                outcomes.append(error.message)

    threads = [
        threading.Thread(target=run, args=(actor_id, index))
        for index, actor_id in enumerate(actor_ids)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


@pytest.fixture
def arranged(committed_app):
    with committed_app.app_context():
        first, second = UserFactory(admin=True), UserFactory(admin=True)
        proposal = proposal_under_review(call_in_review())
        db.session.commit()
        return proposal.id, [first.id, second.id]


def test_two_simultaneous_first_stagings_make_one_decision(committed_app, arranged):
    proposal_id, actor_ids = arranged

    def stage(proposal, actor, index):
        services.stage_decision(
            proposal,
            actor=actor,
            outcome=(Outcome.AWARD, Outcome.DECLINE)[index],
            amount=Decimal("1000") if index == 0 else None,
            expected_version=None,
        )

    outcomes = _race(committed_app, proposal_id, actor_ids, stage)

    assert outcomes.count("staged") == 1
    [refusal] = [outcome for outcome in outcomes if outcome != "staged"]
    assert "staged a decision on this proposal meanwhile" in refusal
    with committed_app.app_context():
        rows = db.session.scalars(sa.select(Decision)).all()
        assert [(row.proposal_id, row.version) for row in rows] == [(proposal_id, 1)]


def test_two_simultaneous_changes_of_one_version_keep_one(committed_app, arranged):
    proposal_id, actor_ids = arranged
    with committed_app.app_context():
        proposal = db.session.get(Proposal, proposal_id)
        services.stage_decision(
            proposal,
            actor=db.session.get(User, actor_ids[0]),
            outcome=Outcome.WAITLIST,
            expected_version=None,
        )
        db.session.commit()

    def stage(proposal, actor, index):
        services.stage_decision(
            proposal,
            actor=actor,
            outcome=Outcome.DECLINE,
            rationale=f"by {index}",
            expected_version=1,
        )

    outcomes = _race(committed_app, proposal_id, actor_ids, stage)

    assert sorted(outcome == "staged" for outcome in outcomes) == [False, True]
    with committed_app.app_context():
        [row] = db.session.scalars(sa.select(Decision)).all()
        assert (row.outcome, row.version) == (Outcome.DECLINE, 2)
