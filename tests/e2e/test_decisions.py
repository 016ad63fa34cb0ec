"""A member representative records interest; an administrator reviews the ranking, accepts the
suggested set, stages and releases decisions and creates the award; the researcher sees the
award and the comments; the representative later sees the funded project."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from app import clock
from app.awards.models import Award
from app.calls.models import CallState, MemberVisibility
from app.decisions.models import Decision
from app.extensions import db
from app.interest.models import InterestLevel, MemberInterest
from app.members.queries import fiscal_year
from app.notifications.models import Notification
from app.proposals.models import Proposal, ProposalState
from app.reviews import services as review_services
from app.reviews.models import Recommendation
from tests.e2e.conftest import ARTIFACTS_DIR
from tests.factories import (
    CallFactory,
    OrganizationFactory,
    ProposalFactory,
    TermFactory,
    TierFactory,
    UserFactory,
    representative,
)

pytestmark = [pytest.mark.e2e, pytest.mark.no_isolation]

ADMIN = "dora.decisions@example.edu"
RESEARCHER = "rafael.pi@example.edu"
REPRESENTATIVE = "mia.member@example.com"
REVIEWER_NAMES = ("Reva Strong", "Rolf Harsh")
# title, requested, the two reviewers' scores per criterion
PROPOSALS = {
    "DEC-2026-001": ("Self-healing coatings for offshore turbines", "30000", (5, 4)),
    "DEC-2026-002": ("Acoustic monitoring of weld seams", "25000", (4, 4)),
    "DEC-2026-003": ("Blockchain for spare-part provenance", "20000", (2, 2)),
}


def arrange(live_server) -> dict:
    """A call in review, open to members, with three proposals each scored by two reviewers,
    and an active member with a seed commitment this fiscal year."""
    with live_server.app.app_context():
        now, today = clock.now(), clock.today()
        admin = UserFactory(admin=True, email=ADMIN, name="Dora Decisions")
        researcher = UserFactory(researcher=True, email=RESEARCHER, name="Rafael Pi")
        year = fiscal_year(today, live_server.app.config["FISCAL_YEAR_START_MONTH"])
        member = OrganizationFactory(name="Northwind Robotics", tier=TierFactory(votes=2))
        TermFactory(
            organization=member,
            starts_on=year.starts_on,
            ends_on=year.starts_on + timedelta(days=364),
            seed_commitment=Decimal("200000"),
        )
        representative(member, email=REPRESENTATIVE, name="Mia Member")
        call = CallFactory(
            title="E2E Decisions round",
            reference_prefix="DEC",
            state=CallState.IN_REVIEW,
            opens_at=now - timedelta(days=40),
            closes_at=now - timedelta(days=2),
            closed_at=now - timedelta(days=2),
            review_started_at=now - timedelta(days=1),
            review_deadline=now + timedelta(days=14),
            total_budget=Decimal("60000"),
            max_award=Decimal("40000"),
            reviews_per_proposal=2,
            member_visibility=MemberVisibility.TITLES_ABSTRACTS,
        )
        reviewers = [UserFactory(reviewer=True, name=name) for name in REVIEWER_NAMES]
        ids = {}
        for reference, (title, requested, scores) in PROPOSALS.items():
            proposal = ProposalFactory(
                call=call,
                applicant=researcher if reference.endswith("001") else UserFactory(researcher=True),
                complete=True,
                budget=[requested],
                title=title,
                state=ProposalState.UNDER_REVIEW,
                submitted_at=now - timedelta(days=3),
                first_submitted_at=now - timedelta(days=3),
                reference=reference,
            )
            ids[reference] = proposal.id
            for reviewer, score in zip(reviewers, scores, strict=True):
                assignment = review_services.assign_reviewer(
                    proposal, reviewer, actor=admin, notify=False
                )
                review_services.save_review(
                    assignment,
                    review_services.ReviewValues(
                        scores={criterion.id: score for criterion in call.criteria},
                        recommendation=Recommendation.FUND
                        if score >= 4
                        else Recommendation.DO_NOT_FUND,
                        confidence=4,
                        comments_to_applicant=f"{reference}: a strong industrial case."
                        if score >= 4
                        else f"{reference}: the method needs work.",
                        confidential_comments="Between us: the team is stretched.",
                    ),
                    actor=reviewer,
                )
                review_services.submit_review(assignment, actor=reviewer)
        db.session.commit()
        return {"call": call.id, "proposals": ids}


def flashed(page: Page, text: str) -> None:
    expect(page.locator(".alert-success")).to_contain_text(text)


def test_rank_decide_release_award_and_follow(page: Page, live_server, sign_in, browser_log):
    world = arrange(live_server)
    call_id, proposals = world["call"], world["proposals"]
    first = proposals["DEC-2026-001"]
    ARTIFACTS_DIR.mkdir(exist_ok=True)

    # The member representative says the company would co-fund the first proposal.
    sign_in(REPRESENTATIVE)
    page.goto(f"/interest/calls/{call_id}")
    card = page.get_by_test_id("member-proposal").filter(has_text=PROPOSALS["DEC-2026-001"][0])
    card.get_by_label("Would co-fund").check()
    card.get_by_label("Comment").fill("Our offshore team would co-fund a pilot.")
    card.get_by_role("button", name="Save the answer").click()
    card = page.get_by_test_id("member-proposal").filter(has_text=PROPOSALS["DEC-2026-001"][0])
    expect(card.get_by_test_id("current-answer")).to_contain_text("Would co-fund")
    page.get_by_role("button", name="Sign out").click()

    # The administrator reviews the ranking and accepts the suggested set.
    sign_in(ADMIN)
    page.goto(f"/decisions/calls/{call_id}/ranking")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Ranking")
    page.screenshot(path=str(ARTIFACTS_DIR / "ranking.png"), full_page=True)
    page.get_by_role("button", name="Accept suggested set").click()
    page.wait_for_url(re.compile(rf"/decisions/calls/{call_id}$"))
    expect(page.get_by_test_id("counts")).to_contain_text("Award 2")

    # … adds a word for the first applicant and declines the third proposal.
    page.goto(f"/decisions/proposals/{first}")
    page.get_by_label("Comments to the applicant").fill("Congratulations: please meet Northwind.")
    page.get_by_role("button", name="Stage decision").click()
    page.goto(f"/decisions/proposals/{proposals['DEC-2026-003']}")
    page.get_by_label("Decline").check()
    page.get_by_label("Comments to the applicant").fill("Not funded this round.")
    page.get_by_role("button", name="Stage decision").click()
    page.goto(f"/decisions/calls/{call_id}")
    expect(page.get_by_test_id("counts")).to_contain_text("Award 2 · decline 1")
    assert _states(live_server, proposals) == {ProposalState.UNDER_REVIEW}  # staged only

    page.get_by_label(re.compile("I have checked the decisions")).check()
    page.get_by_role("button", name="Release decisions").click()
    expect(page.locator(".alert-success")).to_be_visible()
    assert _states(live_server, proposals) == {
        ProposalState.AWARDED,
        ProposalState.DECLINED,
    }

    # … and creates the award on this year's seed fund.
    page.goto(f"/awards/proposals/{first}/new")
    page.get_by_role("button", name="Create award").click()
    flashed(page, "Award of")
    page.get_by_role("button", name="Sign out").click()

    # The researcher sees the award and the comments, without reviewer names.
    sign_in(RESEARCHER)
    page.goto(f"/proposals/{first}")
    decision = page.get_by_test_id("released-decision")
    expect(decision.get_by_test_id("decision-outcome")).to_have_text("Awarded")
    expect(decision).to_contain_text("Congratulations: please meet Northwind.")
    expect(decision).to_contain_text("DEC-2026-001: a strong industrial case.")
    for hidden in (*REVIEWER_NAMES, "Between us"):
        expect(decision).not_to_contain_text(hidden)
    page.screenshot(path=str(ARTIFACTS_DIR / "decision-released.png"), full_page=True)
    page.goto("/awards/mine")
    expect(page.locator("main")).to_contain_text(PROPOSALS["DEC-2026-001"][0])
    page.get_by_role("button", name="Sign out").click()

    # The representative follows the funded project.
    sign_in(REPRESENTATIVE)
    page.goto("/interest/funded")
    expect(page.get_by_test_id("funded-project")).to_contain_text(PROPOSALS["DEC-2026-001"][0])
    browser_log.assert_clean()

    with live_server.app.app_context():
        # Counted in this call: other browser tests share the live server's database.
        assert (
            db.session.scalar(
                sa.select(sa.func.count(Award.id)).where(Award.proposal_id.in_(proposals.values()))
            )
            == 1
        )
        assert (
            db.session.scalar(
                sa.select(sa.func.count(Decision.id)).where(Decision.call_id == call_id)
            )
            == 3
        )
        answer = db.session.scalar(
            sa.select(MemberInterest).where(MemberInterest.proposal_id == first)
        )
        assert answer.level == InterestLevel.WOULD_COFUND
        released = db.session.scalars(
            sa.select(Notification.body_text).where(
                Notification.kind == "decision_released",
                Notification.body_text.contains("DEC-2026-"),
            )
        ).all()
        assert len(released) == 3
        assert not any(name in body for body in released for name in REVIEWER_NAMES)


def _states(live_server, proposals: dict[str, int]) -> set[ProposalState]:
    with live_server.app.app_context():
        return set(
            db.session.scalars(sa.select(Proposal.state).where(Proposal.id.in_(proposals.values())))
        )
