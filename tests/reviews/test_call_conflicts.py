"""Reviewers mark conflicts from a call's titles before assignment; a conflict locks them out."""

import pytest
import sqlalchemy as sa

from app import clock
from app.calls.models import CallState
from app.extensions import db
from app.reviews import services
from app.reviews.models import Assignment, AssignmentState, Conflict, ConflictSource
from tests.authz import Route
from tests.dbutil import snapshot
from tests.factories import UserFactory
from tests.reviews import routes as reviewer_routes
from tests.reviews.helpers import (
    add_co_investigator,
    assign,
    call_in_review,
    proposal_under_review,
    reviewer,
)


@pytest.fixture
def call():
    return call_in_review(is_blind=True)


@pytest.fixture
def pool_reviewer(call):
    user = reviewer()
    services.add_to_pool(call, user, actor=UserFactory(admin=True))
    db.session.commit()
    return user


@pytest.fixture
def proposals(call):
    first = proposal_under_review(
        call,
        applicant=UserFactory(researcher=True, name="Quentin Secret"),
        title="Soft robotic grippers for food handling",
        abstract="An abstract the reviewer must not read before declaring.",
        department="Mechanical Engineering",
    )
    add_co_investigator(first, name="Hidden Partner", email="hp@uni.example", affiliation="Lab")
    second = proposal_under_review(call, title="Bacterial cellulose membranes")
    return first, second


def conflicts_of(user):
    return db.session.scalars(sa.select(Conflict).where(Conflict.reviewer_id == user.id)).all()


def test_the_page_lists_titles_and_nothing_else(login, call, pool_reviewer, proposals):
    html = login(pool_reviewer).get(f"/reviews/calls/{call.id}/declare").get_data(as_text=True)

    assert "Soft robotic grippers for food handling" in html
    assert "Bacterial cellulose membranes" in html
    for hidden in ("Quentin", "Hidden Partner", "hp@uni.example", "must not read", "Mechanical"):
        assert hidden not in html


def test_the_dashboard_links_the_pools_calls(login, call, pool_reviewer, proposals):
    html = login(pool_reviewer).get("/reviews/").get_data(as_text=True)

    assert f"/reviews/calls/{call.id}/declare" in html


def test_marking_records_confirmed_declared_conflicts(
    login, call, pool_reviewer, proposals, audit_log
):
    first, second = proposals
    client = login(pool_reviewer)

    response = client.post(
        f"/reviews/calls/{call.id}/declare",
        data={"proposal_ids": [str(first.id)], "explanation": "I co-author with the team"},
    )

    assert response.status_code == 302
    [conflict] = conflicts_of(pool_reviewer)
    assert (conflict.proposal_id, conflict.source, conflict.explanation) == (
        first.id,
        ConflictSource.REVIEWER_DECLARED,
        "I co-author with the team",
    )
    assert len(audit_log("conflict.declared")) == 1
    page = client.get(f"/reviews/calls/{call.id}/declare").get_data(as_text=True)
    assert 'data-testid="declared"' in page
    assert f'value="{first.id}"' not in page  # no longer offered
    assert f'value="{second.id}"' in page


def test_marking_declines_an_open_assignment(login, call, pool_reviewer, proposals):
    first, _ = proposals
    assignment = assign(first, pool_reviewer)

    login(pool_reviewer).post(
        f"/reviews/calls/{call.id}/declare", data={"proposal_ids": [str(first.id)]}
    )

    db.session.refresh(assignment)
    assert assignment.state == AssignmentState.DECLINED
    assert services.confirmed_conflict(first.id, pool_reviewer.id) is not None


def test_nothing_marked_is_refused_beside_the_field(login, call, pool_reviewer, proposals):
    before = snapshot()

    response = login(pool_reviewer).post(
        f"/reviews/calls/{call.id}/declare", data={"explanation": "kept text"}
    )

    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Mark at least one proposal." in html
    assert 'value="kept text"' in html
    assert snapshot() == before


def test_a_submitted_review_refuses_the_whole_batch(login, call, pool_reviewer, proposals):
    first, second = proposals
    assignment = assign(second, pool_reviewer)
    assignment.state = AssignmentState.SUBMITTED
    db.session.commit()
    before = snapshot()

    response = login(pool_reviewer).post(
        f"/reviews/calls/{call.id}/declare",
        data={"proposal_ids": [str(first.id), str(second.id)]},
    )

    assert response.status_code == 400
    assert "already submitted" in response.get_data(as_text=True)
    assert snapshot() == before


def test_a_proposal_of_another_call_is_refused(login, call, pool_reviewer, proposals):
    elsewhere = proposal_under_review(call_in_review())
    before = snapshot()

    response = login(pool_reviewer).post(
        f"/reviews/calls/{call.id}/declare", data={"proposal_ids": [str(elsewhere.id)]}
    )

    assert response.status_code == 400
    assert snapshot() == before


@pytest.mark.parametrize("state", [CallState.OPEN, CallState.DECIDED])
def test_only_while_the_call_is_in_review(login, call, pool_reviewer, proposals, state):
    call.state = state
    call.decided_at = clock.now() if state == CallState.DECIDED else None
    db.session.commit()

    assert login(pool_reviewer).get(f"/reviews/calls/{call.id}/declare").status_code == 404


def test_a_reviewer_outside_the_pool_gets_404(login, call, proposals):
    outsider = reviewer()
    client = login(outsider)
    before = snapshot()

    assert client.get(f"/reviews/calls/{call.id}/declare").status_code == 404
    response = client.post(
        f"/reviews/calls/{call.id}/declare", data={"proposal_ids": [str(proposals[0].id)]}
    )
    assert response.status_code == 404
    assert snapshot() == before


# Every assignment route, for a reviewer whose assignment a conflict blocks

ASSIGNMENT_ROUTES = [route for route in reviewer_routes.ROUTES if "{rvr_assignment}" in route.path]


@pytest.mark.parametrize("route", ASSIGNMENT_ROUTES, ids=lambda r: f"{r.method} {r.endpoint}")
def test_a_conflicted_reviewer_gets_404_and_changes_nothing(login, route: Route):
    proposal = proposal_under_review(call_in_review(), filename="plan.pdf")
    user = reviewer()
    assignment = assign(proposal, user)
    services.declare_conflict(
        proposal, user, actor=proposal.applicant, source=ConflictSource.APPLICANT_DECLARED
    )
    db.session.commit()
    client = login(user)
    before = snapshot()

    response = client.open(
        route.path.format(rvr_assignment=assignment.id), method=route.method, data=route.data
    )

    assert response.status_code == 404
    assert snapshot() == before
    assert db.session.get(Assignment, assignment.id).state == AssignmentState.DECLINED
