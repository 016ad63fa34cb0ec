"""Automatic assignment services: the problem read from a call; plans created, deployed and
discarded."""

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from app import clock
from app.calls.models import CallState
from app.errors import ConflictError, ValidationError, WorkflowError
from app.extensions import db
from app.proposals.models import ProposalState
from app.reviews import planning, services
from app.reviews.assignment import ShortfallKind
from app.reviews.models import (
    Assignment,
    AssignmentPlan,
    AssignmentState,
    CallReviewer,
    ConflictSource,
    PlanState,
)
from app.reviews.planning import PlanOptions
from tests.factories import UserFactory
from tests.reviews.helpers import (
    assign,
    call_in_review,
    pool_reviewer,
    proposal_under_review,
    reviewer,
)

NOW = datetime(2026, 4, 1, 15, 0, tzinfo=UTC)

BATTERY = {
    "title": "Battery electrode degradation",
    "abstract": "We model how lithium battery electrodes age, with electrochemistry.",
    "keywords": "batteries, electrochemistry",
}
WELDING = {
    "title": "Robotic welding inspection",
    "abstract": "Computer vision inspects the seams robots weld.",
    "keywords": "robotics, computer vision",
}
CASTING = {
    "title": "Casting defect prediction",
    "abstract": "We predict porosity in aluminium casting from furnace sensor data.",
    "keywords": "casting, metallurgy",
}


@pytest.fixture(autouse=True)
def fixed_now(monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOW)


def active_pairs(call) -> set[tuple[int, int]]:
    return set(
        db.session.execute(
            sa.select(Assignment.proposal_id, Assignment.reviewer_id).where(
                Assignment.call_id == call.id, Assignment.state != AssignmentState.DECLINED
            )
        ).all()
    )


def new_pairs(plan) -> set[tuple[int, int]]:
    return {(p["proposal"], p["reviewer"]) for p in plan.result["pairs"] if p["new"]}


def declined(proposal, user, *, admin):
    assignment = assign(proposal, user, admin=admin)
    services.decline_assignment(assignment, actor=user, reason="Travelling")
    db.session.commit()


def leave_review(call, state):
    """Move the call out of review (back open, or decided) behind the services' back."""
    call.state = state
    if state == CallState.DECIDED:
        call.decided_at = NOW
    db.session.commit()


def three_topics(admin, *, reviews=2, **limits):
    """A call of three proposals on distinct topics and three reviewers, one expert for each."""
    call = call_in_review(reviews_per_proposal=reviews)
    proposals = [proposal_under_review(call, **topic) for topic in (BATTERY, WELDING, CASTING)]
    experts = [
        pool_reviewer(call, admin=admin, expertise=text, **limits)
        for text in (
            "lithium batteries, electrochemistry, electrodes",
            "computer vision, robotics, inspection",
            "metallurgy, aluminium casting, porosity",
        )
    ]
    return call, proposals, experts


# The problem


def test_problem_keeps_existing_forbids_conflicts_and_declined_pairs(admin):
    call, (battery, welding, casting), (chemist, roboticist, metallurgist) = three_topics(admin)
    assign(battery, chemist, admin=admin)
    services.declare_conflict(
        welding, metallurgist, actor=metallurgist, source=ConflictSource.REVIEWER_DECLARED
    )
    declined(casting, roboticist, admin=admin)
    db.session.commit()

    inputs = planning.build_problem(call, PlanOptions())

    problem = inputs.problem
    assert list(problem.proposals) == [battery.id, welding.id, casting.id]
    assert problem.reviews_per_proposal == 2
    assert problem.existing == {(battery.id, chemist.id)}
    assert problem.conflicts == {(welding.id, metallurgist.id), (casting.id, roboticist.id)}
    assert problem.expert_threshold is None
    assert problem.load_penalty == 0.0


def test_problem_reads_loads_from_the_pool_then_the_profile(admin):
    call = call_in_review()
    proposal_under_review(call, **BATTERY)
    from_pool, from_profile = reviewer(max_load=9), reviewer(max_load=2)
    no_profile = UserFactory(reviewer=True)
    services.add_to_pool(call, from_pool, actor=admin, max_load=3, min_load=1)
    services.add_to_pool(call, from_profile, actor=admin)
    services.add_to_pool(call, no_profile, actor=admin, min_load=2)
    db.session.commit()

    problem = planning.build_problem(call, PlanOptions()).problem

    assert problem.max_load == {from_pool.id: 3, from_profile.id: 2, no_profile.id: 6}
    assert problem.min_load == {from_pool.id: 1, from_profile.id: 0, no_profile.id: 2}


def test_affinity_follows_expertise_and_options_reach_the_problem(admin):
    call, (battery, welding, _), (chemist, roboticist, _) = three_topics(admin)

    problem = planning.build_problem(
        call, PlanOptions(expert_threshold=0.2, load_balancing="strong")
    ).problem

    assert problem.affinity[battery.id, chemist.id] > problem.affinity.get(
        (battery.id, roboticist.id), 0.0
    )
    assert problem.affinity[welding.id, roboticist.id] > problem.affinity.get(
        (welding.id, chemist.id), 0.0
    )
    assert (problem.expert_threshold, problem.load_penalty) == (0.2, 0.05)


def test_assignments_made_by_hand_beyond_the_limits_are_kept_and_counted(admin):
    call, (battery, welding, casting), (chemist, roboticist, metallurgist) = three_topics(
        admin, reviews=1, max_load=1
    )
    assign(battery, chemist, admin=admin)
    assign(welding, chemist, admin=admin)  # over the chemist's maximum of one
    assign(casting, roboticist, admin=admin)
    assign(casting, metallurgist, admin=admin)  # more reviewers than the call asks

    plan = planning.create_plan(call, actor=admin, options=PlanOptions())

    assert plan.result["complete"] is True
    assert new_pairs(plan) == set()
    loads = {row["id"]: row["load"] for row in plan.result["reviewers"]}
    assert loads == {chemist.id: 2, roboticist.id: 1, metallurgist.id: 1}
    kept = {(p["proposal"], p["reviewer"]) for p in plan.result["pairs"]}
    assert kept == active_pairs(call)


def test_assignments_of_a_withdrawn_proposal_still_count_toward_the_load(admin):
    call, (battery, _, _), (chemist, _, _) = three_topics(admin, reviews=1, max_load=1)
    gone = proposal_under_review(call, **BATTERY)
    assign(gone, chemist, admin=admin)
    gone.state, gone.withdrawn_at = ProposalState.WITHDRAWN, NOW
    db.session.commit()

    plan = planning.create_plan(call, actor=admin, options=PlanOptions())

    assert all(r != chemist.id for _, r in new_pairs(plan))
    [row] = [row for row in plan.result["reviewers"] if row["id"] == chemist.id]
    assert (row["load"], row["existing"], row["max_load"]) == (1, 1, 1)
    assert gone.id not in {p["id"] for p in plan.result["proposals"]}


def test_a_reviewer_dropped_from_the_pool_keeps_their_assignments(admin):
    call, (battery, welding, casting), (chemist, roboticist, _) = three_topics(admin, reviews=1)
    assign(battery, chemist, admin=admin)
    db.session.execute(
        sa.delete(CallReviewer).where(CallReviewer.user_id == chemist.id)
    )  # as if removed by hand from the database
    db.session.commit()

    plan = planning.create_plan(call, actor=admin, options=PlanOptions())

    pairs = {(p["proposal"], p["reviewer"]): p["new"] for p in plan.result["pairs"]}
    assert pairs[battery.id, chemist.id] is False
    assert all(r != chemist.id for (_, r), new in pairs.items() if new)
    [row] = [row for row in plan.result["reviewers"] if row["id"] == chemist.id]
    assert (row["in_pool"], row["load"]) == (False, 1)


# Creating a plan


def test_create_plan_stores_the_optimal_assignment_and_audits(admin, audit_log):
    call, (battery, welding, casting), (chemist, roboticist, metallurgist) = three_topics(
        admin, reviews=1
    )
    assign(battery, chemist, admin=admin)

    plan = planning.create_plan(call, actor=admin, options=PlanOptions(expert_threshold=0.1))

    assert plan.state == PlanState.PROPOSED
    assert (plan.call_id, plan.created_by_id, plan.created_at) == (call.id, admin.id, NOW)
    result = plan.result
    assert result["complete"] is True
    assert new_pairs(plan) == {(welding.id, roboticist.id), (casting.id, metallurgist.id)}
    assert (result["new_count"], result["kept_count"]) == (2, 1)
    assert result["min_affinity"] > 0
    assert result["shortfalls"] == []
    assert plan.options == {"expert_threshold": 0.1, "load_balancing": "none", "load_penalty": 0}
    assert plan.fingerprint == planning.call_fingerprint(call)
    [event] = audit_log("assignment_plan.created")
    assert event.actor_id == admin.id
    assert (event.detail["new"], event.detail["kept"], event.detail["complete"]) == (2, 1, True)


def test_a_new_plan_discards_the_older_proposed_one(admin, audit_log):
    call, _, _ = three_topics(admin)
    first = planning.create_plan(call, actor=admin, options=PlanOptions())
    db.session.commit()

    second = planning.create_plan(call, actor=admin, options=PlanOptions(load_balancing="gentle"))
    db.session.commit()

    db.session.refresh(first)
    assert (first.state, first.decided_at, first.decided_by_id) == (
        PlanState.DISCARDED,
        NOW,
        admin.id,
    )
    assert second.state == PlanState.PROPOSED
    assert audit_log("assignment_plan.created")[-1].detail["replaced"] == [first.id]


@pytest.mark.parametrize("state", [CallState.OPEN, CallState.DECIDED])
def test_a_call_not_in_review_gets_no_plan(admin, state):
    call, _, _ = three_topics(admin)
    leave_review(call, state)

    with pytest.raises(WorkflowError):
        planning.create_plan(call, actor=admin, options=PlanOptions())

    assert db.session.scalars(sa.select(AssignmentPlan)).all() == []


def test_a_call_with_an_empty_pool_gets_no_plan(admin):
    call = call_in_review()
    proposal_under_review(call, **BATTERY)

    with pytest.raises(WorkflowError, match="pool is empty"):
        planning.create_plan(call, actor=admin, options=PlanOptions())


@pytest.mark.parametrize(
    ("options", "field"),
    [
        (PlanOptions(expert_threshold=1.5), "expert_threshold"),
        (PlanOptions(expert_threshold=-0.1), "expert_threshold"),
        (PlanOptions(expert_threshold=float("nan")), "expert_threshold"),
        (PlanOptions(load_balancing="extreme"), "load_balancing"),
    ],
)
def test_bad_options_are_refused_naming_the_field(admin, options, field):
    call, _, _ = three_topics(admin)

    with pytest.raises(ValidationError) as error:
        planning.create_plan(call, actor=admin, options=options)

    assert error.value.field == field


# When no complete assignment exists


def test_an_infeasible_call_names_the_blocking_proposal_and_reviewers(admin):
    call, (battery, welding, casting), (chemist, roboticist, metallurgist) = three_topics(
        admin, reviews=3
    )
    services.declare_conflict(
        battery, chemist, actor=chemist, source=ConflictSource.REVIEWER_DECLARED
    )
    declined(battery, roboticist, admin=admin)

    plan = planning.create_plan(call, actor=admin, options=PlanOptions())

    result = plan.result
    assert result["complete"] is False
    [shortfall] = [s for s in result["shortfalls"] if s["proposal"] == battery.id]
    assert shortfall["kind"] == ShortfallKind.TOO_FEW_REVIEWERS
    assert shortfall["missing"] == 2
    assert sorted(shortfall["blocked"]) == sorted(
        [[chemist.id, "conflict of interest"], [roboticist.id, "declined it"]]
    )
    # The best partial assignment still gives it the one reviewer left.
    assert new_pairs(plan) >= {(battery.id, metallurgist.id)}
    assert {s["proposal"] for s in result["shortfalls"]} == {battery.id}


def test_a_minimum_load_that_cannot_be_met_names_the_reviewer(admin):
    call = call_in_review(reviews_per_proposal=1)
    proposal_under_review(call, **BATTERY)
    eager = pool_reviewer(call, admin=admin, min_load=2, expertise="batteries")

    plan = planning.create_plan(call, actor=admin, options=PlanOptions())

    [shortfall] = plan.result["shortfalls"]
    assert (shortfall["kind"], shortfall["reviewer"], shortfall["missing"]) == (
        ShortfallKind.MIN_LOAD,
        eager.id,
        1,
    )
    [row] = planning.preview(plan).shortfalls
    assert row.reviewer == eager.name


# Deploying


def test_deploy_creates_exactly_the_new_pairs_and_emails_each_reviewer_once(
    admin, outbox, audit_log
):
    call, (battery, _, _), (chemist, _, _) = three_topics(admin)
    assign(battery, chemist, admin=admin)
    plan = planning.create_plan(call, actor=admin, options=PlanOptions())
    db.session.commit()
    before = active_pairs(call)
    emails_before = len(outbox("review_assigned"))

    created = planning.deploy_plan(plan, actor=admin)
    db.session.commit()

    planned = {(p["proposal"], p["reviewer"]) for p in plan.result["pairs"]}
    assert created == len(new_pairs(plan)) == 5
    assert active_pairs(call) == planned == before | new_pairs(plan)
    assert len(outbox("review_assigned")) == emails_before  # no email per assignment
    emails = outbox("reviews_assigned")
    receivers = {r for _, r in new_pairs(plan)}
    assert sorted(e.recipient_id for e in emails) == sorted(receivers)
    for email in emails:
        theirs = [p for p, r in new_pairs(plan) if r == email.recipient_id]
        assert f"{len(theirs)} proposal" in email.subject
        for proposal_id in theirs:
            assert db.session.get(type(battery), proposal_id).reference in email.body_text
    assert len(audit_log("review.assigned")) == 1 + 5
    [event] = audit_log("assignment_plan.deployed")
    assert event.detail == {
        "call_id": call.id,
        "created": 5,
        "kept": 1,
        "reviewers_notified": len(receivers),
    }
    assert (plan.state, plan.decided_at, plan.decided_by_id) == (PlanState.DEPLOYED, NOW, admin.id)


def test_deploying_twice_is_refused(admin):
    call, _, _ = three_topics(admin)
    plan = planning.create_plan(call, actor=admin, options=PlanOptions())
    planning.deploy_plan(plan, actor=admin)
    db.session.commit()

    with pytest.raises(WorkflowError, match="already deployed"):
        planning.deploy_plan(plan, actor=admin)


@pytest.mark.parametrize("change", ["assignment", "conflict", "pool", "load", "proposal"])
def test_a_stale_plan_is_refused_and_nothing_written(admin, outbox, audit_log, change):
    call, (battery, welding, _), (chemist, roboticist, _) = three_topics(admin)
    plan = planning.create_plan(call, actor=admin, options=PlanOptions())
    db.session.commit()
    if change == "assignment":
        assign(welding, chemist, admin=admin)
    elif change == "conflict":
        services.declare_conflict(
            battery, roboticist, actor=roboticist, source=ConflictSource.REVIEWER_DECLARED
        )
    elif change == "pool":
        pool_reviewer(call, admin=admin)
    elif change == "load":
        member = db.session.scalar(
            sa.select(CallReviewer).where(CallReviewer.user_id == chemist.id)
        )
        member.max_load = 1
    else:
        proposal_under_review(call, **BATTERY)
    db.session.commit()
    assert planning.is_stale(plan)
    assignments_before = active_pairs(call)
    emails_before, events_before = len(outbox()), len(audit_log())

    with pytest.raises(ConflictError, match="run the automatic assignment again"):
        planning.deploy_plan(plan, actor=admin)

    assert active_pairs(call) == assignments_before
    assert (len(outbox()), len(audit_log())) == (emails_before, events_before)
    assert plan.state == PlanState.PROPOSED


def test_a_call_that_left_review_refuses_deployment(admin):
    call, _, _ = three_topics(admin)
    plan = planning.create_plan(call, actor=admin, options=PlanOptions())
    leave_review(call, CallState.DECIDED)

    with pytest.raises(WorkflowError):
        planning.deploy_plan(plan, actor=admin)

    assert active_pairs(call) == set()


# Discarding


def test_discard_sets_the_plan_aside_and_it_cannot_be_deployed(admin, audit_log):
    call, _, _ = three_topics(admin)
    plan = planning.create_plan(call, actor=admin, options=PlanOptions())

    planning.discard_plan(plan, actor=admin)
    db.session.commit()

    assert (plan.state, plan.decided_at, plan.decided_by_id) == (
        PlanState.DISCARDED,
        NOW,
        admin.id,
    )
    [event] = audit_log("assignment_plan.discarded")
    assert event.detail == {"call_id": call.id}
    with pytest.raises(WorkflowError, match="already discarded"):
        planning.deploy_plan(plan, actor=admin)
    with pytest.raises(WorkflowError):
        planning.discard_plan(plan, actor=admin)
    assert active_pairs(call) == set()


# Reads


def test_recent_plans_are_newest_first_and_flag_a_stale_proposal(admin):
    call, (_, welding, _), (chemist, _, _) = three_topics(admin)
    first = planning.create_plan(call, actor=admin, options=PlanOptions())
    db.session.commit()
    second = planning.create_plan(call, actor=admin, options=PlanOptions())
    db.session.commit()
    assert [(row.id, row.stale) for row in planning.recent_plans(call)] == [
        (second.id, False),
        (first.id, False),
    ]

    assign(welding, chemist, admin=admin)

    assert [(row.id, row.stale) for row in planning.recent_plans(call)] == [
        (second.id, True),
        (first.id, False),
    ]


def test_a_reviewer_without_the_role_gets_nothing_new(admin):
    call, (battery, _, _), (chemist, _, _) = three_topics(admin)
    chemist.roles = []
    db.session.commit()

    plan = planning.create_plan(call, actor=admin, options=PlanOptions())

    assert all(r != chemist.id for _, r in new_pairs(plan))
