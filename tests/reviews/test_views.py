"""The reviewers' pages: dashboard, review form, submission, declines, conflicts, blind calls."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app import clock
from app.calls.models import ReviewVisibility
from app.extensions import db
from app.reviews import services
from app.reviews.models import (
    AssignmentState,
    Conflict,
    ConflictSource,
    ConflictStatus,
    Recommendation,
    ReviewerProfile,
)
from tests.factories import UserFactory
from tests.reviews.helpers import (
    add_co_investigator,
    assign,
    call_in_review,
    proposal_under_review,
)


@pytest.fixture
def reviewer():
    return UserFactory(reviewer=True, name="Rita Reviewer")


@pytest.fixture
def call():
    return call_in_review()


@pytest.fixture
def assignment(call, reviewer):
    return assign(proposal_under_review(call, filename="plan.pdf"), reviewer)


def page(client, assignment) -> str:
    response = client.get(f"/reviews/assignments/{assignment.id}")
    assert response.status_code == 200
    return response.get_data(True)


def complete_form(call, **overrides) -> dict:
    first, second = call.criteria
    return {
        f"score_{first.id}": "4",
        f"score_{second.id}": "2",
        "recommendation": "fund",
        "confidence": "3",
        "comments_to_applicant": "A clear plan.",
        "confidential_comments": "Ambitious budget.",
    } | overrides


def submitted_review(proposal, *, scores=(5, 5), comments="", confidential=""):
    """Return another reviewer whose review of the proposal is submitted."""
    other = UserFactory(reviewer=True)
    theirs = assign(proposal, other)
    services.save_review(
        theirs,
        services.ReviewValues(
            scores=dict(zip((c.id for c in proposal.call.criteria), scores, strict=True)),
            recommendation=Recommendation.DO_NOT_FUND,
            confidence=4,
            comments_to_applicant=comments,
            confidential_comments=confidential,
        ),
        actor=other,
    )
    services.submit_review(theirs, actor=other)
    db.session.commit()
    return other


# The dashboard


def test_dashboard_lists_assignments_by_call_with_their_state(login, reviewer, call):
    later = call_in_review(title="Second round")
    fresh = assign(proposal_under_review(call, title="Fresh one"), reviewer)
    drafted = assign(proposal_under_review(call), reviewer)
    services.save_review(drafted, services.ReviewValues(scores={}), actor=reviewer)
    declined = assign(proposal_under_review(later), reviewer)
    services.decline_assignment(declined, actor=reviewer, reason="Away")
    db.session.commit()
    client = login(reviewer)

    html = client.get("/reviews/").get_data(True)

    states = re.findall(r'data-testid="assignment-row" data-status="([^"]+)"', html)
    assert sorted(states) == ["assigned", "declined", "draft saved"]
    assert html.index("Second round") != html.index(call.title)
    assert "Fresh one" in html
    assert fresh.proposal.reference in html
    assert "I have a conflict" in html
    assert f'href="/reviews/assignments/{declined.id}"' not in html


def test_dashboard_shows_no_applicant_before_opening(login, reviewer, call):
    applicant = UserFactory(researcher=True, name="Zelda Applicant")
    assign(proposal_under_review(call, applicant=applicant), reviewer)

    html = login(reviewer).get("/reviews/").get_data(True)

    assert "Zelda Applicant" not in html
    assert applicant.email not in html


def test_dashboard_query_count_does_not_grow_with_assignments(login, reviewer, count_queries):
    call = call_in_review()
    assign(proposal_under_review(call), reviewer)
    client = login(reviewer)
    client.get("/reviews/")
    with count_queries() as one:
        client.get("/reviews/")
    other_call = call_in_review()
    for number in range(49):
        assign(proposal_under_review(call if number % 2 else other_call), reviewer)
    with count_queries() as fifty:
        html = client.get("/reviews/").get_data(True)

    assert len(re.findall('data-testid="assignment-row"', html)) == 50
    assert fifty.count == one.count


def test_reviewer_nav_and_home_card_link_to_the_dashboard(login, reviewer):
    html = login(reviewer).get("/").get_data(True)

    assert 'href="/reviews/"' in html


# The review page and its form


def test_review_page_shows_the_rubric_with_guidance_and_the_proposal(login, assignment, call):
    call.criteria[0].guidance = "Is the science sound and new?"
    db.session.commit()

    html = page(login(assignment.reviewer), assignment)

    assert assignment.proposal.title in html
    assert "Is the science sound and new?" in html
    first = call.criteria[0]
    assert html.count(f'name="score_{first.id}"') == first.scale_max - first.scale_min + 1
    assert "Save draft" in html and "Submit" in html
    assert assignment.proposal.applicant.name in html  # an open call names the team


def test_save_draft_keeps_what_is_filled_in(login, assignment, call, audit_log):
    first = call.criteria[0]
    client = login(assignment.reviewer)

    response = client.post(
        f"/reviews/assignments/{assignment.id}",
        data={f"score_{first.id}": "4", "comments_to_applicant": "Promising."},
    )

    assert response.status_code == 302
    review = assignment.review
    assert [(s.criterion_id, s.score) for s in review.scores] == [(first.id, 4)]
    assert review.comments_to_applicant == "Promising."
    assert review.submitted_at is None
    assert assignment.state == AssignmentState.ASSIGNED
    assert len(audit_log("review.saved")) == 1
    html = page(client, assignment)
    assert re.search(rf'<input checked[^>]*name="score_{first.id}"[^>]*value="4"', html)


def test_submit_with_a_missing_score_shows_it_beside_the_field(login, assignment, call):
    first, second = call.criteria
    client = login(assignment.reviewer)

    response = client.post(
        f"/reviews/assignments/{assignment.id}/submit",
        data=complete_form(call) | {f"score_{second.id}": ""},
    )

    html = response.get_data(True)
    assert response.status_code == 200
    assert re.search(rf'data-testid="error-score_{second.id}">Score {second.name}\.', html), (
        "the missing score is named beside its field"
    )
    assert f'data-testid="error-score_{first.id}"' not in html
    db.session.refresh(assignment)
    assert assignment.state == AssignmentState.ASSIGNED
    assert assignment.review.submitted_at is None  # the draft is kept, not submitted


def test_submit_a_complete_review(login, assignment, call, audit_log):
    client = login(assignment.reviewer)

    response = client.post(f"/reviews/assignments/{assignment.id}/submit", data=complete_form(call))

    assert response.status_code == 302
    db.session.refresh(assignment)
    assert assignment.state == AssignmentState.SUBMITTED
    review = assignment.review
    assert review.recommendation == Recommendation.FUND
    assert review.confidential_comments == "Ambitious budget."
    assert review.weighted_total is not None
    assert len(audit_log("review.submitted")) == 1
    html = page(client, assignment)
    assert "revision 1" in html
    assert 'data-testid="editable-until"' in html


def test_edit_after_submission_keeps_a_new_revision(login, assignment, call):
    client = login(assignment.reviewer)
    client.post(f"/reviews/assignments/{assignment.id}/submit", data=complete_form(call))
    first = call.criteria[0]

    response = client.post(
        f"/reviews/assignments/{assignment.id}",
        data=complete_form(call, **{f"score_{first.id}": "1"}),
    )

    assert response.status_code == 302
    db.session.refresh(assignment)
    assert assignment.review.revision_count == 2
    assert {s.criterion_id: s.score for s in assignment.review.scores}[first.id] == 1
    assert "revision 2" in page(client, assignment)


def test_edit_after_submission_cannot_drop_a_score(login, assignment, call):
    client = login(assignment.reviewer)
    client.post(f"/reviews/assignments/{assignment.id}/submit", data=complete_form(call))
    first = call.criteria[0]

    response = client.post(
        f"/reviews/assignments/{assignment.id}",
        data=complete_form(call, **{f"score_{first.id}": ""}),
    )

    assert f'data-testid="error-score_{first.id}"' in response.get_data(True)
    db.session.refresh(assignment)
    assert assignment.review.revision_count == 1
    assert {s.criterion_id: s.score for s in assignment.review.scores}[first.id] == 4


def test_after_the_deadline_a_submitted_review_is_final(login, assignment, call, monkeypatch):
    client = login(assignment.reviewer)
    client.post(f"/reviews/assignments/{assignment.id}/submit", data=complete_form(call))
    later = call.review_deadline + timedelta(days=1)
    monkeypatch.setattr(clock, "now", lambda: later)

    html = page(client, assignment)
    client.post(f"/reviews/assignments/{assignment.id}", data=complete_form(call, confidence="1"))

    assert 'data-testid="final"' in html
    assert "Save changes" not in html
    db.session.refresh(assignment)
    assert assignment.review.confidence == 3


# Declining and conflicts


def test_decline_needs_a_reason(login, assignment):
    client = login(assignment.reviewer)

    client.post(f"/reviews/assignments/{assignment.id}/decline", data={"reason": " "})

    db.session.refresh(assignment)
    assert assignment.state == AssignmentState.ASSIGNED


def test_decline_with_a_reason(login, assignment):
    client = login(assignment.reviewer)

    response = client.post(
        f"/reviews/assignments/{assignment.id}/decline", data={"reason": "On leave"}
    )

    assert response.headers["Location"] == "/reviews/"
    db.session.refresh(assignment)
    assert assignment.state == AssignmentState.DECLINED
    assert assignment.decline_reason == "On leave"
    assert client.get(f"/reviews/assignments/{assignment.id}").status_code == 404


def test_declare_conflict_from_the_dashboard_declines(login, assignment, audit_log):
    client = login(assignment.reviewer)

    response = client.post(
        f"/reviews/assignments/{assignment.id}/conflict",
        data={"explanation": "My former student"},
    )

    assert response.headers["Location"] == "/reviews/"
    db.session.refresh(assignment)
    assert assignment.state == AssignmentState.DECLINED
    conflict = db.session.scalar(sa.select(Conflict))
    assert (conflict.reviewer_id, conflict.source, conflict.status, conflict.explanation) == (
        assignment.reviewer_id,
        ConflictSource.REVIEWER_DECLARED,
        ConflictStatus.CONFIRMED,
        "My former student",
    )
    assert len(audit_log("conflict.declared")) == 1
    assert client.get(f"/reviews/assignments/{assignment.id}").status_code == 404


def test_conflict_after_submission_is_refused(login, assignment, call):
    client = login(assignment.reviewer)
    client.post(f"/reviews/assignments/{assignment.id}/submit", data=complete_form(call))

    client.post(f"/reviews/assignments/{assignment.id}/conflict", data={})

    assert db.session.scalar(sa.select(sa.func.count(Conflict.id))) == 0
    db.session.refresh(assignment)
    assert assignment.state == AssignmentState.SUBMITTED


# Who may see an assignment


def test_another_reviewer_gets_404_on_the_page_and_the_pdf(login, assignment):
    client = login(UserFactory(reviewer=True))

    assert client.get(f"/reviews/assignments/{assignment.id}").status_code == 404
    assert client.get(f"/reviews/assignments/{assignment.id}/attachment").status_code == 404
    response = client.post(
        f"/reviews/assignments/{assignment.id}/decline", data={"reason": "Not mine"}
    )
    assert response.status_code == 404


def test_a_reviewer_with_a_conflict_gets_404(login, assignment):
    proposal = assignment.proposal
    services.declare_conflict(
        proposal,
        assignment.reviewer,
        actor=proposal.applicant,
        source=ConflictSource.APPLICANT_DECLARED,
    )
    db.session.commit()
    client = login(assignment.reviewer)

    assert client.get(f"/reviews/assignments/{assignment.id}").status_code == 404
    assert client.get(f"/reviews/assignments/{assignment.id}/attachment").status_code == 404


# Blind calls


def test_blind_call_hides_the_team_and_the_file_name(login, reviewer):
    call = call_in_review(is_blind=True)
    applicant = UserFactory(researcher=True, name="Zelda Applicant", email="zelda@uni.example")
    proposal = proposal_under_review(call, applicant=applicant, filename="Zelda-CV-plan.pdf")
    add_co_investigator(
        proposal, name="Oskar Colleague", email="oskar@lab.example", affiliation="Oskarlab"
    )
    assignment = assign(proposal, reviewer)
    client = login(reviewer)

    html = page(client, assignment)
    download = client.get(f"/reviews/assignments/{assignment.id}/attachment")

    for secret in ("Zelda", "zelda@uni.example", "Oskar", "oskar@lab.example", "Oskarlab"):
        assert secret not in html
    assert proposal.department and proposal.department not in html
    assert proposal.title in html
    assert download.status_code == 200
    disposition = download.headers["Content-Disposition"]
    assert f"{proposal.reference}.pdf" in disposition
    assert "Zelda" not in disposition


def test_open_call_download_is_named_by_reference(login, assignment):
    response = login(assignment.reviewer).get(f"/reviews/assignments/{assignment.id}/attachment")

    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert f"{assignment.proposal.reference}.pdf" in response.headers["Content-Disposition"]


# Other reviews


def visibility_case(login, reviewer, visibility):
    call = call_in_review(review_visibility=visibility)
    proposal = proposal_under_review(call)
    mine = assign(proposal, reviewer)
    other = submitted_review(
        proposal, comments="Public remark on method.", confidential="SECRET-NOTE for committee"
    )
    return login(reviewer), call, mine, other


def test_visibility_never_shows_no_other_review(login, reviewer):
    client, call, mine, _ = visibility_case(login, reviewer, ReviewVisibility.NEVER)
    client.post(f"/reviews/assignments/{mine.id}/submit", data=complete_form(call))

    html = page(client, mine)

    assert "Public remark on method." not in html
    assert 'data-testid="other-reviews"' not in html


def test_visibility_after_own_waits_for_the_reviewers_submission(login, reviewer):
    client, call, mine, other = visibility_case(login, reviewer, ReviewVisibility.AFTER_OWN)

    before = page(client, mine)
    client.post(f"/reviews/assignments/{mine.id}/submit", data=complete_form(call))
    after = page(client, mine)

    assert "Public remark on method." not in before
    assert 'data-testid="others-after-own"' in before
    assert "Public remark on method." in after
    assert "Reviewer A" in after
    assert "SECRET-NOTE" not in after
    assert other.name not in after


def test_visibility_always_shows_submitted_reviews_anonymously(login, reviewer):
    client, call, mine, other = visibility_case(login, reviewer, ReviewVisibility.ALWAYS)
    proposal = mine.proposal
    drafting = assign(proposal, UserFactory(reviewer=True))
    services.save_review(
        drafting,
        services.ReviewValues(scores={}, comments_to_applicant="Unfinished draft words"),
        actor=drafting.reviewer,
    )
    db.session.commit()

    html = page(client, mine)

    assert "Public remark on method." in html
    assert html.count('data-testid="other-review"') == 1
    assert "Reviewer A" in html
    assert "Do not fund" in html
    assert "Unfinished draft words" not in html
    assert "SECRET-NOTE" not in html
    assert other.name not in html
    assert other.email not in html


# Profile


def test_profile_edit_saves_through_the_service(login, reviewer, audit_log):
    client = login(reviewer)

    form = client.get("/reviews/profile").get_data(True)
    response = client.post(
        "/reviews/profile",
        data={
            "expertise": "tribology, sensors",
            "department": "Physics",
            "affiliation": "Uni North",
            "max_load": "3",
        },
    )

    assert "Expertise keywords" in form
    assert response.status_code == 302
    profile = db.session.scalar(
        sa.select(ReviewerProfile).where(ReviewerProfile.user_id == reviewer.id)
    )
    assert (profile.expertise, profile.department, profile.affiliation, profile.max_load) == (
        "tribology, sensors",
        "Physics",
        "Uni North",
        3,
    )
    assert len(audit_log("reviewer.profile_updated")) == 1


def test_profile_refuses_a_negative_load(login, reviewer):
    client = login(reviewer)

    response = client.post("/reviews/profile", data={"max_load": "-1"})

    assert response.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count(ReviewerProfile.id))) == 0


def test_non_reviewers_cannot_reach_the_dashboard(login):
    assert login(UserFactory(researcher=True)).get("/reviews/").status_code == 403


def test_unknown_assignment_is_not_found(login, reviewer):
    assert login(reviewer).get("/reviews/assignments/999999").status_code == 404
