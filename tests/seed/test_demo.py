"""`flask seed demo`: the demo membership, calls, proposals and review are complete, realistic
and loaded only once."""

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app import clock
from app.auth.models import Role, User
from app.calls.models import Call, CallState, MemberVisibility
from app.extensions import db
from app.members.models import (
    Invoice,
    InvoiceStatus,
    MembershipStatus,
    Organization,
    Tier,
)
from app.members.queries import representative_contact, statuses
from app.proposals.models import Proposal, ProposalState
from app.proposals.services import attachment_path
from app.reviews.models import (
    Assignment,
    AssignmentState,
    CallReviewer,
    Conflict,
    ConflictSource,
    ConflictStatus,
    ReviewerProfile,
)
from app.reviews.scoring import weighted_total
from app.seed.queries import demo_data_loaded
from app.uploads import is_pdf

TODAY = date(2026, 6, 15)
FOUNDING = {
    "Amgen": ("Biotechnology", "United States"),
    "Flextronics International USA": ("Electronics manufacturing", "United States"),
    "GE Vernova": ("Energy", "United States"),
    "PTC": ("Industrial software", "United States"),
    "Sanofi": ("Pharmaceuticals", "France"),
    "Siemens": ("Industrial technology", "Germany"),
}


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: datetime(2026, 6, 15, 16, 0, tzinfo=UTC))


def row_counts() -> dict[str, int]:
    return {
        table.name: db.session.scalar(sa.select(sa.func.count()).select_from(table))
        for table in db.metadata.sorted_tables
    }


@pytest.fixture
def seeded(app):
    result = app.test_cli_runner().invoke(args=["seed", "demo"])
    assert result.exit_code == 0, result.output
    return result


def organization(name: str) -> Organization:
    return db.session.scalar(sa.select(Organization).where(Organization.name == name))


def test_a_second_run_adds_nothing(app, seeded):
    first = row_counts()

    again = app.test_cli_runner().invoke(args=["seed", "demo"])

    assert again.exit_code == 0, again.output
    assert row_counts() == first
    assert first["organizations"] == 12
    assert first["invoices"] > 0 and first["audit_events"] > 0
    assert (first["call_reviewers"], first["assignments"]) == (12, 54)
    assert first["reviews"] > 0 and first["conflicts"] > 0


def test_the_tiers_have_their_fees_seats_and_votes(seeded):
    tiers = {
        tier.name: (tier.annual_fee, tier.representatives_allowed, tier.votes, bool(tier.benefits))
        for tier in db.session.scalars(sa.select(Tier))
    }

    assert tiers == {
        "Founding": (250000, 3, 3, True),
        "Sustaining": (100000, 2, 2, True),
        "Associate": (50000, 1, 1, True),
        "Startup": (10000, 1, 1, True),
    }


@pytest.mark.parametrize("name", FOUNDING)
def test_the_six_founding_members_are_active_paid_up_and_committed(seeded, name):
    member = organization(name)

    assert (member.sector, member.country) == FOUNDING[name]
    assert member.tier.name == "Founding"
    assert statuses(TODAY, 60)[member.id] == MembershipStatus.ACTIVE
    current = [term for term in member.terms if term.starts_on <= TODAY <= term.ends_on]
    assert len(current) == 1 and current[0].seed_commitment > 0
    assert member.invoices and all(i.status == InvoiceStatus.PAID for i in member.invoices)
    assert member.contacts


def test_the_other_members_cover_every_state(seeded):
    by_name = {
        org.name: statuses(TODAY, 60)[org.id]
        for org in db.session.scalars(sa.select(Organization))
        if org.name not in FOUNDING
    }
    overdue = db.session.scalars(
        sa.select(Invoice).where(Invoice.status == InvoiceStatus.ISSUED, Invoice.due_on < TODAY)
    ).all()

    assert set(by_name.values()) == {
        MembershipStatus.ACTIVE,
        MembershipStatus.GRACE,
        MembershipStatus.LAPSED,
        MembershipStatus.PROSPECT,
    }
    assert [invoice.organization.name for invoice in overdue] == ["Tidewater Aerospace"]
    used_tiers = db.session.scalars(sa.select(Tier.name).join(Organization).distinct())
    assert set(used_tiers) == {"Founding", "Sustaining", "Associate", "Startup"}
    without_contacts = db.session.scalars(
        sa.select(Organization.name).where(~Organization.contacts.any())
    )
    assert list(without_contacts) == []


def test_the_demo_member_represents_siemens(seeded):
    member = db.session.scalar(sa.select(User).where(User.email == "member@seedbed.test"))

    contact = representative_contact(member)

    assert contact.organization.name == "Siemens"


def test_the_pages_say_the_figures_are_illustrative(seeded, login):
    admin = db.session.scalar(sa.select(User).where(User.email == "admin@seedbed.test"))
    member = db.session.scalar(sa.select(User).where(User.email == "member@seedbed.test"))

    assert demo_data_loaded()
    assert "Demonstration data" in login(admin).get("/admin/members/dashboard").get_data(True)
    portal = login(member).get("/portal/").get_data(as_text=True)
    assert "Demonstration data" in portal and "Siemens" in portal


# Calls and proposals


def call_titled(title: str) -> Call:
    return db.session.scalar(sa.select(Call).where(Call.title == title))


def test_the_open_call_takes_proposals_for_six_weeks_with_a_four_part_rubric(seeded):
    call = call_titled("AI for manufacturing seed grants")

    assert (call.state, call.theme, call.reference_prefix) == (
        CallState.OPEN,
        "AI for manufacturing",
        "AIM",
    )
    assert timedelta(days=41) < call.closes_at - clock.now() < timedelta(days=43)
    assert (call.total_budget, call.max_award, call.reviews_per_proposal) == (1500000, 150000, 3)
    assert call.member_visibility == MemberVisibility.TITLES_ABSTRACTS
    assert "**" in call.description and call.eligibility.startswith("- ")
    rubric = [(c.name, c.weight, c.scale_min, c.scale_max) for c in call.criteria]
    assert rubric == [
        ("Scientific merit", Decimal("0.35"), 1, 5),
        ("Industry relevance", Decimal("0.30"), 1, 5),
        ("Feasibility and team", Decimal("0.20"), 1, 5),
        ("Potential for follow-on funding", Decimal("0.15"), 1, 5),
    ]
    assert all(criterion.guidance for criterion in call.criteria)


def test_the_closed_call_has_a_dozen_proposals_submitted_before_its_deadline_in_review(app, seeded):
    call = call_titled("Biomanufacturing seed grants")
    proposals = db.session.scalars(
        sa.select(Proposal).where(Proposal.call_id == call.id).order_by(Proposal.reference)
    ).all()

    assert call.state == CallState.IN_REVIEW and call.closes_at < call.review_started_at
    assert call.review_started_at < clock.now() < call.review_deadline
    assert [p.reference for p in proposals] == [
        f"BIO-{call.opens_at.year}-{n:03d}" for n in range(1, 13)
    ]
    assert {p.state for p in proposals} == {ProposalState.UNDER_REVIEW}
    assert all(call.opens_at < p.submitted_at <= call.closes_at for p in proposals)
    assert all(
        len(p.versions) == 1 and p.versions[0].submitted_at == p.submitted_at for p in proposals
    )
    assert len({p.applicant_id for p in proposals}) >= 5
    assert len({p.department for p in proposals}) >= 4
    amounts = [p.requested_amount for p in proposals]
    assert max(amounts) <= call.max_award
    assert min(amounts) < call.max_award / 3 and sum(a >= 140000 for a in amounts) >= 3
    assert all(p.keyword_list and p.budget_lines for p in proposals)
    assert sum(bool(p.co_investigators) for p in proposals) >= 8
    assert sum(bool(p.sponsors) for p in proposals) >= 8


def test_each_submitted_proposal_has_a_small_valid_pdf(app, seeded):
    proposals = db.session.scalars(sa.select(Proposal).where(Proposal.reference.is_not(None)))

    for proposal in proposals:
        attachment = proposal.current_attachment
        data = attachment_path(attachment).read_bytes()
        assert is_pdf(data) and len(data) == attachment.size < 4096
        assert proposal.title.encode() in data
        start = int(data.rsplit(b"startxref\n", 1)[1].split(b"\n", 1)[0])
        assert data[start:].startswith(b"xref\n0 6\n")


def test_the_demo_researcher_has_a_draft_a_submitted_proposal_and_last_years_award(seeded):
    researcher = db.session.scalar(sa.select(User).where(User.email == "researcher@seedbed.test"))
    mine = db.session.scalars(
        sa.select(Proposal).where(Proposal.applicant_id == researcher.id).order_by(Proposal.id)
    ).all()

    assert [(p.call.title, p.state) for p in mine] == [
        ("Biomanufacturing seed grants", ProposalState.UNDER_REVIEW),
        ("AI for manufacturing seed grants", ProposalState.DRAFT),
        ("Digital manufacturing seed grants 2025–26", ProposalState.AWARDED),
    ]
    assert mine[1].title and mine[1].requested_amount > 0


def test_the_clock_is_given_back_after_seeding(seeded):
    assert clock.now() == datetime(2026, 6, 15, 16, 0, tzinfo=UTC)


# Review of the closed call


def closed_call_assignments() -> list[Assignment]:
    call = call_titled("Biomanufacturing seed grants")
    return db.session.scalars(
        sa.select(Assignment).where(Assignment.call_id == call.id).order_by(Assignment.id)
    ).all()


def test_the_closed_call_has_a_pool_of_reviewers_with_profiles(seeded):
    call = call_titled("Biomanufacturing seed grants")
    pool = db.session.scalars(sa.select(CallReviewer).where(CallReviewer.call_id == call.id)).all()
    profiles = {
        profile.user_id: profile
        for profile in db.session.scalars(
            sa.select(ReviewerProfile).where(
                ReviewerProfile.user_id.in_([member.user_id for member in pool])
            )
        )
    }

    assert len(pool) == 8
    assert "reviewer@seedbed.test" in {member.user.email for member in pool}
    assert all(member.user.has_role(Role.REVIEWER) for member in pool)
    assert all(profiles[m.user_id].expertise.count(",") >= 4 for m in pool)
    assert len({profiles[m.user_id].department for m in pool}) == 8
    organizations = {p.organization.name for p in profiles.values() if p.organization}
    assert organizations == {"Amgen", "Sanofi", "Siemens"}


def test_the_rules_found_conflicts_and_no_one_reviews_across_one(seeded):
    call = call_titled("Biomanufacturing seed grants")
    conflicts = db.session.scalars(
        sa.select(Conflict).join(Conflict.proposal).where(Proposal.call_id == call.id)
    ).all()
    blocked = {(c.proposal_id, c.reviewer_id) for c in conflicts}

    assert {c.source for c in conflicts} >= {
        ConflictSource.SAME_DEPARTMENT,
        ConflictSource.SPONSOR_ORGANIZATION,
    }
    assert {c.status for c in conflicts} == {ConflictStatus.CONFIRMED}
    assert not blocked & {(a.proposal_id, a.reviewer_id) for a in closed_call_assignments()}


def test_every_proposal_has_its_reviewers_within_their_loads(seeded):
    call = call_titled("Biomanufacturing seed grants")
    assignments = closed_call_assignments()
    per_proposal = Counter(a.proposal_id for a in assignments)
    per_reviewer = Counter(a.reviewer_id for a in assignments)
    limits = {
        member.user_id: db.session.scalar(
            sa.select(ReviewerProfile.max_load).where(ReviewerProfile.user_id == member.user_id)
        )
        for member in db.session.scalars(
            sa.select(CallReviewer).where(CallReviewer.call_id == call.id)
        )
    }

    assert set(per_proposal.values()) == {call.reviews_per_proposal}
    assert len(per_proposal) == 12
    assert all(per_reviewer[user_id] <= limit for user_id, limit in limits.items())
    assert {a.state for a in assignments} == {AssignmentState.ASSIGNED, AssignmentState.SUBMITTED}


def test_the_reviews_are_a_mix_of_submitted_drafts_and_untouched(seeded):
    call = call_titled("Biomanufacturing seed grants")
    assignments = closed_call_assignments()
    submitted = [a.review for a in assignments if a.state == AssignmentState.SUBMITTED]
    drafts = [a.review for a in assignments if a.review and not a.review.submitted_at]
    untouched = [a for a in assignments if a.review is None]
    applicants = {p.applicant.name for p in call_proposals(call)}

    assert len(submitted) >= 18 and len(drafts) >= 3 and len(untouched) >= 3
    for review in submitted:
        scores = {score.criterion_id: score.score for score in review.scores}
        assert set(scores) == {criterion.id for criterion in call.criteria}
        assert all(1 <= score <= 5 for score in scores.values())
        assert review.weighted_total == weighted_total(scores, call.criteria)
        assert review.recommendation and review.confidence and review.revision_count == 1
        assert review.comments_to_applicant and review.confidential_comments
        assert not any(name in review.comments_to_applicant for name in applicants)
        assert call.review_started_at < review.submitted_at < clock.now()
        assert review.submitted_at <= (review.assignment.due_at or call.review_deadline)
    assert all(draft.scores and draft.recommendation is None for draft in drafts)
    assert len({review.submitted_at.date() for review in submitted}) >= 10


def test_the_demo_reviewer_has_a_submitted_a_draft_and_an_untouched_assignment(seeded, login):
    reviewer = db.session.scalar(sa.select(User).where(User.email == "reviewer@seedbed.test"))
    mine = [a for a in closed_call_assignments() if a.reviewer_id == reviewer.id]

    states = Counter(
        "submitted"
        if a.state == AssignmentState.SUBMITTED
        else "draft"
        if a.review
        else "untouched"
        for a in mine
    )
    page = login(reviewer).get("/reviews/").get_data(as_text=True)

    assert min(states["submitted"], states["draft"], states["untouched"]) >= 1
    for status in ("submitted", "draft saved", "assigned"):
        assert f'data-status="{status}"' in page


def test_the_progress_page_shows_the_demo_review(seeded, login):
    admin = db.session.scalar(sa.select(User).where(User.email == "admin@seedbed.test"))
    call = call_titled("Biomanufacturing seed grants")
    assignments = closed_call_assignments()
    done = sum(a.state == AssignmentState.SUBMITTED for a in assignments)

    page = login(admin).get(f"/reviews/calls/{call.id}/progress").get_data(as_text=True)

    assert f"{done} of 36 reviews submitted" in page
    assert '<svg class="day-chart"' in page
    assert "Reviewers disagree" in page
    assert "Wei Chen" in page.split('id="overdue-heading"', 1)[1]


def call_proposals(call: Call) -> list[Proposal]:
    return db.session.scalars(sa.select(Proposal).where(Proposal.call_id == call.id)).all()


def test_last_years_call_is_decided_with_released_decisions_and_two_awards(seeded):
    from app.awards.models import Award, AwardState, ReportState
    from app.decisions.models import Decision
    from app.interest.models import MemberInterest
    from app.seed.decisions import PAST_CALL

    call = db.session.scalar(sa.select(Call).where(Call.title == PAST_CALL))
    decisions = db.session.scalars(sa.select(Decision).where(Decision.call_id == call.id)).all()
    states = Counter(
        db.session.scalars(sa.select(Proposal.state).where(Proposal.call_id == call.id))
    )
    awards = db.session.scalars(sa.select(Award).order_by(Award.id)).all()

    assert call.state == CallState.DECIDED
    assert len(decisions) == 6 and all(d.released_at for d in decisions)
    assert states == {
        ProposalState.AWARDED: 2,
        ProposalState.DECLINED: 3,
        ProposalState.WAITLISTED: 1,
    }
    assert [award.state for award in awards] == [AwardState.ACTIVE, AwardState.ACTIVE]
    assert sum(award.amount for award in awards) <= call.total_budget
    overdue = [
        report for award in awards for report in award.reports if report.is_overdue(clock.today())
    ]
    assert len(overdue) == 1
    assert awards[0].reports[0].state == ReportState.ACCEPTED
    assert awards[1].proposal.applicant.email == "researcher@seedbed.test"
    answered = db.session.scalars(
        sa.select(MemberInterest.proposal_id).join(Proposal).where(Proposal.call_id == call.id)
    ).all()
    assert answered


def test_members_answered_about_the_call_in_review(seeded):
    from app.interest.queries import tallies

    call = db.session.scalar(sa.select(Call).where(Call.title == "Biomanufacturing seed grants"))

    assert call.state == CallState.IN_REVIEW
    assert sum(tally.answers for tally in tallies(call.id).values()) >= 4
