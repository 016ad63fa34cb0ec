"""An administrator runs the automatic assignment, previews and deploys it; a reviewer declares a
conflict on one proposal, drafts and submits a review of another; the administrator sees the
progress."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from app import clock
from app.calls.models import CallState, Criterion
from app.extensions import db
from app.reviews import services
from app.reviews.models import Assignment, AssignmentState, Conflict, Review
from tests.e2e.conftest import ARTIFACTS_DIR
from tests.factories import CallFactory, ProposalFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.no_isolation]

ADMIN = "ada.office@example.edu"
REVIEWER = "rhea.reviewer@example.edu"
OTHER_REVIEWER = "oren.reviewer@example.edu"
TOPICS = {
    "ROB": ("Soft robotic grippers for food handling", "soft robotics, grippers, food"),
    "GEL": ("Hydrogel sensors for robotic skin", "hydrogels, soft robotics, sensors"),
    "BAT": ("Solid-state battery electrolytes", "batteries, electrolytes, ceramics"),
}


def arrange_call_in_review(live_server) -> dict:
    """A call in review with three proposals, a pool of two reviewers with distinct expertise."""
    with live_server.app.app_context():
        now = clock.now()
        admin = UserFactory(admin=True, email=ADMIN, name="Ada Office")
        call = CallFactory(
            title="E2E Review round",
            reference_prefix="REV",
            state=CallState.IN_REVIEW,
            opens_at=now - timedelta(days=40),
            closes_at=now - timedelta(days=2),
            closed_at=now - timedelta(days=2),
            review_started_at=now - timedelta(days=1),
            review_deadline=now + timedelta(days=14),
            reviews_per_proposal=1,
        )
        proposals = {}
        for number, (key, (title, keywords)) in enumerate(TOPICS.items(), start=1):
            proposals[key] = ProposalFactory(
                call=call,
                complete=True,
                budget=["20000"],
                title=title,
                keywords=keywords,
                abstract=f"We study {keywords}.",
                state="under_review",
                submitted_at=now - timedelta(days=3),
                first_submitted_at=now - timedelta(days=3),
                reference=f"REV-2026-{number:03d}",
            ).id
        robotics = UserFactory(reviewer=True, email=REVIEWER, name="Rhea Reviewer")
        batteries = UserFactory(reviewer=True, email=OTHER_REVIEWER, name="Oren Reviewer")
        services.update_profile(
            robotics, actor=admin, expertise="soft robotics, grippers, hydrogels", max_load=3
        )
        services.update_profile(
            batteries, actor=admin, expertise="batteries, electrolytes, ceramics", max_load=3
        )
        services.add_to_pool(call, robotics, actor=admin)
        services.add_to_pool(call, batteries, actor=admin)
        db.session.commit()
        return {"call": call.id, "proposals": proposals, "reviewer": robotics.id}


def assignments_of(live_server, reviewer_id: int) -> dict[str, AssignmentState]:
    with live_server.app.app_context():
        rows = db.session.execute(
            sa.select(Assignment.proposal_id, Assignment.state).where(
                Assignment.reviewer_id == reviewer_id
            )
        ).all()
        return {proposal_id: state for proposal_id, state in rows}


def test_assign_declare_review_and_follow_progress(page: Page, live_server, sign_in, browser_log):
    world = arrange_call_in_review(live_server)
    call_id, proposals = world["call"], world["proposals"]

    # The administrator runs the automatic assignment and previews it.
    sign_in(ADMIN)
    page.goto(f"/reviews/calls/{call_id}/assignments")
    page.get_by_label("Load balancing").select_option("gentle")
    page.get_by_role("button", name="Run automatic assignment").click()
    page.wait_for_url(re.compile(r"/reviews/plans/\d+$"))
    expect(page.get_by_test_id("complete")).to_be_visible()
    expect(page.get_by_test_id("counts")).to_contain_text("3 new, 0 kept")
    ARTIFACTS_DIR.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS_DIR / "assignment-preview.png"), full_page=True)
    assert assignments_of(live_server, world["reviewer"]) == {}  # a preview assigns nothing

    page.get_by_role("button", name=re.compile(r"Deploy 3 new assignments")).click()
    expect(page.locator(".alert-success")).to_contain_text("Deployed: 3 new assignments")
    expect(page.get_by_test_id("plans")).to_contain_text("Deployed")
    rhea = assignments_of(live_server, world["reviewer"])
    assert set(rhea) == {proposals["ROB"], proposals["GEL"]}  # her expertise, not batteries
    page.get_by_role("button", name="Sign out").click()

    # The reviewer declares a conflict on one proposal and reviews the other.
    sign_in(REVIEWER)
    page.goto("/reviews/")
    rows = page.get_by_test_id("assignment-row")
    expect(rows).to_have_count(2)
    conflicted = rows.filter(has_text="REV-2026-001")
    conflicted.get_by_label("What is the conflict? (optional)").fill("I advised this team")
    conflicted.get_by_role("button", name="I have a conflict").click()
    expect(page.locator(".alert-success")).to_contain_text("conflict with REV-2026-001 is recorded")
    page.get_by_test_id("assignment-row").filter(has_text="REV-2026-002").get_by_role(
        "link", name="Open"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TOPICS["GEL"][0])
    page.get_by_role("group", name="Scientific merit").get_by_label("4").check()
    page.get_by_label("Comments to the applicant").fill("A clear plan; widen the test set.")
    page.get_by_role("button", name="Save draft").click()
    expect(page.locator(".alert-success")).to_contain_text("Your draft is saved")
    expect(page.get_by_role("group", name="Scientific merit").get_by_label("4")).to_be_checked()

    page.get_by_role("button", name="Submit").click()  # one criterion still unscored
    expect(
        page.get_by_test_id("error-score_" + str(_criterion_id(live_server, call_id, 2)))
    ).to_be_visible()
    page.get_by_role("group", name="Industry relevance").get_by_label("3").check()
    page.get_by_label("Recommendation").select_option("fund")
    page.get_by_role("group", name="Confidence").get_by_label("4").check()
    page.get_by_role("button", name="Submit").click()
    expect(page.locator(".alert-success")).to_contain_text("Your review is submitted")
    rhea = assignments_of(live_server, world["reviewer"])
    assert rhea == {
        proposals["ROB"]: AssignmentState.DECLINED,
        proposals["GEL"]: AssignmentState.SUBMITTED,
    }
    with live_server.app.app_context():
        assert (
            db.session.scalar(
                sa.select(Conflict.explanation).where(Conflict.proposal_id == proposals["ROB"])
            )
            == "I advised this team"
        )
        # Counted in this call: other browser tests share the live server's database.
        assert (
            db.session.scalar(
                sa.select(sa.func.count(Review.id))
                .join(Assignment, Assignment.id == Review.assignment_id)
                .where(Assignment.call_id == call_id)
            )
            == 1
        )
    page.get_by_role("button", name="Sign out").click()

    # The administrator sees the progress.
    sign_in(ADMIN)
    page.goto(f"/reviews/calls/{call_id}/progress")
    expect(page.get_by_test_id("submitted")).to_have_text("1 of 2 assigned")
    expect(page.get_by_test_id("completion-summary")).to_contain_text("1 of 2 reviews submitted")
    expect(page.get_by_test_id("short")).to_contain_text("REV-2026-001")
    page.screenshot(path=str(ARTIFACTS_DIR / "review-progress.png"), full_page=True)
    browser_log.assert_clean()


def _criterion_id(live_server, call_id: int, position: int) -> int:
    with live_server.app.app_context():
        return db.session.scalar(
            sa.select(Criterion.id).where(
                Criterion.call_id == call_id, Criterion.position == position
            )
        )
