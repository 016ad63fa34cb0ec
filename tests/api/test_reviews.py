"""The reviews resource: assignments, saving and submitting reviews, declines, assigning."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app import clock
from app.calls.models import CallState
from app.extensions import db
from app.reviews import services
from app.reviews.models import (
    Assignment,
    AssignmentPlan,
    AssignmentState,
    ConflictSource,
    PlanState,
    Recommendation,
    Review,
)
from tests.api.helpers import unchanged_state
from tests.factories import OrganizationFactory, UserFactory, representative
from tests.reviews.helpers import (
    add_co_investigator,
    assign,
    call_in_review,
    pool_reviewer,
    proposal_under_review,
)

TOPICS = [
    ("Battery electrode degradation", "lithium batteries, electrochemistry"),
    ("Robotic welding inspection", "robotics, computer vision"),
    ("Casting defect prediction", "metallurgy, aluminium casting"),
]


@pytest.fixture
def call():
    """A call in review with the factory's two-criterion rubric (scales 1 to 5)."""
    return call_in_review()


@pytest.fixture
def proposal(call):
    """A proposal of the call under review."""
    return proposal_under_review(call)


@pytest.fixture
def assignment(proposal, reviewer, admin):
    """The proposal, given to the reviewer by the administrator."""
    return assign(proposal, reviewer, admin=admin)


def _save(client, assignment_id, body: dict):
    """Save a review as a client does: read its version first, send it back with the body."""
    read = client.get(f"/reviews/assignments/{assignment_id}")
    review = read.get_json().get("review") if read.status_code == 200 else None
    version = review["version"] if review else None
    return client.put(
        f"/reviews/assignments/{assignment_id}/review", json={"version": version} | body
    )


def _complete_review(call, **changes) -> dict:
    first, second = call.criteria
    return {
        "scores": [
            {"criterion_id": first.id, "score": 4},
            {"criterion_id": second.id, "score": 2},
        ],
        "recommendation": "fund",
        "confidence": 3,
        "comments_to_applicant": "A clear plan.",
        "confidential_comments": "Ambitious budget.",
    } | changes


def _others():
    """Return a user of each role that is neither the assigned reviewer nor an admin."""
    return {
        "other reviewer": UserFactory(reviewer=True),
        "researcher": UserFactory(researcher=True),
        "member": representative(OrganizationFactory()),
    }


# Listing


def test_reviewers_list_their_own_assignments_only(api, reviewer, assignment, call):
    theirs = assign(proposal_under_review(call), UserFactory(reviewer=True))

    page = api(reviewer).get("/reviews/assignments").get_json()

    assert [item["id"] for item in page["items"]] == [assignment.id]
    item = page["items"][0]
    assert item["state"] == "assigned"
    assert item["proposal"]["reference"] == assignment.proposal.reference
    assert item["reviewer"]["id"] == reviewer.id
    assert item["review"] is None
    assert item["deadline"] == call.review_deadline.isoformat()
    assert theirs.id not in {item["id"] for item in page["items"]}


def test_admins_list_every_assignment_with_filters_and_sort(api, admin, call):
    first, second = UserFactory(reviewer=True), UserFactory(reviewer=True)
    proposals = [proposal_under_review(call) for _ in range(2)]
    a1 = assign(proposals[0], first, admin=admin)
    a2 = assign(proposals[1], first, admin=admin)
    a3 = assign(proposals[0], second, admin=admin)
    elsewhere = assign(proposal_under_review(call_in_review()), second, admin=admin)
    client = api(admin)

    everything = client.get("/reviews/assignments?per_page=100").get_json()
    assert {a1.id, a2.id, a3.id, elsewhere.id} <= {item["id"] for item in everything["items"]}
    by_call = client.get(f"/reviews/assignments?call_id={call.id}&sort=reference").get_json()
    assert [item["id"] for item in by_call["items"]] == [a1.id, a3.id, a2.id]
    by_reviewer = client.get(f"/reviews/assignments?reviewer_id={first.id}").get_json()
    assert {item["id"] for item in by_reviewer["items"]} == {a1.id, a2.id}
    by_proposal = client.get(f"/reviews/assignments?proposal_id={proposals[0].id}").get_json()
    assert {item["id"] for item in by_proposal["items"]} == {a1.id, a3.id}
    services.decline_assignment(a2, actor=first, reason="Too busy")
    db.session.commit()
    declined = client.get(f"/reviews/assignments?call_id={call.id}&state=declined").get_json()
    assert [item["id"] for item in declined["items"]] == [a2.id]
    assert declined["items"][0]["decline_reason"] == "Too busy"


def test_reviewers_filter_their_assignments_by_call_and_state(api, reviewer, assignment, admin):
    other_call = call_in_review()
    elsewhere = assign(proposal_under_review(other_call), reviewer, admin=admin)
    client = api(reviewer)

    in_call = client.get(f"/reviews/assignments?call_id={other_call.id}").get_json()
    assert [item["id"] for item in in_call["items"]] == [elsewhere.id]
    open_ones = client.get("/reviews/assignments?state=assigned&sort=-created_at").get_json()
    assert {item["id"] for item in open_ones["items"]} == {assignment.id, elsewhere.id}
    assert client.get("/reviews/assignments?state=submitted").get_json()["total"] == 0


@pytest.mark.parametrize("role", ["researcher", "member"])
def test_the_list_is_refused_to_those_who_do_not_review(api, role, assignment):
    client = api(UserFactory(roles_given=(role,)))
    before = unchanged_state()
    response = client.get("/reviews/assignments")
    assert response.status_code == 403
    assert response.get_json()["code"] == "forbidden"
    assert unchanged_state() == before


def test_the_list_needs_a_token(api, assignment):
    assert api().get("/reviews/assignments").status_code == 401


def test_a_bad_filter_is_refused_with_its_field(api, admin):
    response = api(admin).get("/reviews/assignments?state=finished&sort=nonsense")
    assert response.status_code == 422
    assert {"state", "sort"} <= set(response.get_json()["errors"])


def test_a_page_of_assignments_takes_the_same_queries_for_3_or_30(api, admin, count_queries):
    call = call_in_review()
    proposals = [proposal_under_review(call) for _ in range(10)]
    reviewers = [UserFactory(reviewer=True) for _ in range(3)]
    for proposal in proposals:
        for reviewer in reviewers:
            services.assign_reviewer(proposal, reviewer, actor=admin, notify=False)
        db.session.commit()
    # Some with drafts, to load every part of an item.
    for assignment in db.session.scalars(sa.select(Assignment).limit(10)):
        services.save_review(
            assignment,
            services.ReviewValues(
                scores={c.id: 3 for c in call.criteria},
                recommendation=Recommendation.FUND,
                confidence=3,
            ),
            actor=assignment.reviewer,
        )
    db.session.commit()
    client = api(admin)
    client.get("/reviews/assignments")  # the token's first use stamps its last-used time

    with count_queries() as few:
        small = client.get(f"/reviews/assignments?call_id={call.id}&per_page=3")
    with count_queries() as many:
        large = client.get(f"/reviews/assignments?call_id={call.id}&per_page=30")

    assert small.status_code == large.status_code == 200
    assert len(small.get_json()["items"]) == 3
    assert len(large.get_json()["items"]) == 30
    assert few.count == many.count


# One assignment


def test_the_reviewer_reads_the_proposal_rubric_and_team(api, reviewer, call, admin):
    proposal = proposal_under_review(call)
    add_co_investigator(proposal, name="Cora Colleague", email="cora@uni.test", affiliation="X")
    assignment = assign(proposal, reviewer, admin=admin)

    response = api(reviewer).get(f"/reviews/assignments/{assignment.id}")

    assert response.status_code == 200
    body = response.get_json()
    assert body["proposal"]["id"] == proposal.id
    assert body["proposal"]["title"] == proposal.title
    assert body["proposal"]["team_withheld"] is False
    assert body["proposal"]["applicant"]["email"] == proposal.applicant.email
    assert body["proposal"]["co_investigators"][0]["name"] == "Cora Colleague"
    assert [c["name"] for c in body["criteria"]] == [c.name for c in call.criteria]
    assert body["call"] == {
        "id": call.id,
        "title": call.title,
        "state": "in_review",
        "is_blind": False,
        "review_deadline": call.review_deadline.isoformat(),
    }
    assert body["review"] is None
    assert body["editable"] is True


def test_a_blind_call_never_names_the_team(api, reviewer, admin):
    call = call_in_review(is_blind=True)
    applicant = UserFactory(researcher=True, name="Ann Applicant")
    proposal = proposal_under_review(call, applicant=applicant)
    add_co_investigator(proposal, name="Cora Colleague", email="cora@uni.test", affiliation="X")
    assignment = assign(proposal, reviewer, admin=admin)

    response = api(reviewer).get(f"/reviews/assignments/{assignment.id}")

    body = response.get_json()
    text = response.get_data(as_text=True)
    assert body["proposal"]["team_withheld"] is True
    assert body["proposal"]["applicant"] is None
    assert body["proposal"]["department"] is None
    assert body["proposal"]["co_investigators"] is None
    assert body["proposal"]["co_investigator_count"] == 1
    for identity in ("Ann Applicant", applicant.email, "Cora Colleague", "cora@uni.test"):
        assert identity not in text
    assert body["proposal"]["abstract"] == proposal.abstract


def test_admins_read_any_assignment(api, admin, assignment):
    response = api(admin).get(f"/reviews/assignments/{assignment.id}")
    assert response.status_code == 200
    assert response.get_json()["reviewer"]["id"] == assignment.reviewer_id


def test_nobody_else_learns_an_assignment_exists(api, assignment):
    for role, user in _others().items():
        client = api(user)
        before = unchanged_state()
        response = client.get(f"/reviews/assignments/{assignment.id}")
        assert response.status_code == 404, role
        assert unchanged_state() == before
    applicant = api(assignment.proposal.applicant)
    assert applicant.get(f"/reviews/assignments/{assignment.id}").status_code == 404
    assert api().get(f"/reviews/assignments/{assignment.id}").status_code == 401


def test_a_declined_or_conflicted_assignment_is_closed_to_its_reviewer(api, reviewer, call, admin):
    declined = assign(proposal_under_review(call), reviewer, admin=admin)
    services.decline_assignment(declined, actor=reviewer, reason="Too busy")
    conflicted = assign(proposal_under_review(call), reviewer, admin=admin)
    services.declare_conflict(
        conflicted.proposal, reviewer, actor=reviewer, source=ConflictSource.REVIEWER_DECLARED
    )
    db.session.commit()
    client = api(reviewer)
    assert client.get(f"/reviews/assignments/{declined.id}").status_code == 404
    assert client.get(f"/reviews/assignments/{conflicted.id}").status_code == 404


# Saving a review


def test_the_reviewer_saves_a_draft(api, reviewer, assignment, call, audit_log):
    first, second = call.criteria
    body = {
        "scores": [{"criterion_id": first.id, "score": 4}],
        "comments_to_applicant": "  Promising.  ",
    }

    response = _save(api(reviewer), assignment.id, body)

    assert response.status_code == 200
    review = response.get_json()["review"]
    assert review["scores"] == [{"criterion_id": first.id, "score": 4}]
    assert review["comments_to_applicant"] == "Promising."
    assert review["submitted_at"] is None
    assert review["recommendation"] is None
    db.session.expire_all()
    saved = db.session.scalar(sa.select(Review).where(Review.assignment_id == assignment.id))
    assert {score.criterion_id: score.score for score in saved.scores} == {first.id: 4}
    assert [event.detail["reviewer_id"] for event in audit_log("review.saved")] == [reviewer.id]


def test_saving_again_replaces_what_was_saved(api, reviewer, assignment, call):
    first, second = call.criteria
    client = api(reviewer)
    _save(client, assignment.id, _complete_review(call))
    again = _save(
        client,
        assignment.id,
        {"scores": [{"criterion_id": second.id, "score": 5}], "confidence": 2},
    )
    assert again.status_code == 200
    review = again.get_json()["review"]
    assert review["scores"] == [{"criterion_id": second.id, "score": 5}]
    assert review["confidence"] == 2
    assert review["recommendation"] is None


def test_a_score_off_its_scale_is_refused_with_its_field(api, reviewer, assignment, call):
    first, _ = call.criteria
    client = api(reviewer)
    before = unchanged_state()
    response = _save(
        client,
        assignment.id,
        {"scores": [{"criterion_id": first.id, "score": 9}]},
    )
    assert response.status_code == 422
    assert response.get_json()["errors"] == {
        f"score_{first.id}": ["Scientific merit: score from 1 to 5."]
    }
    assert unchanged_state() == before


@pytest.mark.parametrize(
    "body, field",
    [
        ({"scores": [{"criterion_id": 999999, "score": 3}]}, "scores"),
        ({"confidence": 6}, "confidence"),
        ({"recommendation": "maybe"}, "recommendation"),
        ({"comments_to_applicant": "x" * 20_001}, "comments_to_applicant"),
        ({"mood": "happy"}, "mood"),
    ],
)
def test_bad_review_values_are_refused_with_their_field(api, reviewer, assignment, body, field):
    client = api(reviewer)
    before = unchanged_state()
    response = _save(client, assignment.id, body)
    assert response.status_code == 422
    assert field in response.get_json()["errors"]
    assert unchanged_state() == before


def test_two_scores_for_one_criterion_are_refused(api, reviewer, assignment, call):
    first, _ = call.criteria
    client = api(reviewer)
    before = unchanged_state()
    response = _save(
        client,
        assignment.id,
        {"scores": [{"criterion_id": first.id, "score": 3}] * 2},
    )
    assert response.status_code == 422
    assert "scores" in response.get_json()["errors"]
    assert unchanged_state() == before


def test_only_the_assigned_reviewer_saves_or_submits(api, admin, assignment, call):
    clients = {"admin": (api(admin), 403)} | {
        role: (api(user), 404) for role, user in _others().items()
    }
    before = unchanged_state()
    for role, (client, status) in clients.items():
        url = f"/reviews/assignments/{assignment.id}"
        assert client.put(url + "/review", json=_complete_review(call)).status_code == status, role
        assert client.post(url + "/actions/submit").status_code == status, role
        declined = client.post(url + "/actions/decline", json={"reason": "No"})
        assert declined.status_code == status, role
    assert _save(api(), assignment.id, {}).status_code == 401
    assert unchanged_state() == before


def test_reviews_are_not_written_once_the_call_is_decided(api, reviewer, assignment, call):
    call.state, call.decided_at = CallState.DECIDED, clock.now()
    db.session.commit()
    client = api(reviewer)
    before = unchanged_state()
    response = _save(client, assignment.id, _complete_review(call))
    assert response.status_code == 409
    assert response.get_json()["code"] == "state_conflict"
    assert client.get(f"/reviews/assignments/{assignment.id}").get_json()["editable"] is False
    assert unchanged_state() == before


# Submitting


def test_an_incomplete_review_is_not_submitted_and_says_what_is_missing(
    api, reviewer, assignment, call
):
    first, second = call.criteria
    client = api(reviewer)
    _save(
        client,
        assignment.id,
        {"scores": [{"criterion_id": first.id, "score": 3}]},
    )
    before = unchanged_state()
    response = client.post(f"/reviews/assignments/{assignment.id}/actions/submit")
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == {
        f"score_{second.id}",
        "recommendation",
        "confidence",
    }
    assert unchanged_state() == before


def test_nothing_saved_cannot_be_submitted(api, reviewer, assignment):
    client = api(reviewer)
    before = unchanged_state()
    response = client.post(f"/reviews/assignments/{assignment.id}/actions/submit")
    assert response.status_code == 422
    assert "scores" in response.get_json()["errors"]
    assert unchanged_state() == before


def test_a_submitted_review_is_not_submitted_twice_nor_edited_after_the_deadline(
    api, reviewer, assignment, call, monkeypatch
):
    client = api(reviewer)
    _save(client, assignment.id, _complete_review(call))
    assert client.post(f"/reviews/assignments/{assignment.id}/actions/submit").status_code == 200
    before = unchanged_state()
    again = client.post(f"/reviews/assignments/{assignment.id}/actions/submit")
    assert again.status_code == 409
    assert again.get_json()["code"] == "state_conflict"

    later = call.review_deadline + timedelta(days=1)
    monkeypatch.setattr(clock, "now", lambda: later)
    late = _save(client, assignment.id, _complete_review(call, confidence=5))
    assert late.status_code == 409
    assert late.get_json()["code"] == "deadline_passed"
    assert unchanged_state() == before


def test_a_submitted_review_is_edited_before_the_deadline(
    api, reviewer, assignment, call, audit_log
):
    client = api(reviewer)
    _save(client, assignment.id, _complete_review(call))
    client.post(f"/reviews/assignments/{assignment.id}/actions/submit")
    edited = _save(client, assignment.id, _complete_review(call, confidence=5))
    assert edited.status_code == 200
    assert edited.get_json()["review"]["revision_count"] == 2
    assert edited.get_json()["state"] == "submitted"
    assert len(audit_log("review.edited")) == 1
    incomplete = _save(client, assignment.id, _complete_review(call, confidence=None))
    assert incomplete.status_code == 422
    assert "confidence" in incomplete.get_json()["errors"]


# Declining


def test_the_reviewer_declines_with_a_reason(api, reviewer, assignment, audit_log):
    response = api(reviewer).post(
        f"/reviews/assignments/{assignment.id}/actions/decline", json={"reason": "Too busy"}
    )
    assert response.status_code == 200
    assert response.get_json()["state"] == "declined"
    assert response.get_json()["decline_reason"] == "Too busy"
    db.session.expire_all()
    assert db.session.get(Assignment, assignment.id).state == AssignmentState.DECLINED
    assert [event.detail["reason"] for event in audit_log("assignment.declined")] == ["Too busy"]


def test_a_decline_needs_a_reason(api, reviewer, assignment):
    client = api(reviewer)
    before = unchanged_state()
    blank = client.post(
        f"/reviews/assignments/{assignment.id}/actions/decline", json={"reason": " "}
    )
    assert blank.status_code == 422
    assert "reason" in blank.get_json()["errors"]
    missing = client.post(f"/reviews/assignments/{assignment.id}/actions/decline", json={})
    assert missing.status_code == 422
    assert "reason" in missing.get_json()["errors"]
    assert unchanged_state() == before


def test_a_submitted_assignment_is_not_declined(api, reviewer, assignment, call):
    client = api(reviewer)
    _save(client, assignment.id, _complete_review(call))
    client.post(f"/reviews/assignments/{assignment.id}/actions/submit")
    before = unchanged_state()
    response = client.post(
        f"/reviews/assignments/{assignment.id}/actions/decline", json={"reason": "Changed my mind"}
    )
    assert response.status_code == 409
    assert response.get_json()["code"] == "state_conflict"
    assert unchanged_state() == before


# Assigning by hand


def test_admins_assign_a_proposal_to_a_pool_reviewer(api, admin, call, proposal, audit_log):
    reviewer = pool_reviewer(call, admin=admin)

    response = api(admin).post(
        f"/reviews/calls/{call.id}/assignments",
        json={"proposal_id": proposal.id, "reviewer_id": reviewer.id},
    )

    assert response.status_code == 201
    body = response.get_json()
    assert body["state"] == "assigned"
    assert body["reviewer"]["id"] == reviewer.id
    assert body["proposal"]["id"] == proposal.id
    assignment = db.session.get(Assignment, body["id"])
    assert (assignment.proposal_id, assignment.reviewer_id) == (proposal.id, reviewer.id)
    assert [event.detail["reviewer_id"] for event in audit_log("review.assigned")][
        -1
    ] == reviewer.id


def test_assigning_outside_the_pool_onto_a_conflict_or_twice_is_refused(api, admin, call, proposal):
    outsider = UserFactory(reviewer=True)
    conflicted = pool_reviewer(call, admin=admin)
    services.declare_conflict(
        proposal, conflicted, actor=conflicted, source=ConflictSource.REVIEWER_DECLARED
    )
    taken = pool_reviewer(call, admin=admin)
    assign(proposal, taken, admin=admin)
    client = api(admin)
    url = f"/reviews/calls/{call.id}/assignments"
    before = unchanged_state()

    outside = client.post(url, json={"proposal_id": proposal.id, "reviewer_id": outsider.id})
    assert outside.status_code == 422
    assert "reviewer_id" in outside.get_json()["errors"]
    conflict = client.post(url, json={"proposal_id": proposal.id, "reviewer_id": conflicted.id})
    assert conflict.status_code == 409
    twice = client.post(url, json={"proposal_id": proposal.id, "reviewer_id": taken.id})
    assert twice.status_code == 409
    other_call = client.post(
        url,
        json={"proposal_id": proposal_under_review(call_in_review()).id, "reviewer_id": taken.id},
    )
    assert other_call.status_code == 404
    before = unchanged_state()
    assert (
        client.post(
            "/reviews/calls/999999/assignments", json={"proposal_id": proposal.id, "reviewer_id": 1}
        ).status_code
        == 404
    )
    missing = client.post(url, json={"proposal_id": proposal.id})
    assert missing.status_code == 422
    assert "reviewer_id" in missing.get_json()["errors"]
    assert unchanged_state() == before


@pytest.mark.parametrize("role", ["reviewer", "researcher", "member"])
def test_only_admins_assign_or_run_the_automatic_assignment(api, role, admin, call, proposal):
    user = UserFactory(roles_given=(role,))
    pool_reviewer(call, admin=admin)
    client = api(user)
    before = unchanged_state()
    assigned = client.post(
        f"/reviews/calls/{call.id}/assignments",
        json={"proposal_id": proposal.id, "reviewer_id": user.id},
    )
    assert assigned.status_code == 403
    assert client.post(f"/reviews/calls/{call.id}/actions/auto-assign", json={}).status_code == 403
    assert unchanged_state() == before


# Automatic assignment


def _arranged(admin):
    call = call_in_review(reviews_per_proposal=1)
    proposals = [
        proposal_under_review(call, title=title, abstract=title, keywords=keywords)
        for title, keywords in TOPICS
    ]
    experts = [pool_reviewer(call, admin=admin, expertise=keywords) for _, keywords in TOPICS]
    return call, proposals, experts


def test_admins_run_and_deploy_the_automatic_assignment(api, admin, audit_log):
    call, proposals, experts = _arranged(admin)

    response = api(admin).post(f"/reviews/calls/{call.id}/actions/auto-assign", json={})

    assert response.status_code == 200
    body = response.get_json()
    assert body["state"] == "deployed"
    assert body["complete"] is True
    assert body["created"] == 3
    assert body["shortfalls"] == []
    pairs = {(item["proposal"]["id"], item["reviewer"]["id"]) for item in body["assignments"]}
    expected = {(p.id, r.id) for p, r in zip(proposals, experts, strict=True)}
    assert pairs == expected
    stored = db.session.execute(sa.select(Assignment.proposal_id, Assignment.reviewer_id)).all()
    assert set(map(tuple, stored)) == expected
    assert len(audit_log("assignment_plan.created")) == 1
    assert len(audit_log("assignment_plan.deployed")) == 1
    assert len(audit_log("review.assigned")) == 3


def test_the_automatic_assignment_can_be_kept_for_preview(api, admin):
    call, _, _ = _arranged(admin)

    response = api(admin).post(
        f"/reviews/calls/{call.id}/actions/auto-assign",
        json={"deploy": False, "load_balancing": "gentle", "expert_threshold": 0.1},
    )

    assert response.status_code == 200
    body = response.get_json()
    assert body["state"] == "proposed"
    assert body["created"] == 0
    assert body["assignments"] == []
    plan = db.session.get(AssignmentPlan, body["plan_id"])
    assert plan.state == PlanState.PROPOSED
    assert plan.options["load_balancing"] == "gentle"
    assert db.session.scalar(sa.select(sa.func.count(Assignment.id))) == 0


def test_the_automatic_assignment_refuses_bad_options_and_calls_not_in_review(api, admin):
    call, _, _ = _arranged(admin)
    client = api(admin)
    before = unchanged_state()
    bad = client.post(
        f"/reviews/calls/{call.id}/actions/auto-assign",
        json={"expert_threshold": 2, "load_balancing": "extreme"},
    )
    assert bad.status_code == 422
    assert {"expert_threshold", "load_balancing"} <= set(bad.get_json()["errors"])
    empty_pool = call_in_review()
    proposal_under_review(empty_pool)
    before = unchanged_state()
    no_pool = client.post(f"/reviews/calls/{empty_pool.id}/actions/auto-assign", json={})
    assert no_pool.status_code == 409
    assert no_pool.get_json()["code"] == "state_conflict"
    call.state, call.decided_at = CallState.DECIDED, clock.now()
    db.session.commit()
    before = unchanged_state()
    decided = client.post(f"/reviews/calls/{call.id}/actions/auto-assign", json={})
    assert decided.status_code == 409
    assert client.post("/reviews/calls/999999/actions/auto-assign", json={}).status_code == 404
    assert unchanged_state() == before


# The whole cycle


def test_admin_assigns_then_the_reviewer_saves_and_submits(api, admin, call, proposal, audit_log):
    reviewer = pool_reviewer(call, admin=admin)
    as_admin, as_reviewer = api(admin), api(reviewer)

    created = as_admin.post(
        f"/reviews/calls/{call.id}/assignments",
        json={"proposal_id": proposal.id, "reviewer_id": reviewer.id},
    )
    assert created.status_code == 201
    assignment_id = created.get_json()["id"]
    listed = as_reviewer.get("/reviews/assignments").get_json()
    assert [item["id"] for item in listed["items"]] == [assignment_id]

    saved = _save(as_reviewer, assignment_id, _complete_review(call))
    assert saved.status_code == 200
    assert saved.get_json()["review"]["submitted_at"] is None
    submitted = as_reviewer.post(f"/reviews/assignments/{assignment_id}/actions/submit")
    assert submitted.status_code == 200
    body = submitted.get_json()
    assert body["state"] == "submitted"
    assert body["review"]["submitted_at"] is not None
    assert body["review"]["weighted_total"] == "50.00"

    seen = as_admin.get(f"/reviews/assignments?call_id={call.id}&state=submitted").get_json()
    assert seen["items"][0]["review"]["weighted_total"] == "50.00"
    assert [event.action for event in audit_log() if event.action.startswith("review.")] == [
        "review.assigned",
        "review.saved",
        "review.submitted",
    ]


def test_a_stale_review_is_refused_with_its_current_version(api, reviewer, assignment, call):
    client = api(reviewer)
    first = client.put(f"/reviews/assignments/{assignment.id}/review", json=_complete_review(call))
    assert first.status_code == 200
    version = first.get_json()["review"]["version"]
    second = _save(client, assignment.id, _complete_review(call, confidence=2))
    assert second.get_json()["review"]["version"] == version + 1
    before = unchanged_state()
    stale = client.put(
        f"/reviews/assignments/{assignment.id}/review",
        json=_complete_review(call, confidence=5) | {"version": version},
    )
    assert stale.status_code == 409
    assert stale.get_json()["current_version"] == version + 1
    blind = client.put(f"/reviews/assignments/{assignment.id}/review", json=_complete_review(call))
    assert blind.status_code == 409  # a review exists: "none yet" is stale too
    assert unchanged_state() == before
