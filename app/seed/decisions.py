"""Demo of a call's whole life: last year's digital-manufacturing call, reviewed, ranked with
member interest, decided and released, two of its projects funded on last year's seed fund and
followed since (one progress report accepted, one overdue); and member interest on this year's
biomanufacturing call while it is in review.

Everything goes through the services (audit, notifications, state machines), with the clock set
back to when each step would have happened. A second run adds nothing.
"""

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa
from flask import current_app

from app import clock
from app.auth.models import Role, User
from app.awards import reports as report_services
from app.awards import services as award_services
from app.awards.models import Award, FundingSource
from app.awards.schedule import add_months
from app.awards.services import FundingLineValues
from app.calls import services as call_services
from app.calls.models import Call, CallState, MemberVisibility
from app.decisions import services as decision_services
from app.decisions.models import Outcome
from app.extensions import db
from app.interest import services as interest_services
from app.interest.models import InterestLevel
from app.interest.policy import organization_has_conflict
from app.members.models import Organization
from app.members.queries import fiscal_year, representative_contact
from app.proposals import services as proposal_services
from app.proposals.models import Proposal
from app.reviews import services as review_services
from app.reviews.models import Assignment
from app.seed.calls import (
    BIO_RUBRIC,
    CLOSED_CALL,
    DemoProposal,
    _add_rubric,
    _at,
    _find_call,
    _sponsor_ids,
    clock_at,
    ensure_researchers,
    submit_demo_proposal,
)
from app.seed.members import ensure_representative
from app.seed.reviews import REVIEWERS, ensure_reviewers, solve, write_review

PAST_CALL = "Digital manufacturing seed grants 2025–26"
# The reviewers of last year's call (no member affiliation, so no sponsor conflicts).
PAST_REVIEWERS = (
    "naomi.adeyemi@seedbed.test",
    "sofia.marquez@seedbed.test",
    "wei.chen@seedbed.test",
    "grace.okafor@seedbed.test",
)

PAST_PROPOSALS = [
    DemoProposal(
        "kwame",
        "Self-calibrating vision inspection for short-run electronics assembly",
        "Solder-joint inspection models are retrained for every new board. We learn a shared "
        "defect representation across boards and calibrate it from twenty labelled images, "
        "tested on member lines making fewer than 500 boards per run.",
        "machine vision, quality inspection, few-shot learning, electronics assembly",
        "Members running high-mix lines lose a day of inspection tuning per new product.",
        12,
        [
            ("personnel", "Postdoctoral researcher, 12 months", 68000),
            ("equipment", "Camera rig", 12000),
        ],
    ),
    DemoProposal(
        "elena",
        "Physics-informed digital twins of turbine blade coating lines",
        "Thermal-spray coating thickness drifts with nozzle wear. A reduced-order model of the "
        "spray plume, updated from in-line thickness gauges, predicts drift a shift ahead and "
        "suggests the offset to apply.",
        "digital twin, physics-informed machine learning, thermal spray, turbine manufacturing",
        "Cuts stripping and recoating of out-of-tolerance blades.",
        12,
        [
            ("personnel", "Graduate student, 12 months", 52000),
            ("computing", "Cluster time", 8000),
            ("travel", "Two plant visits", 6000),
        ],
    ),
    DemoProposal(
        "hana",
        "Federated anomaly detection across members' CNC fleets",
        "Members will not pool spindle data. We train anomaly detectors by federated learning "
        "with differential privacy over three members' machines, and measure what each gains "
        "over a detector trained on its own fleet.",
        "federated learning, anomaly detection, predictive maintenance, data privacy",
        "Shared learning without sharing data: the question every member asks.",
        12,
        [
            ("personnel", "Postdoctoral researcher, 9 months", 61000),
            ("computing", "Edge devices", 9000),
        ],
    ),
    DemoProposal(
        "tomas",
        "Reinforcement learning for energy-aware scheduling of heat-treatment furnaces",
        "Furnace schedules are built by hand each morning. A policy trained in simulation on "
        "two years of member furnace logs proposes batch orders that meet due dates with less "
        "energy, checked against the planners' own schedules.",
        "reinforcement learning, scheduling, energy efficiency, heat treatment",
        "Energy is the largest variable cost of heat treatment.",
        9,
        [("personnel", "Graduate student, 9 months", 45000), ("computing", "Cloud training", 7000)],
    ),
    DemoProposal(
        "marcus",
        "Augmented-reality work instructions authored from CAD and assembly video",
        "Writing AR work instructions takes weeks. We generate first drafts from the CAD "
        "assembly tree and one recorded assembly, and measure error rates of new operators "
        "using them.",
        "augmented reality, work instructions, computer vision, assembly",
        "New-product introductions wait on instruction writing.",
        12,
        [("personnel", "Research engineer, 12 months", 72000), ("equipment", "Headsets", 8000)],
    ),
    DemoProposal(
        "rosa",
        "Sensor fusion for early detection of tool wear in micro-milling",
        "Acoustic emission, spindle current and vibration each see tool wear late. We fuse "
        "them with a small model running at the machine and test it on members' micro-milling "
        "of medical parts.",
        "sensor fusion, tool wear, edge computing, micro-milling",
        "Broken micro-tools scrap expensive medical parts.",
        12,
        [
            ("personnel", "Postdoctoral researcher, 10 months", 58000),
            ("materials", "Tools and workpieces", 10000),
        ],
    ),
]


def ensure_past_call(admin: User, researchers: dict[str, User], today: date) -> Call:
    """Create last year's call and its six proposals, submitted and closed, unless it exists."""
    call = _find_call(PAST_CALL)
    if call is not None:
        return call
    opens_at = _at(today - timedelta(days=420), 14)
    closes_at = _at(today - timedelta(days=360), 21)
    with clock_at(opens_at - timedelta(days=10)):
        call = call_services.create_call(
            actor=admin,
            title=PAST_CALL,
            theme="Digital manufacturing",
            description="Seed projects on data, models and automation for members' plants.",
            eligibility="Faculty of the consortium's universities may apply as PI.",
            reference_prefix="DMF",
            opens_at=opens_at,
            closes_at=closes_at,
            review_deadline=closes_at + timedelta(days=30),
            total_budget=Decimal("250000"),
            max_award=Decimal("100000"),
            reviews_per_proposal=3,
            is_blind=False,
            member_visibility=MemberVisibility.TITLES_ABSTRACTS,
        )
        _add_rubric(call, BIO_RUBRIC, admin)
    with clock_at(opens_at):
        call_services.open_call(call, actor=admin)
    sponsors = _sponsor_ids()
    for number, demo in enumerate(PAST_PROPOSALS):
        applicant = researchers[demo.researcher]
        submit_demo_proposal(
            call,
            demo,
            applicant,
            sponsors,
            started=opens_at + timedelta(days=6 + 7 * number, hours=number),
            submitted=opens_at + timedelta(days=9 + 7 * number, hours=number),
        )
    with clock_at(closes_at + timedelta(minutes=5)):
        call_services.close_call(call, actor=admin)
    return call


def _proposals(call: Call) -> list[Proposal]:
    return list(
        db.session.scalars(
            sa.select(Proposal).where(Proposal.call_id == call.id).order_by(Proposal.reference)
        )
    )


def ensure_past_reviews(call: Call, reviewers: dict[str, User], admin: User) -> None:
    """Review last year's call: an exact assignment of four reviewers, every review submitted."""
    if db.session.scalar(
        sa.select(sa.func.count(Assignment.id)).where(Assignment.call_id == call.id)
    ):
        return
    started = call.closes_at + timedelta(hours=17)
    with clock_at(started):
        proposal_services.begin_review(call, actor=admin)
        for email in PAST_REVIEWERS:
            review_services.add_to_pool(call, reviewers[email], actor=admin)
        review_services.detect_conflicts(call, actor=admin)
    proposals = _proposals(call)
    index_of = {proposal.id: number for number, proposal in enumerate(proposals)}
    pool = [reviewers[email].id for email in PAST_REVIEWERS]
    result = solve(call, proposals, pool)
    by_id = {proposal.id: proposal for proposal in proposals}
    with clock_at(started + timedelta(days=1)):
        pairs = [
            (by_id[proposal_id], db.session.get(User, reviewer_id))
            for proposal_id, reviewer_id in sorted(result.pairs)
        ]
        assignments = review_services.assign_reviewers(pairs, actor=admin)
    demos = {reviewers[d.email].id: d for d in REVIEWERS}
    readers: dict[int, int] = {}
    for serial, assignment in enumerate(assignments):
        reader = readers[assignment.proposal_id] = readers.get(assignment.proposal_id, -1) + 1
        with clock_at(started + timedelta(days=4 + serial % 20, hours=serial % 9)):
            write_review(
                assignment,
                demos[assignment.reviewer_id],
                index_of[assignment.proposal_id],
                reader,
                submit=True,
            )


# Representatives answering for their organizations (the demo member speaks for Siemens).
REPRESENTATIVES = {
    "Siemens": ("member@seedbed.test", "Mia Member", "Europe/Berlin"),
    "Amgen": ("lucia.ortiz@seedbed.test", "Lucia Ortiz", "America/Los_Angeles"),
    "GE Vernova": ("samuel.okoro@seedbed.test", "Samuel Okoro", "America/New_York"),
}
# (proposal index, organization, level, comment)
PAST_INTEREST = [
    (0, "Siemens", InterestLevel.WOULD_COFUND, "We would co-fund a pilot on our Amberg line."),
    (0, "Amgen", InterestLevel.INTERESTED, "Relevant to our device assembly suppliers."),
    (1, "Siemens", InterestLevel.WOULD_MENTOR, "Our gas-turbine coating team can advise."),
    (2, "Siemens", InterestLevel.INTERESTED, ""),
    (2, "Amgen", InterestLevel.NOT_RELEVANT, ""),
    (3, "Amgen", InterestLevel.NOT_RELEVANT, ""),
    (5, "Amgen", InterestLevel.WOULD_MENTOR, "Micro-milled parts are in two of our devices."),
    (5, "Siemens", InterestLevel.INTERESTED, ""),
]
# (proposal index, outcome, amount or None, comments to the applicant)
PAST_DECISIONS = [
    (
        0,
        Outcome.AWARD,
        "80000",
        "Funded in full. The committee asks for a pilot plan with "
        "Siemens by the first progress report.",
    ),
    (
        1,
        Outcome.DECLINE,
        None,
        "A strong idea the committee could not fund this round; "
        "please consider resubmitting with coating data from a member plant.",
    ),
    (
        2,
        Outcome.DECLINE,
        None,
        "The committee was not convinced the privacy budget leaves "
        "useful detectors; a smaller first study would help.",
    ),
    (3, Outcome.WAITLIST, None, "Ranked just below the funding line: funded if money frees."),
    (
        4,
        Outcome.DECLINE,
        None,
        "The reviewers disagreed on feasibility; please address the "
        "authoring-time estimate in a resubmission.",
    ),
    (5, Outcome.AWARD, "68000", "Funded in full. Congratulations."),
]
PROGRESS_TEXT = """\
**Progress at six months.** The shared defect representation is trained on 14 board types
from two members' lines; calibrating a new board from 20 labelled images reaches 96% recall
on solder bridges (the hand-tuned baseline: 91%).

**Outputs.** A workshop paper (accepted); the labelled dataset shared with members under the
consortium's data agreement; a pilot on Siemens' Amberg line scheduled for next quarter.
"""


def ensure_representatives(ensure_user: Callable[..., User], admin: User) -> dict[str, User]:
    """Return a representative account per answering organization, linked once."""
    organizations = dict(
        db.session.execute(
            sa.select(Organization.name, Organization).where(Organization.name.in_(REPRESENTATIVES))
        ).all()
    )
    result = {}
    for name, (email, person, zone) in REPRESENTATIVES.items():
        user = ensure_user(email, person, [Role.MEMBER], zone)
        ensure_representative(organizations[name], user, admin)
        result[name] = user
    return result


def _answer(proposal: Proposal, user: User, level: InterestLevel, comment: str) -> None:
    organization = representative_contact(user).organization
    if organization_has_conflict(organization, proposal):
        return
    if interest_services.current_answer(proposal, organization) is None:
        interest_services.record_interest(
            proposal,
            organization,
            actor=user,
            level=level,
            comment=comment,
            expected_version=None,
        )


def ensure_past_interest(call: Call, representatives: dict[str, User]) -> None:
    """Record the members' answers on last year's proposals, in the weeks of the review."""
    proposals = _proposals(call)
    for number, (index, organization, level, comment) in enumerate(PAST_INTEREST):
        with clock_at(call.closes_at + timedelta(days=5 + number, hours=3)):
            _answer(proposals[index], representatives[organization], level, comment)


def ensure_past_decisions(call: Call, admin: User) -> None:
    """Stage last year's decisions, then release them together (the call becomes decided)."""
    if call.state != CallState.IN_REVIEW:
        return
    proposals = _proposals(call)
    staged_at = call.closes_at + timedelta(days=26)
    for number, (index, outcome, amount, comments) in enumerate(PAST_DECISIONS):
        with clock_at(staged_at + timedelta(minutes=7 * number)):
            decision_services.stage_decision(
                proposals[index],
                actor=admin,
                outcome=outcome,
                amount=Decimal(amount) if amount else None,
                rationale="Committee meeting of the review's last week.",
                comments_to_applicant=comments,
                expected_version=None,
            )
    with clock_at(staged_at + timedelta(days=2)):
        decision_services.release_decisions(call, actor=admin)


def ensure_awards(call: Call, admin: User) -> None:
    """Fund the two awarded proposals on last year's seed fund (the first also co-funded by
    Siemens); the first project's progress report is in and accepted, the second's overdue."""
    proposals = _proposals(call)
    first, second = proposals[0], proposals[5]
    if db.session.scalar(sa.select(sa.func.count(Award.id)).where(Award.proposal_id == first.id)):
        return
    created = call.decided_at + timedelta(days=8)
    starts_on = created.date() + timedelta(days=14)
    year = fiscal_year(starts_on, current_app.config["FISCAL_YEAR_START_MONTH"]).label_year
    siemens = db.session.scalar(sa.select(Organization).where(Organization.name == "Siemens"))
    with clock_at(created):
        funded = award_services.create_award(
            first,
            actor=admin,
            amount=Decimal("80000"),
            starts_on=starts_on,
            ends_on=add_months(starts_on, 12),
            report_interval_months=6,
            lines=[
                FundingLineValues(FundingSource.POOL, Decimal("60000"), fiscal_year=year),
                FundingLineValues(
                    FundingSource.MEMBER, Decimal("20000"), organization_id=siemens.id
                ),
            ],
        )
        late = award_services.create_award(
            second,
            actor=admin,
            amount=Decimal("68000"),
            starts_on=starts_on,
            ends_on=add_months(starts_on, 12),
            report_interval_months=6,
            lines=[FundingLineValues(FundingSource.POOL, Decimal("68000"), fiscal_year=year)],
        )
    db.session.flush()
    report = funded.reports[0]
    with clock_at(_at(report.due_on - timedelta(days=3), 16)):
        report_services.submit_report(report, actor=first.applicant, text=PROGRESS_TEXT)
    with clock_at(_at(report.due_on + timedelta(days=4), 10)):
        report_services.accept_report(report, actor=admin)
    _ = late  # its progress report falls due and is not sent: overdue


# This year's biomanufacturing call, in review: what members think of it so far.
INTEREST_IN_REVIEW = [
    (0, "Amgen", InterestLevel.WOULD_COFUND, "Titer prediction is on our roadmap for 2027."),
    (0, "Siemens", InterestLevel.INTERESTED, "Our process analytics team would follow it."),
    (1, "Amgen", InterestLevel.WOULD_MENTOR, ""),
    (2, "GE Vernova", InterestLevel.NOT_RELEVANT, ""),
    (3, "Siemens", InterestLevel.WOULD_MENTOR, "Our MES team can share batch-record data."),
    (5, "Amgen", InterestLevel.INTERESTED, ""),
]


def ensure_interest_in_review(representatives: dict[str, User]) -> None:
    """Record some answers about this year's biomanufacturing proposals (some are left to the
    demo member)."""
    call = _find_call(CLOSED_CALL)
    if call is None or call.state != CallState.IN_REVIEW:
        return
    proposals = _proposals(call)
    for index, organization, level, comment in INTEREST_IN_REVIEW:
        if index < len(proposals):
            _answer(proposals[index], representatives[organization], level, comment)


def seed_decisions(*, admin: User, ensure_user: Callable[..., User]) -> None:
    """Load last year's decided call and its awards, and member interest in this year's call.

    `ensure_user` is app.seed.demo.ensure_user (passed in: demo.py imports this module).
    """
    today = clock.today()
    researchers = ensure_researchers(ensure_user)
    reviewers = ensure_reviewers(ensure_user, admin)
    call = ensure_past_call(admin, researchers, today)
    ensure_past_reviews(call, reviewers, admin)
    representatives = ensure_representatives(ensure_user, admin)
    ensure_past_interest(call, representatives)
    ensure_past_decisions(call, admin)
    ensure_awards(call, admin)
    ensure_interest_in_review(representatives)
