"""Staging, unstaging and accepting the suggested set: nothing the applicant sees changes."""

from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.calls.models import CallState
from app.decisions import services
from app.decisions.models import Decision, Outcome
from app.errors import ConflictError, ValidationError, WorkflowError
from app.extensions import db
from app.proposals.models import ProposalState
from tests.dbutil import snapshot
from tests.decisions.decision_helpers import admin_user, call_with_proposals, stage


def decisions():
    return db.session.scalars(sa.select(Decision).order_by(Decision.id)).all()


def test_staging_creates_a_decision_and_changes_no_proposal_state(audit_log, outbox):
    admin = admin_user()
    call, [proposal, _] = call_with_proposals()

    decision = stage(proposal, admin, rationale="Strong", comments_to_applicant="Well done")

    assert (proposal.state, proposal.decided_at) == (ProposalState.UNDER_REVIEW, None)
    assert call.state == CallState.IN_REVIEW
    assert (decision.outcome, decision.amount, decision.released_at) == (
        Outcome.AWARD,
        Decimal("1000.00"),
        None,
    )
    assert decision.staged_by_id == admin.id
    assert [e.detail["outcome"] for e in audit_log("decision.staged")] == ["award"]
    assert outbox() == []


def test_staging_again_with_the_seen_version_updates_the_decision():
    admin = admin_user()
    _, [proposal, _] = call_with_proposals()
    first = stage(proposal, admin)

    second = stage(proposal, admin, Outcome.DECLINE, expected_version=first.version)

    assert [(d.id, d.outcome, d.amount, d.version) for d in decisions()] == [
        (first.id, Outcome.DECLINE, None, 2)
    ]
    assert second is first


def test_a_stale_version_is_refused_naming_who_staged_what():
    admin, other = admin_user(), admin_user()
    other.name = "Olga Other"
    _, [proposal, _] = call_with_proposals()
    stage(proposal, other, Outcome.WAITLIST)
    before = snapshot()

    with pytest.raises(ConflictError, match="Olga Other staged a decision .*: waitlist"):
        services.stage_decision(
            proposal, actor=admin, outcome=Outcome.DECLINE, expected_version=None
        )
    db.session.rollback()

    assert snapshot() == before


def test_a_decision_removed_meanwhile_is_a_conflict():
    admin = admin_user()
    _, [proposal, _] = call_with_proposals()
    decision = stage(proposal, admin)
    services.unstage_decision(decision, actor=admin)
    db.session.commit()

    with pytest.raises(ConflictError, match="removed"):
        services.stage_decision(proposal, actor=admin, outcome=Outcome.DECLINE, expected_version=1)


@pytest.mark.parametrize(
    ("amount", "reason", "field", "message"),
    [
        ("1000.01", "", "amount", "cannot exceed"),
        ("999", "", "reduction_reason", "Say why"),
        ("0", "", "amount", "more than zero"),
        (None, "", "amount", "Give the amount"),
    ],
)
def test_a_bad_award_amount_is_refused_naming_the_field(amount, reason, field, message):
    admin = admin_user()
    _, [proposal, _] = call_with_proposals()
    before = snapshot()

    with pytest.raises(ValidationError, match=message) as caught:
        services.stage_decision(
            proposal,
            actor=admin,
            outcome=Outcome.AWARD,
            amount=None if amount is None else Decimal(amount),
            reduction_reason=reason,
            expected_version=None,
        )
    db.session.rollback()

    assert caught.value.field == field
    assert snapshot() == before


def test_a_reduced_award_with_a_reason_is_staged():
    admin = admin_user()
    _, [proposal, _] = call_with_proposals()

    decision = stage(proposal, admin, amount="800", reduction_reason="Equipment is shared")

    assert (decision.amount, decision.reduction_reason) == (
        Decimal("800.00"),
        "Equipment is shared",
    )


def test_a_decline_drops_amount_and_reduction_reason():
    admin = admin_user()
    _, [proposal, _] = call_with_proposals()

    decision = services.stage_decision(
        proposal,
        actor=admin,
        outcome=Outcome.DECLINE,
        amount=Decimal("5"),
        reduction_reason="ignored",
        expected_version=None,
    )

    assert (decision.amount, decision.reduction_reason) == (None, None)


def test_staging_is_refused_outside_review():
    admin = admin_user()
    call, [proposal, _] = call_with_proposals()
    call.state = CallState.CLOSED
    db.session.commit()

    with pytest.raises(WorkflowError, match="while the call is in review"):
        services.stage_decision(
            proposal, actor=admin, outcome=Outcome.DECLINE, expected_version=None
        )


def test_unstaging_removes_the_decision_and_is_audited(audit_log):
    admin = admin_user()
    _, [proposal, _] = call_with_proposals()
    decision = stage(proposal, admin)

    services.unstage_decision(decision, actor=admin)
    db.session.commit()

    assert decisions() == []
    assert [e.detail for e in audit_log("decision.unstaged")] == [{"was": "award of $1,000"}]


def test_accepting_the_suggested_set_stages_awards_and_keeps_existing_decisions(audit_log):
    admin = admin_user()
    call, [first, second, third] = call_with_proposals(3)
    stage(second, admin, Outcome.DECLINE)

    accepted = services.stage_suggested_awards(call, [first.id, second.id], actor=admin)
    db.session.commit()

    assert (accepted.staged, accepted.kept) == ([first], [second])
    by_proposal = {d.proposal_id: (d.outcome, d.amount) for d in decisions()}
    assert by_proposal == {
        first.id: (Outcome.AWARD, Decimal("1000.00")),
        second.id: (Outcome.DECLINE, None),
    }
    assert third.id not in by_proposal
    [event] = audit_log("decisions.suggestion_accepted")
    assert event.detail["staged"] == [first.reference]


def test_accepting_a_set_over_the_budget_is_refused_with_the_figures():
    admin = admin_user()
    call, proposals = call_with_proposals(3, total_budget="2500", max_award="1000")
    stage(proposals[0], admin)
    before = snapshot()

    with pytest.raises(ValidationError) as caught:
        services.stage_suggested_awards(call, [p.id for p in proposals[1:]], actor=admin)
    db.session.rollback()

    assert caught.value.message == (
        "These awards would bring the call's total to $3,000 ($2,000 for the 2 new awards, "
        "$1,000 already decided), over its budget of $2,500 by $500."
    )
    assert snapshot() == before


def test_accepting_a_proposal_of_another_call_is_refused():
    admin = admin_user()
    call, [mine, _] = call_with_proposals()
    _, [foreign, _] = call_with_proposals()

    with pytest.raises(ValidationError, match="under review in this call"):
        services.stage_suggested_awards(call, [mine.id, foreign.id], actor=admin)
