"""The administrators' review pages: pool, conflicts, manual assignment and progress."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app import clock
from app.extensions import db
from app.reviews import services
from app.reviews.admin_queries import review_progress
from app.reviews.models import (
    Assignment,
    CallReviewer,
    Conflict,
    ConflictSource,
    ConflictStatus,
    Recommendation,
)
from tests.factories import UserFactory
from tests.reviews.helpers import call_in_review, proposal_under_review, reviewer

NOW = datetime(2026, 4, 1, 15, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def fixed_now(monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOW)


def pooled(call, admin, **profile):
    user = reviewer(**profile)
    services.add_to_pool(call, user, actor=admin)
    db.session.commit()
    return user


def review(assignment, user, first: int, second: int):
    """Save and submit a review scoring the two criteria (scale 1–5)."""
    call = assignment.proposal.call
    scores = {c.id: s for c, s in zip(call.criteria, (first, second), strict=True)}
    values = services.ReviewValues(scores=scores, recommendation=Recommendation.FUND, confidence=3)
    services.save_review(assignment, values, actor=user)
    services.submit_review(assignment, actor=user)
    db.session.commit()


def flashes(client) -> list[str]:
    with client.session_transaction() as session:
        return [message for _, message in session.get("_flashes", [])]


# Pool


def test_pool_lists_reviewers_with_profile_and_load(as_admin, admin):
    call = call_in_review()
    proposal = proposal_under_review(call)
    user = pooled(call, admin, expertise="Tribology", department="Mechanical Engineering")
    services.assign_reviewer(proposal, user, actor=admin)
    db.session.commit()

    page = as_admin.get(f"/reviews/calls/{call.id}/pool").get_data(as_text=True)

    assert "Tribology" in page
    assert "Mechanical Engineering" in page
    assert 'data-testid="load">1<' in page
    assert "/users/invite" in page


def test_adding_a_reviewer_to_the_pool_is_audited(as_admin, admin, audit_log):
    call = call_in_review()
    user = reviewer()

    response = as_admin.post(
        f"/reviews/calls/{call.id}/pool",
        data={"user_id": user.id, "max_load": "5", "min_load": "2"},
    )

    assert response.status_code == 302
    member = db.session.scalar(sa.select(CallReviewer).where(CallReviewer.user_id == user.id))
    assert (member.call_id, member.max_load, member.min_load) == (call.id, 5, 2)
    [event] = audit_log("call.reviewer_added")
    assert (event.actor_id, event.detail["user_id"]) == (admin.id, user.id)


def test_adding_with_loads_out_of_order_is_refused(as_admin):
    call = call_in_review()
    user = reviewer()

    response = as_admin.post(
        f"/reviews/calls/{call.id}/pool",
        data={"user_id": user.id, "max_load": "1", "min_load": "3"},
    )

    assert response.status_code == 400
    assert "The minimum load cannot exceed the maximum." in response.get_data(as_text=True)
    assert db.session.scalars(sa.select(CallReviewer)).all() == []


def test_a_non_reviewer_cannot_be_added(as_admin):
    call = call_in_review()
    researcher = UserFactory(researcher=True)

    response = as_admin.post(f"/reviews/calls/{call.id}/pool", data={"user_id": researcher.id})

    assert response.status_code == 400
    assert db.session.scalars(sa.select(CallReviewer)).all() == []


def test_removing_a_reviewer_from_the_pool_is_audited(as_admin, admin, audit_log):
    call = call_in_review()
    user = pooled(call, admin)
    member_id = db.session.scalar(sa.select(CallReviewer.id))

    response = as_admin.post(f"/reviews/pool/{member_id}/remove")

    assert response.status_code == 302
    assert db.session.scalars(sa.select(CallReviewer)).all() == []
    assert audit_log("call.reviewer_removed")[0].detail == {"user_id": user.id}


def test_removing_an_assigned_reviewer_is_refused(as_admin, admin, audit_log):
    call = call_in_review()
    user = pooled(call, admin)
    services.assign_reviewer(proposal_under_review(call), user, actor=admin)
    db.session.commit()
    member_id = db.session.scalar(sa.select(CallReviewer.id))

    as_admin.post(f"/reviews/pool/{member_id}/remove")

    assert db.session.get(CallReviewer, member_id) is not None
    assert audit_log("call.reviewer_removed") == []
    assert flashes(as_admin) == ["This reviewer has assignments in the call; remove those first."]


# Conflicts


def test_detect_then_dismiss_then_detect_finds_nothing_new(as_admin, admin, audit_log):
    call = call_in_review()
    proposal = proposal_under_review(call, department="Physics")
    physicist = pooled(call, admin, department="Physics")

    as_admin.post(f"/reviews/calls/{call.id}/conflicts/detect")
    assert flashes(as_admin) == ["1 new conflict found."]
    conflict = db.session.scalar(sa.select(Conflict))
    assert (conflict.proposal_id, conflict.reviewer_id) == (proposal.id, physicist.id)
    page = as_admin.get(f"/reviews/calls/{call.id}/conflicts").get_data(as_text=True)
    assert "Same department as the team" in page
    assert proposal.reference in page

    as_admin.post(f"/reviews/conflicts/{conflict.id}/dismiss", data={"reason": "Other group"})
    as_admin.post(f"/reviews/calls/{call.id}/conflicts/detect")

    db.session.refresh(conflict)
    assert conflict.status == ConflictStatus.DISMISSED
    assert conflict.dismissal_reason == "Other group"
    assert audit_log("conflict.dismissed")[0].detail["reason"] == "Other group"
    assert flashes(as_admin)[-1] == "No new conflicts found."
    assert len(db.session.scalars(sa.select(Conflict)).all()) == 1


def test_dismissal_without_a_reason_is_refused(as_admin, admin):
    call = call_in_review()
    proposal_under_review(call, department="Physics")
    pooled(call, admin, department="Physics")
    [conflict] = services.detect_conflicts(call, actor=admin)
    db.session.commit()

    as_admin.post(f"/reviews/conflicts/{conflict.id}/dismiss", data={"reason": "  "})

    db.session.refresh(conflict)
    assert conflict.status == ConflictStatus.CONFIRMED
    assert flashes(as_admin) == ["Say why the conflict does not apply."]


# Assignments


def test_assigning_a_pool_reviewer_is_audited(as_admin, admin, audit_log, outbox):
    call = call_in_review()
    proposal = proposal_under_review(call)
    user = pooled(call, admin)

    response = as_admin.post(
        f"/reviews/calls/{call.id}/assignments",
        data={"proposal_id": proposal.id, "reviewer_id": user.id},
    )

    assert response.status_code == 302
    assignment = db.session.scalar(sa.select(Assignment))
    assert (assignment.proposal_id, assignment.reviewer_id) == (proposal.id, user.id)
    assert assignment.due_at == call.review_deadline
    assert audit_log("review.assigned")[0].detail == {"reviewer_id": user.id}
    assert len(outbox("review_assigned")) == 1


def test_a_forged_assignment_onto_a_conflict_is_refused(as_admin, admin, audit_log):
    call = call_in_review()
    proposal = proposal_under_review(call)
    user = pooled(call, admin)
    services.declare_conflict(
        proposal,
        user,
        actor=user,
        source=ConflictSource.REVIEWER_DECLARED,
        explanation="Former student",
    )
    db.session.commit()
    page = as_admin.get(f"/reviews/calls/{call.id}/assignments").get_data(as_text=True)
    assert "unavailable: Declared by the reviewer: Former student" in page

    as_admin.post(
        f"/reviews/calls/{call.id}/assignments",
        data={"proposal_id": proposal.id, "reviewer_id": user.id},
    )

    assert db.session.scalars(sa.select(Assignment)).all() == []
    assert audit_log("review.assigned") == []
    assert flashes(as_admin) == [
        f"{user.name} has a conflict with this proposal: declared by the reviewer."
    ]


def test_assigning_someone_outside_the_pool_is_refused(as_admin):
    call = call_in_review()
    proposal = proposal_under_review(call)
    outsider = reviewer()

    as_admin.post(
        f"/reviews/calls/{call.id}/assignments",
        data={"proposal_id": proposal.id, "reviewer_id": outsider.id},
    )

    assert db.session.scalars(sa.select(Assignment)).all() == []
    assert flashes(as_admin) == ["Choose a reviewer from this call's pool."]


def test_assigning_a_proposal_of_another_call_is_not_found(as_admin, admin):
    call, other = call_in_review(), call_in_review()
    user = pooled(call, admin)

    response = as_admin.post(
        f"/reviews/calls/{call.id}/assignments",
        data={"proposal_id": proposal_under_review(other).id, "reviewer_id": user.id},
    )

    assert response.status_code == 404
    assert db.session.scalars(sa.select(Assignment)).all() == []


def _assignment_world(admin, proposals: int):
    call = call_in_review()
    users = [pooled(call, admin) for _ in range(3)]
    for number in range(proposals):
        proposal = proposal_under_review(call)
        services.assign_reviewer(proposal, users[number % 3], actor=admin)
        services.declare_conflict(
            proposal, users[(number + 1) % 3], actor=admin, source=ConflictSource.SAME_PERSON
        )
    db.session.commit()
    return call


@pytest.mark.parametrize("page", ["pool", "conflicts", "assignments", "progress"])
def test_pages_run_the_same_queries_for_1_or_30_proposals(as_admin, admin, count_queries, page):
    counts = []
    for proposals in (1, 30):
        call = _assignment_world(admin, proposals)
        with count_queries() as counter:
            response = as_admin.get(f"/reviews/calls/{call.id}/{page}")
        assert response.status_code == 200
        counts.append(counter.count)

    assert counts[0] == counts[1]


# Progress


def test_progress_shows_scores_disagreement_shortfall_and_overdue(as_admin, admin, app):
    call = call_in_review(reviews_per_proposal=2)
    split, agreed, short = (
        proposal_under_review(call),
        proposal_under_review(call),
        proposal_under_review(call),
    )
    high, middle, late = pooled(call, admin), pooled(call, admin), pooled(call, admin)
    review(services.assign_reviewer(split, high, actor=admin), high, 5, 5)  # 100
    review(services.assign_reviewer(split, middle, actor=admin), middle, 3, 3)  # 50
    review(services.assign_reviewer(agreed, high, actor=admin), high, 3, 3)
    review(services.assign_reviewer(agreed, middle, actor=admin), middle, 3, 4)  # 62.5
    review(services.assign_reviewer(short, high, actor=admin), high, 1, 1)  # 0
    services.assign_reviewer(short, late, actor=admin, due_at=NOW - timedelta(days=3))
    db.session.commit()

    progress = review_progress(call, now=NOW, threshold=Decimal("20"))
    rows = {row.proposal.id: row for row in progress.proposals}

    summary = rows[split.id].summary
    assert (summary.count, summary.mean, summary.spread, summary.disagreement) == (
        2,
        Decimal("75.00"),
        Decimal("25.00"),
        True,
    )
    assert (rows[agreed.id].summary.mean, rows[agreed.id].summary.disagreement) == (
        Decimal("56.25"),
        False,
    )
    assert [row.proposal.id for row in progress.short_proposals] == [short.id]
    assert [(o.reviewer.id, o.proposal.id, o.days) for o in progress.overdue] == [
        (late.id, short.id, 3)
    ]
    assert (progress.assignments, progress.submitted, progress.outstanding) == (6, 5, 1)
    assert progress.complete_proposals == 2

    page = as_admin.get(f"/reviews/calls/{call.id}/progress").get_data(as_text=True)
    assert "Reviewers disagree" in page
    assert "75.00" in page
    assert late.name in page
    assert "5 of 6 assigned" in page


def test_the_disagreement_spread_is_a_setting(as_admin, admin, app, monkeypatch):
    call = call_in_review(reviews_per_proposal=2)
    proposal = proposal_under_review(call)
    high, middle = pooled(call, admin), pooled(call, admin)
    review(services.assign_reviewer(proposal, high, actor=admin), high, 5, 5)
    review(services.assign_reviewer(proposal, middle, actor=admin), middle, 3, 3)
    monkeypatch.setitem(app.config, "REVIEW_DISAGREEMENT_SPREAD", 30.0)

    page = as_admin.get(f"/reviews/calls/{call.id}/progress").get_data(as_text=True)

    assert "Reviewers disagree" not in page
    assert "exceeds 30" in page


def test_the_call_page_links_to_the_review_pages(as_admin):
    call = call_in_review()

    page = as_admin.get(f"/calls/{call.id}/admin").get_data(as_text=True)

    for name in ("pool", "conflicts", "assignments", "progress"):
        assert f"/reviews/calls/{call.id}/{name}" in page
