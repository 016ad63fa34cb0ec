"""record_interest: the one answer per organization and proposal, versioned, refused when
decided or conflicted."""

import pytest

from app import clock
from app.calls.models import CallState
from app.errors import ConflictError, PermissionDenied, WorkflowError
from app.extensions import db
from app.interest import services
from app.interest.models import InterestLevel
from app.proposals.models import DeclaredConflict
from tests.interest.helpers import member_organization, member_user, open_call
from tests.reviews.helpers import proposal_under_review


@pytest.fixture
def siemens():
    return member_organization("Siemens")


@pytest.fixture
def proposal():
    return proposal_under_review(open_call())


def record(proposal, organization, user, level, version=None, comment=""):
    return services.record_interest(
        proposal,
        organization,
        actor=user,
        level=InterestLevel(level),
        comment=comment,
        expected_version=version,
    )


def test_first_answer_inserts_and_later_ones_update_the_same_row(siemens, proposal, audit_log):
    mia, carl = member_user(siemens, name="Mia"), member_user(siemens, name="Carl")

    first = record(proposal, siemens, mia, "interested", comment="Maybe")
    db.session.commit()
    second = record(proposal, siemens, carl, "would_cofund", version=1)
    db.session.commit()

    assert second is first
    assert (first.level, first.comment, first.recorded_by_id, first.version) == (
        InterestLevel.WOULD_COFUND,
        "",
        carl.id,
        2,
    )
    assert [event.subject_id for event in audit_log("interest.recorded")] == [str(first.id)] * 2


def test_stale_version_is_refused_naming_who_changed_it(siemens, proposal):
    mia, carl = member_user(siemens, name="Mia"), member_user(siemens, name="Carl")
    record(proposal, siemens, mia, "interested")
    record(proposal, siemens, carl, "not_relevant", version=1)
    db.session.commit()

    with pytest.raises(ConflictError, match="changed by Carl since you loaded the page") as error:
        record(proposal, siemens, mia, "would_mentor", version=1)

    assert error.value.field == "level"


def test_decided_call_refuses_answers(siemens, proposal):
    proposal.call.state, proposal.call.decided_at = CallState.DECIDED, clock.now()
    db.session.commit()

    with pytest.raises(WorkflowError, match="The call is decided"):
        record(proposal, siemens, member_user(siemens), "interested")


def test_conflicted_organization_is_refused(siemens, proposal):
    proposal.declared_conflicts.append(
        DeclaredConflict(position=1, organization_id=siemens.id, reason="Consultancy")
    )
    db.session.commit()

    with pytest.raises(PermissionDenied, match="conflict"):
        record(proposal, siemens, member_user(siemens), "would_cofund")
