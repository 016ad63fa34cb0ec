"""The automatic assignment pages: run a plan, preview it, deploy or discard it."""

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from app import clock
from app.extensions import db
from app.reviews import planning, services
from app.reviews.models import (
    Assignment,
    AssignmentPlan,
    AssignmentState,
    ConflictSource,
    PlanState,
)
from tests.reviews.helpers import assign, call_in_review, pool_reviewer, proposal_under_review

NOW = datetime(2026, 4, 1, 15, 0, tzinfo=UTC)
TOPICS = [
    ("Battery electrode degradation", "lithium batteries, electrochemistry"),
    ("Robotic welding inspection", "robotics, computer vision"),
    ("Casting defect prediction", "metallurgy, aluminium casting"),
]


@pytest.fixture(autouse=True)
def fixed_now(monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOW)


def arranged(admin, reviews=1):
    call = call_in_review(reviews_per_proposal=reviews)
    proposals = [
        proposal_under_review(call, title=title, abstract=title, keywords=keywords)
        for title, keywords in TOPICS
    ]
    experts = [pool_reviewer(call, admin=admin, expertise=keywords) for _, keywords in TOPICS]
    return call, proposals, experts


def plans() -> list[AssignmentPlan]:
    return db.session.scalars(sa.select(AssignmentPlan).order_by(AssignmentPlan.id)).all()


def assignments() -> set[tuple[int, int]]:
    return set(
        db.session.execute(
            sa.select(Assignment.proposal_id, Assignment.reviewer_id).where(
                Assignment.state != AssignmentState.DECLINED
            )
        ).all()
    )


def flashes(client) -> list[str]:
    with client.session_transaction() as session:
        return [message for _, message in session.get("_flashes", [])]


def test_the_assignments_page_offers_the_run_form_and_recent_plans(as_admin, admin):
    call, _, _ = arranged(admin)
    planning.create_plan(call, actor=admin, options=planning.PlanOptions())
    db.session.commit()

    page = as_admin.get(f"/reviews/calls/{call.id}/assignments").get_data(as_text=True)

    assert 'data-testid="run-plan"' in page
    assert 'name="expert_threshold"' in page
    assert "Gentle: even out loads" in page
    assert 'data-testid="plans"' in page
    assert "Proposed" in page
    assert "automatic-placeholder" not in page


def test_running_a_plan_stores_it_and_shows_its_preview(as_admin, admin, audit_log):
    call, proposals, experts = arranged(admin)

    response = as_admin.post(
        f"/reviews/calls/{call.id}/plans",
        data={"expert_threshold": "0.1", "load_balancing": "gentle"},
    )

    [plan] = plans()
    assert response.status_code == 302
    assert response.headers["Location"] == f"/reviews/plans/{plan.id}"
    assert plan.options["expert_threshold"] == 0.1
    assert plan.options["load_balancing"] == "gentle"
    assert len(audit_log("assignment_plan.created")) == 1
    assert assignments() == set()  # a preview assigns nothing

    page = as_admin.get(f"/reviews/plans/{plan.id}").get_data(as_text=True)
    assert 'data-testid="complete"' in page
    for proposal, expert in zip(proposals, experts, strict=True):
        assert proposal.reference in page
        assert expert.name in page
    assert page.count('<span class="badge text-bg-primary">new</span>') == 3
    assert "3 new, 0 kept" in page
    assert f'action="/reviews/plans/{plan.id}/deploy"' in page
    assert f'action="/reviews/plans/{plan.id}/discard"' in page


@pytest.mark.parametrize(
    ("threshold", "message"),
    [
        ("1.5", "Give a number from 0 to 1"),
        ("lots", "Enter a number such as 0.3."),
        ("nan", "Give a number from 0 to 1"),
    ],
)
def test_a_bad_threshold_is_shown_beside_the_field_and_kept(as_admin, admin, threshold, message):
    call, _, _ = arranged(admin)

    response = as_admin.post(
        f"/reviews/calls/{call.id}/plans",
        data={"expert_threshold": threshold, "load_balancing": "strong"},
    )

    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'id="expert_threshold-error"' in page
    assert message in page
    assert f'value="{threshold}"' in page
    assert '<option selected value="strong">' in page
    assert plans() == []


def test_an_unknown_balancing_level_is_refused(as_admin, admin):
    call, _, _ = arranged(admin)

    response = as_admin.post(f"/reviews/calls/{call.id}/plans", data={"load_balancing": "extreme"})

    assert response.status_code == 400
    assert 'id="load_balancing-error"' in response.get_data(as_text=True)
    assert plans() == []


def test_an_empty_pool_is_explained_above_the_form(as_admin):
    call = call_in_review()
    proposal_under_review(call)

    response = as_admin.post(f"/reviews/calls/{call.id}/plans", data={"load_balancing": "none"})

    assert response.status_code == 400
    assert "pool is empty" in response.get_data(as_text=True)
    assert plans() == []


def test_an_infeasible_plan_names_the_proposal_and_what_blocks_it(as_admin, admin):
    call, (battery, _, _), (chemist, roboticist, metallurgist) = arranged(admin, reviews=3)
    services.declare_conflict(
        battery, chemist, actor=chemist, source=ConflictSource.REVIEWER_DECLARED
    )
    db.session.commit()
    as_admin.post(f"/reviews/calls/{call.id}/plans", data={"load_balancing": "none"})
    [plan] = plans()

    page = as_admin.get(f"/reviews/plans/{plan.id}").get_data(as_text=True)

    assert "No complete assignment exists" in page
    [shortfall] = page.split('data-testid="shortfall">')[1:]
    assert battery.reference in shortfall
    assert "1 reviewer short" in shortfall
    assert f"{chemist.name} (conflict of interest)" in shortfall
    # The best partial assignment is still offered.
    assert f'action="/reviews/plans/{plan.id}/deploy"' in page


def test_a_stale_plan_warns_and_offers_no_deploy(as_admin, admin):
    call, (battery, _, _), (_, roboticist, _) = arranged(admin)
    as_admin.post(f"/reviews/calls/{call.id}/plans", data={"load_balancing": "none"})
    [plan] = plans()
    assign(battery, roboticist, admin=admin)

    page = as_admin.get(f"/reviews/plans/{plan.id}").get_data(as_text=True)

    assert 'data-testid="stale"' in page
    assert "/deploy" not in page
    assert "Run it again with the same options" in page


def test_deploying_a_stale_plan_is_refused_and_nothing_written(as_admin, admin, outbox):
    call, (battery, _, _), (_, roboticist, _) = arranged(admin)
    as_admin.post(f"/reviews/calls/{call.id}/plans", data={"load_balancing": "none"})
    [plan] = plans()
    assign(battery, roboticist, admin=admin)
    before, emails = assignments(), len(outbox())

    response = as_admin.post(f"/reviews/plans/{plan.id}/deploy")

    assert response.headers["Location"] == f"/reviews/plans/{plan.id}"
    assert any("run the automatic assignment again" in text for text in flashes(as_admin))
    assert assignments() == before
    assert len(outbox()) == emails
    assert plans()[0].state == PlanState.PROPOSED


def test_deploying_creates_the_assignments_and_emails_each_reviewer(
    as_admin, admin, outbox, audit_log
):
    call, proposals, experts = arranged(admin)
    as_admin.post(f"/reviews/calls/{call.id}/plans", data={"load_balancing": "none"})
    [plan] = plans()

    response = as_admin.post(f"/reviews/plans/{plan.id}/deploy")

    assert response.headers["Location"] == f"/reviews/calls/{call.id}/assignments"
    assert "Deployed: 3 new assignments." in flashes(as_admin)
    assert assignments() == {(p.id, e.id) for p, e in zip(proposals, experts, strict=True)}
    assert sorted(n.recipient_id for n in outbox("reviews_assigned")) == sorted(
        e.id for e in experts
    )
    assert outbox("review_assigned") == []
    assert len(audit_log("assignment_plan.deployed")) == 1
    assert plans()[0].state == PlanState.DEPLOYED
    page = as_admin.get(f"/reviews/plans/{plan.id}").get_data(as_text=True)
    assert 'data-testid="plan-state">Deployed' in page
    assert "/deploy" not in page


def test_discarding_assigns_nothing(as_admin, admin, audit_log):
    call, _, _ = arranged(admin)
    as_admin.post(f"/reviews/calls/{call.id}/plans", data={"load_balancing": "none"})
    [plan] = plans()

    response = as_admin.post(f"/reviews/plans/{plan.id}/discard")

    assert response.headers["Location"] == f"/reviews/calls/{call.id}/assignments"
    assert plans()[0].state == PlanState.DISCARDED
    assert len(audit_log("assignment_plan.discarded")) == 1
    assert assignments() == set()
    again = as_admin.post(f"/reviews/plans/{plan.id}/deploy")
    assert again.headers["Location"] == f"/reviews/plans/{plan.id}"
    assert assignments() == set()


def test_the_preview_runs_a_constant_number_of_queries(as_admin, admin, count_queries):
    small, _, _ = arranged(admin)
    large = call_in_review(reviews_per_proposal=2)
    for index in range(12):
        proposal_under_review(large, title=f"Process window {index}", keywords="sensors")
    for _ in range(5):
        pool_reviewer(large, admin=admin, expertise="sensors, process control")
    counts = []
    for call in (small, large):
        plan = planning.create_plan(call, actor=admin, options=planning.PlanOptions())
        db.session.commit()
        with count_queries() as counter:
            assert as_admin.get(f"/reviews/plans/{plan.id}").status_code == 200
        counts.append(counter.count)

    assert counts[0] == counts[1]
