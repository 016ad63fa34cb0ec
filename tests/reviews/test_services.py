"""Review services: conflicts (declared and detected), assignment, reviews and scoring."""

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DatabaseError

from app import clock
from app.calls.models import Criterion
from app.errors import ConflictError, DeadlineError, ValidationError, WorkflowError
from app.extensions import db
from app.reviews import services
from app.reviews.models import (
    Assignment,
    AssignmentState,
    Conflict,
    ConflictSource,
    ConflictStatus,
    Recommendation,
)
from app.reviews.scoring import summarize, weighted_total
from tests.factories import OrganizationFactory, UserFactory
from tests.reviews.helpers import call_in_review, proposal_under_review, reviewer

NOW = datetime(2026, 4, 1, 15, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def fixed_now(monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOW)


# Conflicts


def test_each_automatic_rule_finds_its_conflict(admin):
    call = call_in_review()
    sponsor = OrganizationFactory(name="GE Vernova")
    applicant = UserFactory(researcher=True, roles_given=("researcher", "reviewer"))
    proposal = proposal_under_review(call, applicant=applicant, department="Mechanical Engineering")
    proposal.sponsors = [sponsor]
    from app.proposals.models import CoInvestigator

    colleague = reviewer()
    proposal.co_investigators = [CoInvestigator(position=1, name="C", email=colleague.email)]
    db.session.commit()
    same_department = reviewer(department="mechanical  engineering")
    from_sponsor = reviewer(organization_id=sponsor.id)
    unrelated = reviewer(department="Chemistry")
    for user in (applicant, colleague, same_department, from_sponsor, unrelated):
        services.add_to_pool(call, user, actor=admin)

    services.detect_conflicts(call, actor=admin)

    found = {c.reviewer_id: c.source for c in db.session.scalars(sa.select(Conflict))}
    assert found == {
        applicant.id: ConflictSource.SAME_PERSON,
        colleague.id: ConflictSource.CO_INVESTIGATOR,
        same_department.id: ConflictSource.SAME_DEPARTMENT,
        from_sponsor.id: ConflictSource.SPONSOR_ORGANIZATION,
    }


def test_a_dismissed_suggestion_does_not_return(admin, audit_log):
    call = call_in_review()
    proposal = proposal_under_review(call, department="Physics")
    physicist = reviewer(department="Physics")
    services.add_to_pool(call, physicist, actor=admin)
    [conflict] = services.detect_conflicts(call, actor=admin)

    services.dismiss_conflict(conflict, actor=admin, reason="Different research groups")
    again = services.detect_conflicts(call, actor=admin)

    assert again == []
    assert conflict.status == ConflictStatus.DISMISSED
    assert audit_log("conflict.dismissed")[0].detail["reason"] == "Different research groups"
    services.assign_reviewer(proposal, physicist, actor=admin)  # no longer blocked


def test_dismissal_needs_a_reason(admin):
    call = call_in_review()
    proposal_under_review(call, department="Physics")
    services.add_to_pool(call, reviewer(department="Physics"), actor=admin)
    [conflict] = services.detect_conflicts(call, actor=admin)

    with pytest.raises(ValidationError):
        services.dismiss_conflict(conflict, actor=admin, reason=" ")
    assert conflict.status == ConflictStatus.CONFIRMED


def test_assignment_onto_a_conflict_is_refused_by_the_service(admin):
    call = call_in_review()
    proposal = proposal_under_review(call)
    user = reviewer()
    services.declare_conflict(
        proposal,
        user,
        actor=user,
        source=ConflictSource.REVIEWER_DECLARED,
        explanation="Former student",
    )

    with pytest.raises(ConflictError, match="declared by the reviewer"):
        services.assign_reviewer(proposal, user, actor=admin)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Assignment)) == 0


def test_assigning_many_checks_every_pair_before_writing_any(admin, count_queries):
    call = call_in_review()
    first, second = proposal_under_review(call), proposal_under_review(call)
    free, conflicted = reviewer(), reviewer()
    services.declare_conflict(
        second, conflicted, actor=conflicted, source=ConflictSource.REVIEWER_DECLARED
    )
    db.session.commit()

    with pytest.raises(ConflictError, match="conflict"):
        services.assign_reviewers([(first, free), (second, conflicted)], actor=admin)
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Assignment)) == 0

    pairs = [(first, free), (second, free), (first, conflicted)]
    with count_queries() as queries:
        services.assign_reviewers(pairs, actor=admin)
    assert {(a.proposal_id, a.reviewer_id) for a in db.session.scalars(sa.select(Assignment))} == {
        (first.id, free.id),
        (second.id, free.id),
        (first.id, conflicted.id),
    }
    lookups = [m.group(1) for q in queries.statements if (m := re.search(r"FROM (\w+)", q))]
    # One lookup of conflicts and one of assignments for the batch, not two per pair.
    assert (lookups.count("conflicts"), lookups.count("assignments")) == (1, 1)


def test_assignment_onto_a_conflict_is_refused_by_the_database(admin):
    call = call_in_review()
    proposal = proposal_under_review(call)
    user = reviewer()
    db.session.add(
        Conflict(
            proposal_id=proposal.id, reviewer_id=user.id, source=ConflictSource.REVIEWER_DECLARED
        )
    )
    db.session.commit()

    with pytest.raises(DatabaseError, match="conflict"):
        db.session.add(Assignment(call_id=call.id, proposal_id=proposal.id, reviewer_id=user.id))
        db.session.flush()
    db.session.rollback()


def test_declaring_a_conflict_on_an_assignment_declines_it(admin):
    call = call_in_review()
    proposal = proposal_under_review(call)
    user = reviewer()
    assignment = services.assign_reviewer(proposal, user, actor=admin)

    services.declare_conflict(proposal, user, actor=user, source=ConflictSource.REVIEWER_DECLARED)

    assert assignment.state == AssignmentState.DECLINED
    with pytest.raises(WorkflowError):
        services.save_review(assignment, services.ReviewValues(scores={}), actor=user)


# Assignment and reviews


def scores_for(call, *values):
    return {criterion.id: value for criterion, value in zip(call.criteria, values, strict=True)}


def test_a_review_is_drafted_then_submitted_with_its_weighted_total(admin, audit_log):
    call = call_in_review()
    proposal = proposal_under_review(call)
    user = reviewer()
    assignment = services.assign_reviewer(proposal, user, actor=admin)

    services.save_review(
        assignment, services.ReviewValues(scores=scores_for(call, 4, None)), actor=user
    )
    with pytest.raises(ValidationError, match="Score Industry relevance"):
        services.submit_review(assignment, actor=user)
    services.save_review(
        assignment,
        services.ReviewValues(
            scores=scores_for(call, 4, 5),
            recommendation=Recommendation.FUND,
            confidence=4,
            comments_to_applicant="Strong.",
            confidential_comments="Fund it.",
        ),
        actor=user,
    )
    review = services.submit_review(assignment, actor=user)

    assert review.weighted_total == Decimal("87.50")  # (3/4 + 4/4) / 2
    assert assignment.state == AssignmentState.SUBMITTED
    assert [r.number for r in review.revisions] == [1]
    assert "review.submitted" in [e.action for e in audit_log()]


def test_a_submitted_review_is_edited_until_the_deadline_with_history(admin, monkeypatch):
    call = call_in_review()
    user = reviewer()
    assignment = services.assign_reviewer(proposal_under_review(call), user, actor=admin)
    values = services.ReviewValues(
        scores=scores_for(call, 3, 3), recommendation=Recommendation.FUND_IF_POSSIBLE, confidence=3
    )
    services.save_review(assignment, values, actor=user)
    services.submit_review(assignment, actor=user)

    review = services.save_review(
        assignment,
        services.ReviewValues(**{**values.__dict__, "scores": scores_for(call, 5, 5)}),
        actor=user,
    )
    assert (review.weighted_total, review.revision_count) == (Decimal("100.00"), 2)

    monkeypatch.setattr(clock, "now", lambda: call.review_deadline + timedelta(seconds=1))
    with pytest.raises(DeadlineError):
        services.save_review(assignment, values, actor=user)


def test_a_reviewer_cannot_review_what_is_not_theirs(admin):
    call = call_in_review()
    assignment = services.assign_reviewer(proposal_under_review(call), reviewer(), actor=admin)

    with pytest.raises(WorkflowError):
        services.save_review(assignment, services.ReviewValues(scores={}), actor=reviewer())


def test_a_score_off_the_scale_is_refused(admin):
    call = call_in_review()
    user = reviewer()
    assignment = services.assign_reviewer(proposal_under_review(call), user, actor=admin)

    with pytest.raises(ValidationError, match="score from 1 to 5") as error:
        services.save_review(
            assignment, services.ReviewValues(scores=scores_for(call, 6, 1)), actor=user
        )

    assert error.value.field == f"score_{call.criteria[0].id}"


def test_rubric_freezes_once_a_review_is_submitted(admin):
    from app.calls import services as call_services
    from app.calls.queries import rubric_is_frozen

    call = call_in_review()
    user = reviewer()
    assignment = services.assign_reviewer(proposal_under_review(call), user, actor=admin)
    assert not rubric_is_frozen(call)
    services.save_review(
        assignment,
        services.ReviewValues(
            scores=scores_for(call, 2, 2), recommendation=Recommendation.DO_NOT_FUND, confidence=2
        ),
        actor=user,
    )
    services.submit_review(assignment, actor=user)

    assert rubric_is_frozen(call)
    with pytest.raises(ConflictError, match="frozen"):
        call_services.add_criterion(
            call,
            actor=admin,
            name="Late",
            guidance="",
            weight=Decimal("1"),
            scale_min=1,
            scale_max=5,
        )


# Scoring arithmetic


def criterion(id_, weight, low, high):
    return Criterion(id=id_, name=f"c{id_}", weight=Decimal(weight), scale_min=low, scale_max=high)


@pytest.mark.parametrize(
    ("criteria", "scores", "expected"),
    [
        ([criterion(1, "1", 1, 5)], {1: 1}, "0.00"),
        ([criterion(1, "1", 1, 5)], {1: 5}, "100.00"),
        ([criterion(1, "3", 1, 5), criterion(2, "1", 0, 10)], {1: 5, 2: 0}, "75.00"),
        ([criterion(1, "0.35", 1, 5), criterion(2, "0.65", 1, 7)], {1: 3, 2: 4}, "50.00"),
        ([criterion(1, "2", 0, 3), criterion(2, "1", 1, 10)], {1: 1, 2: 10}, "55.56"),
    ],
)
def test_weighted_total_for_uneven_weights_and_scales(criteria, scores, expected):
    assert weighted_total(scores, criteria) == Decimal(expected)


def test_summary_flags_disagreement_above_the_threshold():
    calm = summarize([Decimal("70"), Decimal("75"), Decimal("80")], Decimal("20"))
    split = summarize([Decimal("20"), Decimal("90")], Decimal("20"))

    assert (calm.count, calm.mean, calm.disagreement) == (3, Decimal("75.00"), False)
    assert (split.spread, split.disagreement) == (Decimal("35.00"), True)
    assert summarize([], Decimal("20")).count == 0
