"""Releasing decisions and the waitlist afterwards: states, emails, what applicants read."""

from decimal import Decimal

import pytest

from app.calls.models import CallState
from app.decisions import decision_queries, services
from app.decisions.models import Outcome
from app.errors import ConflictError, ValidationError, WorkflowError
from app.extensions import db
from app.proposals.models import ProposalState
from tests.dbutil import snapshot
from tests.decisions.decision_helpers import admin_user, call_with_proposals, reviewed, stage
from tests.factories import UserFactory
from tests.reviews.helpers import add_co_investigator


@pytest.fixture
def released_call(outbox):
    """A call of three proposals, reviewed, staged award / decline / waitlist and released."""
    admin = admin_user()
    call, proposals = call_with_proposals(3)
    award, decline, waitlist = proposals
    reviewed(
        award,
        name="Rita Reviewer",
        to_applicant="Clear plan; strong team.",
        confidential="RITA-SECRET: the PI oversells.",
    )
    reviewed(
        award,
        name="Sam Scorer",
        to_applicant="Budget could be tighter.",
        confidential="SAM-SECRET",
    )
    reviewed(decline, name="Rita Again", to_applicant="", confidential="Weak.")
    stage(
        award,
        admin,
        amount="900",
        reduction_reason="Travel is not funded.",
        rationale="RATIONALE-INTERNAL top of the ranking",
        comments_to_applicant="Congratulations from the committee.",
    )
    stage(decline, admin, Outcome.DECLINE, comments_to_applicant="Please apply again.")
    stage(waitlist, admin, Outcome.WAITLIST, rationale="RATIONALE-WAIT")
    released = services.release_decisions(call, actor=admin)
    db.session.commit()
    return admin, call, proposals, released


def test_release_decides_every_proposal_and_the_call(released_call, audit_log):
    _, call, [award, decline, waitlist], released = released_call

    assert [p.state for p in (award, decline, waitlist)] == [
        ProposalState.AWARDED,
        ProposalState.DECLINED,
        ProposalState.WAITLISTED,
    ]
    assert all(p.decided_at is not None for p in (award, decline, waitlist))
    assert (call.state, call.decided_at is not None) == (CallState.DECIDED, True)
    assert released.counts == {"award": 1, "decline": 1, "waitlist": 1}
    [event] = audit_log("decisions.released")
    assert event.detail == {"award": 1, "decline": 1, "waitlist": 1, "notified": 3}
    assert len(audit_log("call.decided")) == 1


def test_release_sends_one_email_per_applicant_without_names_or_confidential_text(
    released_call, outbox
):
    _, _, [award, decline, waitlist], _ = released_call

    emails = outbox("decision_released")

    assert sorted(e.recipient_email for e in emails) == sorted(
        p.applicant.email for p in (award, decline, waitlist)
    )
    by_recipient = {e.recipient_email: e for e in emails}
    award_mail = by_recipient[award.applicant.email]
    assert award_mail.subject == f"Awarded: {award.reference}"
    assert "$900 of the $1,000 requested" in award_mail.body_text
    assert "Travel is not funded." in award_mail.body_text
    assert "Congratulations from the committee." in award_mail.body_text
    assert "Reviewer 1:\nClear plan; strong team." in award_mail.body_text
    assert "Reviewer 2:\nBudget could be tighter." in award_mail.body_text
    assert "Please apply again." in by_recipient[decline.applicant.email].body_text
    assert by_recipient[waitlist.applicant.email].subject == f"Waitlisted: {waitlist.reference}"
    for email in emails:
        text = email.subject + email.body_text
        for secret in ("Rita", "Sam", "SECRET", "Weak.", "RATIONALE"):
            assert secret not in text


def test_release_is_refused_while_a_proposal_has_no_decision():
    admin = admin_user()
    call, [staged, bare] = call_with_proposals()
    stage(staged, admin)
    before = snapshot()

    with pytest.raises(WorkflowError) as caught:
        services.release_decisions(call, actor=admin)
    db.session.rollback()

    assert caught.value.message == f"1 proposal has no decision yet: {bare.reference}."
    assert snapshot() == before


def test_a_released_decision_cannot_be_restaged(released_call):
    admin, _, [award, _, _], _ = released_call

    with pytest.raises(WorkflowError):
        services.stage_decision(award, actor=admin, outcome=Outcome.DECLINE, expected_version=2)


def test_a_waitlisted_proposal_is_awarded_later(released_call, outbox, audit_log):
    admin, call, [_, _, waitlist], _ = released_call
    decision = decision_queries.decision_of(waitlist)

    services.award_waitlisted(
        waitlist,
        actor=admin,
        amount=Decimal("1000"),
        comments_to_applicant="Money was freed.",
        expected_version=decision.version,
    )
    db.session.commit()

    assert waitlist.state == ProposalState.AWARDED
    assert (decision.outcome, decision.amount, decision.comments_to_applicant) == (
        Outcome.AWARD,
        Decimal("1000.00"),
        "Money was freed.",
    )
    [email] = outbox("decision_waitlist_awarded")
    assert email.recipient_email == waitlist.applicant.email
    assert "$1,000" in email.body_text and "Money was freed." in email.body_text
    assert "RATIONALE" not in email.body_text
    assert len(audit_log("decision.waitlist_awarded")) == 1
    assert call.state == CallState.DECIDED


def test_awarding_the_waitlist_from_a_stale_page_is_refused(released_call):
    admin, _, [_, _, waitlist], _ = released_call
    before = snapshot()

    with pytest.raises(ConflictError):
        services.award_waitlisted(waitlist, actor=admin, amount=Decimal("1000"), expected_version=1)
    db.session.rollback()

    assert snapshot() == before


def test_awarding_the_waitlist_above_the_request_is_refused(released_call):
    admin, _, [_, _, waitlist], _ = released_call
    decision = decision_queries.decision_of(waitlist)

    with pytest.raises(ValidationError) as caught:
        services.award_waitlisted(
            waitlist, actor=admin, amount=Decimal("2000"), expected_version=decision.version
        )

    assert caught.value.field == "amount"


def test_a_waitlisted_proposal_is_declined_when_the_waitlist_closes(released_call, outbox):
    admin, _, [award, _, waitlist], _ = released_call
    decision = decision_queries.decision_of(waitlist)

    services.decline_waitlisted(waitlist, actor=admin, expected_version=decision.version)
    db.session.commit()

    assert (waitlist.state, decision.outcome, decision.amount) == (
        ProposalState.DECLINED,
        Outcome.DECLINE,
        None,
    )
    assert [e.recipient_email for e in outbox("decision_waitlist_declined")] == [
        waitlist.applicant.email
    ]
    with pytest.raises(WorkflowError):
        services.decline_waitlisted(award, actor=admin, expected_version=3)


# What the applicant reads on the proposal page


def test_nothing_of_a_staged_decision_shows_on_the_proposal_page(login):
    admin = admin_user()
    _, [proposal, _] = call_with_proposals()
    reviewed(proposal, name="Rita Reviewer", to_applicant="REVIEWER-VISIBLE", confidential="x")
    stage(proposal, admin, comments_to_applicant="COMMITTEE-STAGED", rationale="RATIONALE")

    page = login(proposal.applicant).get(f"/proposals/{proposal.id}").get_data(as_text=True)

    assert 'data-testid="released-decision"' not in page
    for text in ("COMMITTEE-STAGED", "REVIEWER-VISIBLE", "RATIONALE", "Award"):
        assert text not in page


def test_the_applicant_and_co_investigators_read_the_released_decision(released_call, login):
    _, _, [award, _, _], _ = released_call
    colleague = UserFactory(researcher=True)
    add_co_investigator(award, name="Co Author", email=colleague.email, affiliation="MIT")

    for user in (award.applicant, colleague):
        page = login(user).get(f"/proposals/{award.id}").get_data(as_text=True)

        assert 'data-testid="released-decision"' in page
        assert "$900" in page and "Travel is not funded." in page
        assert "Congratulations from the committee." in page
        assert "Reviewer 1" in page and "Clear plan; strong team." in page
        for secret in ("Rita", "Sam Scorer", "SECRET", "RATIONALE"):
            assert secret not in page


def test_someone_else_still_cannot_open_the_proposal(released_call, login):
    _, _, [award, _, _], _ = released_call

    response = login(UserFactory(researcher=True)).get(f"/proposals/{award.id}")

    assert response.status_code == 404
