"""Member-interest policy: which calls and proposals members see, when answers may change, and
the one rule for an organization's conflict with a proposal."""

import pytest

from app import clock
from app.calls.models import CallState, MemberVisibility
from app.extensions import db
from app.interest import policy
from app.proposals.models import DeclaredConflict, ProposalState
from app.reviews.models import Conflict, ConflictSource, ConflictStatus
from tests.factories import CallFactory, ProposalFactory
from tests.interest.helpers import member_organization, open_call
from tests.reviews.helpers import proposal_under_review, reviewer


@pytest.mark.parametrize(
    ("state", "visibility", "open_to_members", "changeable"),
    [
        (CallState.DRAFT, MemberVisibility.TITLES_ABSTRACTS, False, False),
        (CallState.OPEN, MemberVisibility.TITLES_ABSTRACTS, False, False),
        (CallState.CLOSED, MemberVisibility.TITLES_ABSTRACTS, True, True),
        (CallState.IN_REVIEW, MemberVisibility.TITLES_ABSTRACTS, True, True),
        (CallState.DECIDED, MemberVisibility.TITLES_ABSTRACTS, True, False),
        (CallState.ARCHIVED, MemberVisibility.TITLES_ABSTRACTS, False, False),
        (CallState.IN_REVIEW, MemberVisibility.NOTHING, False, True),
    ],
)
def test_calls_open_to_members_and_answers_changeable_by_call_state(
    state, visibility, open_to_members, changeable
):
    call = CallFactory.build(state=state, member_visibility=visibility)
    proposal = ProposalFactory.build(call=call, state=ProposalState.UNDER_REVIEW)

    assert policy.call_open_to_members(call) == open_to_members
    assert policy.interest_changeable(proposal) == changeable


@pytest.mark.parametrize(
    ("state", "seen", "changeable"),
    [
        (ProposalState.DRAFT, False, False),
        (ProposalState.SUBMITTED, False, False),
        (ProposalState.UNDER_REVIEW, True, True),
        (ProposalState.AWARDED, True, False),
        (ProposalState.DECLINED, True, False),
        (ProposalState.WAITLISTED, True, False),
        (ProposalState.WITHDRAWN, False, False),
    ],
)
def test_proposals_members_see_and_answer_by_state(state, seen, changeable):
    call = CallFactory.build(
        state=CallState.IN_REVIEW, member_visibility=MemberVisibility.TITLES_ABSTRACTS
    )
    proposal = ProposalFactory.build(call=call, state=state)

    assert policy.proposal_open_to_members(proposal) == seen
    assert policy.interest_changeable(proposal) == changeable


def _conflict(proposal, user, status):
    db.session.add(
        Conflict(
            proposal=proposal,
            reviewer=user,
            source=ConflictSource.SPONSOR_ORGANIZATION,
            status=status,
            dismissed_at=clock.now() if status == ConflictStatus.DISMISSED else None,
            dismissal_reason="Other division" if status == ConflictStatus.DISMISSED else None,
        )
    )
    db.session.commit()


def test_organization_conflict_comes_from_a_declaration_or_a_confirmed_reviewer_conflict():
    siemens, amgen = member_organization("Siemens"), member_organization("Amgen")
    call = open_call()
    declared, confirmed, dismissed, clean = (proposal_under_review(call) for _ in range(4))
    declared.declared_conflicts.append(
        DeclaredConflict(position=1, organization_id=siemens.id, reason="Consultancy")
    )
    engineer = reviewer(organization_id=siemens.id)
    _conflict(confirmed, engineer, ConflictStatus.CONFIRMED)
    _conflict(dismissed, engineer, ConflictStatus.DISMISSED)
    everyone = [declared, confirmed, dismissed, clean]

    assert [policy.organization_has_conflict(siemens, p) for p in everyone] == [
        True,
        True,
        False,
        False,
    ]
    assert [policy.organization_has_conflict(amgen, p) for p in everyone] == [False] * 4
    assert policy.conflicted_proposal_ids(siemens, [p.id for p in everyone]) == {
        declared.id,
        confirmed.id,
    }
    assert policy.conflicted_proposal_ids(siemens, []) == set()
