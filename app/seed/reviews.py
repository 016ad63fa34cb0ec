"""Demo review of the closed biomanufacturing call: eight reviewers with expertise, their pool,
the conflicts the rules find, an exact automatic assignment, and reviews submitted, drafted or
not yet started, the demo reviewer's among them.

Everything goes through the review services (audit, notifications, revisions, weighted
totals); the clock is set back so that the review began the day after the call closed and the
reviews came in over the following weeks. Scores follow the call's rubric: each proposal has
a merit of its own, each reviewer a leaning of their own, and one proposal splits its readers.
A second run adds nothing: every step checks what exists first.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import sqlalchemy as sa

from app import clock
from app.auth.models import Role, User
from app.calls.models import Call, CallState
from app.extensions import db
from app.members.models import Organization
from app.proposals import services as proposal_services
from app.proposals.models import Proposal
from app.reviews import services
from app.reviews.assignment import (
    AssignmentProblem,
    AssignmentResult,
    solve_assignment,
    tfidf_affinity,
)
from app.reviews.models import (
    Assignment,
    CallReviewer,
    Conflict,
    ConflictStatus,
    Recommendation,
    ReviewerProfile,
)
from app.reviews.scoring import weighted_total
from app.seed.calls import CLOSED_CALL, clock_at

DEMO_REVIEWER = "reviewer@seedbed.test"
# The demo reviewer needs something in every state (submitted, draft, untouched).
DEMO_REVIEWER_MIN_LOAD = 4
# Spread the work: each further assignment of a reviewer costs this much affinity.
LOAD_PENALTY = 0.02


@dataclass(frozen=True)
class DemoReviewer:
    """A reviewer account with the profile they would fill in."""

    email: str
    name: str
    timezone: str
    department: str
    expertise: str
    affiliation: str
    organization: str | None = None  # a member's name
    max_load: int = 6
    # Their assignments are due earlier than the call's deadline (they asked: travel).
    due_days_before_today: int | None = None
    # Added to their scores, per criterion: some readers are harder to please.
    leaning: tuple[int, int, int] = (0, 0, 0)


REVIEWERS = [
    DemoReviewer(
        DEMO_REVIEWER,
        "Ravi Reviewer",
        "Europe/London",
        "Chemistry",
        "process analytical technology, Raman spectroscopy, chemometrics, soft sensors, "
        "hyperspectral imaging, bioprocess monitoring",
        "Reader in Analytical Chemistry, Kingsbridge University",
        max_load=5,
    ),
    DemoReviewer(
        "naomi.adeyemi@seedbed.test",
        "Naomi Adeyemi",
        "America/New_York",
        "Biological Engineering",
        "cell culture, CHO cells, perfusion, fed-batch, upstream processing, cell-free "
        "expression, bioreactor scale-up",
        "Associate Professor",
        leaning=(0, -1, 0),
    ),
    DemoReviewer(
        "henrik.larsen@seedbed.test",
        "Henrik Larsen",
        "Europe/Paris",
        "Drug Product Development",
        "lyophilization, fill-finish, aseptic processing, formulation, lipid nanoparticles, "
        "mRNA, process validation",
        "Sanofi",
        organization="Sanofi",
        max_load=5,
        leaning=(-1, 0, 0),
    ),
    DemoReviewer(
        "sofia.marquez@seedbed.test",
        "Sofia Márquez",
        "America/Chicago",
        "Mechanical Engineering",
        "computational fluid dynamics, mixing, scale-up, heat and mass transfer, digital twin, "
        "physics-informed machine learning",
        "Professor",
        leaning=(1, 0, 0),
    ),
    DemoReviewer(
        "wei.chen@seedbed.test",
        "Wei Chen",
        "America/Los_Angeles",
        "Electrical Engineering and Computer Science",
        "reinforcement learning, anomaly detection, federated learning, machine vision, "
        "sensor fusion, deep learning, data privacy",
        "Assistant Professor",
        due_days_before_today=2,
        leaning=(0, 0, -1),
    ),
    DemoReviewer(
        "fatima.haddad@seedbed.test",
        "Fatima Haddad",
        "America/Los_Angeles",
        "Process Development",
        "chromatography, downstream processing, protein A, host-cell proteins, proteomics, "
        "purification, resin lifetime",
        "Amgen",
        organization="Amgen",
        leaning=(0, 1, 0),
    ),
    DemoReviewer(
        "jakob.weiss@seedbed.test",
        "Jakob Weiss",
        "Europe/Berlin",
        "Digital Industries",
        "predictive maintenance, automation, sensor fusion, edge computing, batch records, "
        "manufacturing execution systems, clean-in-place",
        "Siemens",
        organization="Siemens",
        max_load=5,
    ),
    DemoReviewer(
        "grace.okafor@seedbed.test",
        "Grace Okafor",
        "America/New_York",
        "Materials Science and Engineering",
        "additive manufacturing, polymers, multilayer films, single-use systems, tissue "
        "scaffolds, optical coherence tomography, quality inspection",
        "Principal Research Scientist",
        leaning=(0, 0, 1),
    ),
]

# Each proposal's merit on the rubric (scientific merit, relevance, feasibility; 1-5), in the
# order of BIO_PROPOSALS (so by reference).
MERIT = [
    (4, 5, 4),
    (4, 4, 3),
    (3, 4, 4),
    (3, 5, 4),
    (4, 3, 3),
    (5, 4, 4),
    (4, 5, 3),
    (3, 3, 3),
    (3, 4, 3),
    (3, 2, 3),
    (4, 4, 4),
    (4, 3, 2),
]
# This proposal's readers disagree: alternately two points above and below its merit.
SPLIT_PROPOSAL = 4

STRENGTHS = [
    "The question is new for this setting and the evaluation plan is convincing.",
    "This is a problem members have on their lines today, and the data to attack it exist.",
    "The team, the plan and the budget fit together; the milestones are realistic.",
]
WEAKNESSES = [
    "The method is close to published work; say plainly what is new here.",
    "It is not yet clear which member would run a pilot or share data; name one if you can.",
    "The plan is ambitious for the time and money asked; a smaller first milestone would help.",
]
CONFIDENTIAL = {
    Recommendation.FUND: "A strong candidate; I would fund it in this round.",
    Recommendation.FUND_IF_POSSIBLE: "Sound but not exceptional; worth funding if money allows.",
    Recommendation.DO_NOT_FUND: "Not ready; I would encourage a stronger resubmission.",
}


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=UTC)


def _find_call() -> Call | None:
    return db.session.scalar(sa.select(Call).where(Call.title == CLOSED_CALL))


def ensure_reviewers(ensure_user: Callable[..., User], admin: User) -> dict[str, User]:
    """Return the demo reviewers by email, with their profiles filled in once."""
    organizations = dict(db.session.execute(sa.select(Organization.name, Organization.id)).all())
    reviewers = {}
    for demo in REVIEWERS:
        user = ensure_user(demo.email, demo.name, [Role.REVIEWER], demo.timezone)
        profile = db.session.scalar(
            sa.select(ReviewerProfile).where(ReviewerProfile.user_id == user.id)
        )
        # Only an empty profile is filled: what a demo user wrote since is theirs to keep.
        if profile is None or not profile.expertise:
            services.update_profile(
                user,
                actor=admin,
                expertise=demo.expertise,
                department=demo.department,
                affiliation=demo.affiliation,
                organization_id=organizations.get(demo.organization),
                max_load=demo.max_load,
            )
        reviewers[demo.email] = user
    return reviewers


def ensure_pool(call: Call, reviewers: dict[str, User], admin: User) -> None:
    """Put every demo reviewer in the call's pool (the demo reviewer with a minimum load)."""
    pooled = set(
        db.session.scalars(sa.select(CallReviewer.user_id).where(CallReviewer.call_id == call.id))
    )
    for email, user in reviewers.items():
        if user.id not in pooled:
            services.add_to_pool(
                call,
                user,
                actor=admin,
                min_load=DEMO_REVIEWER_MIN_LOAD if email == DEMO_REVIEWER else None,
            )


def _proposals(call: Call) -> list[Proposal]:
    return list(
        db.session.scalars(
            sa.select(Proposal)
            .where(Proposal.call_id == call.id, Proposal.state.in_(services.REVIEWABLE_STATES))
            .order_by(Proposal.reference)
        )
    )


def solve(call: Call, proposals: list[Proposal], reviewer_ids: list[int]) -> AssignmentResult:
    """Return the exact assignment of these pool reviewers to the call's proposals, with
    TF-IDF affinity of their expertise to each proposal's title, abstract and keywords."""
    members = db.session.execute(
        sa.select(CallReviewer, ReviewerProfile)
        .join(ReviewerProfile, ReviewerProfile.user_id == CallReviewer.user_id)
        .where(CallReviewer.call_id == call.id, CallReviewer.user_id.in_(reviewer_ids))
        .order_by(CallReviewer.user_id)
    ).all()
    conflicts = frozenset(
        (proposal_id, reviewer_id)
        for proposal_id, reviewer_id in db.session.execute(
            sa.select(Conflict.proposal_id, Conflict.reviewer_id)
            .join(Proposal, Proposal.id == Conflict.proposal_id)
            .where(Proposal.call_id == call.id, Conflict.status == ConflictStatus.CONFIRMED)
        )
    )
    texts = {p.id: f"{p.title}. {p.abstract} {p.keywords}" for p in proposals}
    expertise = {member.user_id: profile.expertise for member, profile in members}
    return solve_assignment(
        AssignmentProblem(
            proposals=[p.id for p in proposals],
            reviewers=[member.user_id for member, _ in members],
            affinity=tfidf_affinity(texts, expertise),
            reviews_per_proposal=call.reviews_per_proposal,
            max_load={
                member.user_id: member.max_load if member.max_load is not None else profile.max_load
                for member, profile in members
            },
            min_load={m.user_id: m.min_load for m, _ in members if m.min_load is not None},
            conflicts=conflicts,
            load_penalty=LOAD_PENALTY,
        )
    )


def _scores(call: Call, proposal_index: int, demo: DemoReviewer, reader: int) -> dict[int, int]:
    merit = MERIT[proposal_index % len(MERIT)]
    swing = (2 if reader % 2 == 0 else -2) if proposal_index == SPLIT_PROPOSAL else 0
    scores = {}
    for position, criterion in enumerate(call.criteria):
        # A criterion added to the demo rubric by hand gets a middling score.
        base = merit[position] if position < len(merit) else 3
        lean = demo.leaning[position] if position < len(demo.leaning) else 0
        score = base + lean + swing
        scores[criterion.id] = max(criterion.scale_min, min(criterion.scale_max, score))
    return scores


def _recommendation(total: Decimal) -> Recommendation:
    if total >= 70:
        return Recommendation.FUND
    if total >= 45:
        return Recommendation.FUND_IF_POSSIBLE
    return Recommendation.DO_NOT_FUND


def _comments(proposal: Proposal, scores: list[int]) -> str:
    best, worst = scores.index(max(scores)), scores.index(min(scores))
    keyword = (proposal.keyword_list or ["the method"])[0]
    text = STRENGTHS[best % len(STRENGTHS)]
    if worst != best:
        text += " " + WEAKNESSES[worst % len(WEAKNESSES)]
    return f"{text} How will the {keyword} results be checked against current practice?"


def write_review(
    assignment: Assignment, demo: DemoReviewer, proposal_index: int, reader: int, *, submit: bool
) -> None:
    """Score the assignment as the reviewer would; submit it, or leave a draft half done."""
    call = assignment.proposal.call
    scores = _scores(call, proposal_index, demo, reader)
    reviewer = assignment.reviewer
    if not submit:
        first = call.criteria[0].id
        services.save_review(
            assignment,
            services.ReviewValues(
                scores={first: scores[first]},
                comments_to_applicant="Notes so far: " + STRENGTHS[proposal_index % len(STRENGTHS)],
            ),
            actor=reviewer,
        )
        return
    total = weighted_total(scores, call.criteria)
    recommendation = _recommendation(total)
    services.save_review(
        assignment,
        services.ReviewValues(
            scores=scores,
            recommendation=recommendation,
            confidence=3 + (reader + proposal_index) % 3,
            comments_to_applicant=_comments(assignment.proposal, list(scores.values())),
            confidential_comments=CONFIDENTIAL[recommendation],
        ),
        actor=reviewer,
    )
    services.submit_review(assignment, actor=reviewer)


def _plan(demo: DemoReviewer, number: int) -> str:
    """Say what becomes of a reviewer's `number`-th assignment: submitted, draft or untouched."""
    if demo.email == DEMO_REVIEWER:
        return ("submitted", "draft", "untouched", "submitted", "draft")[number % 5]
    # Staggered by reviewer, so that each has a mix and no two are alike.
    start = REVIEWERS.index(demo)
    return ("submitted", "submitted", "draft", "submitted", "untouched", "submitted")[
        (number + start) % 6
    ]


def assign_and_review(
    call: Call, reviewers: dict[str, User], admin: User, today: date
) -> list[Assignment]:
    """Deploy the exact assignment the day after review began, then write the reviews over the
    weeks since: about three in five submitted, some drafts, the rest not started."""
    proposals = _proposals(call)
    demos = {reviewers[d.email].id: d for d in REVIEWERS}
    result = solve(call, proposals, list(demos))
    by_id = {p.id: p for p in proposals}
    index_of = {p.id: number for number, p in enumerate(proposals)}
    assigned_at = _at(today - timedelta(days=19), 15)
    assignments = []
    with clock_at(assigned_at):
        for proposal_id, reviewer_id in sorted(
            result.pairs, key=lambda pair: (index_of[pair[0]], demos[pair[1]].email)
        ):
            demo = demos[reviewer_id]
            due_at = (
                _at(today - timedelta(days=demo.due_days_before_today), 21)
                if demo.due_days_before_today is not None
                else None
            )
            assignment = services.assign_reviewer(
                by_id[proposal_id], db.session.get(User, reviewer_id), actor=admin, due_at=due_at
            )
            # The row's own timestamps come from the database clock, not app.clock: date it
            # as the progress chart will read it.
            assignment.created_at = assignment.updated_at = assigned_at
            assignments.append(assignment)
    db.session.flush()
    readers: dict[int, int] = {}
    per_reviewer: dict[int, int] = {}
    for serial, assignment in enumerate(assignments):
        demo = demos[assignment.reviewer_id]
        reader = readers[assignment.proposal_id] = readers.get(assignment.proposal_id, -1) + 1
        number = per_reviewer[assignment.reviewer_id] = (
            per_reviewer.get(assignment.reviewer_id, -1) + 1
        )
        plan = _plan(demo, number)
        if plan == "untouched":
            continue
        latest = today - timedelta(days=(demo.due_days_before_today or 0) + 1)
        day = min(assigned_at.date() + timedelta(days=2 + serial * 5 % 17), latest)
        with clock_at(_at(day, 8 + serial * 7 % 12, serial * 13 % 60)):
            write_review(
                assignment,
                demo,
                index_of[assignment.proposal_id],
                reader,
                submit=plan == "submitted",
            )
    return assignments


def seed_reviews(*, admin: User, ensure_user: Callable[..., User]) -> None:
    """Load the demo review of the closed call; a second run adds nothing.

    `ensure_user` is app.seed.demo.ensure_user (passed in: demo.py imports this module).
    """
    call = _find_call()
    if call is None:
        return
    today = clock.today()
    reviewers = ensure_reviewers(ensure_user, admin)
    ensure_pool(call, reviewers, admin)
    if call.state == CallState.CLOSED:
        with clock_at(call.closes_at + timedelta(hours=17)):
            proposal_services.begin_review(call, actor=admin)
    with clock_at(call.closes_at + timedelta(hours=18)):
        services.detect_conflicts(call, actor=admin)
    already = db.session.scalar(
        sa.select(sa.func.count(Assignment.id)).where(Assignment.call_id == call.id)
    )
    if not already:
        assign_and_review(call, reviewers, admin, today)
