"""Two representatives of one organization answering at the same moment: one wins, the other is
told (PostgreSQL: the unique constraint and the row lock decide, no 500)."""

import threading

import pytest
import sqlalchemy as sa

from app.auth.models import User
from app.errors import ConflictError
from app.extensions import db
from app.interest import services
from app.interest.models import InterestLevel, MemberInterest
from app.members.models import Organization
from app.proposals.models import Proposal
from tests.dbutil import is_postgres
from tests.interest.helpers import member_organization, member_user, open_call
from tests.reviews.helpers import proposal_under_review

pytestmark = [
    pytest.mark.no_isolation,
    pytest.mark.skipif(
        not is_postgres(), reason="row locking is PostgreSQL's; set TEST_DATABASE_URL"
    ),
]


def _race(committed_app, proposal_id, organization_id, users, levels, versions):
    barrier = threading.Barrier(len(users))
    outcomes = []

    def answer(user_id, level, version):
        with committed_app.app_context():
            proposal = db.session.get(Proposal, proposal_id)
            organization = db.session.get(Organization, organization_id)
            user = db.session.get(User, user_id)
            barrier.wait()
            try:
                services.record_interest(
                    proposal,
                    organization,
                    actor=user,
                    level=level,
                    expected_version=version,
                )
                db.session.commit()
                outcomes.append("recorded")
            except ConflictError as error:
                db.session.rollback()
                outcomes.append(error.message)

    threads = [
        threading.Thread(target=answer, args=args)
        for args in zip(users, levels, versions, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def _arrange(committed_app, answered: bool):
    with committed_app.app_context():
        organization = member_organization("Siemens")
        first = member_user(organization, name="Mia Member")
        second = member_user(organization, name="Carl Colleague")
        proposal = proposal_under_review(open_call())
        if answered:
            db.session.add(
                MemberInterest(
                    proposal=proposal,
                    organization=organization,
                    level=InterestLevel.INTERESTED,
                    recorded_by_id=first.id,
                )
            )
        db.session.commit()
        return proposal.id, organization.id, [first.id, second.id]


def _rows(committed_app):
    with committed_app.app_context():
        return db.session.execute(sa.select(MemberInterest.level, MemberInterest.version)).all()


def test_two_first_answers_at_once_make_one_row_and_one_refusal(committed_app):
    proposal_id, organization_id, users = _arrange(committed_app, answered=False)

    outcomes = _race(
        committed_app,
        proposal_id,
        organization_id,
        users,
        [InterestLevel.WOULD_MENTOR, InterestLevel.WOULD_COFUND],
        [None, None],
    )

    assert "recorded" in outcomes and len(outcomes) == 2
    [refusal] = [outcome for outcome in outcomes if outcome != "recorded"]
    assert "since you loaded the page" in refusal
    assert len(_rows(committed_app)) == 1


def test_two_changes_of_one_answer_at_once_make_one_change(committed_app):
    proposal_id, organization_id, users = _arrange(committed_app, answered=True)

    outcomes = _race(
        committed_app,
        proposal_id,
        organization_id,
        users,
        [InterestLevel.WOULD_MENTOR, InterestLevel.WOULD_COFUND],
        [1, 1],
    )

    assert sorted(outcome == "recorded" for outcome in outcomes) == [False, True]
    [(level, version)] = _rows(committed_app)
    assert version == 2
