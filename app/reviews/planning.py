"""Automatic reviewer assignment for a call: the solver's problem read from the database, and
plans the administrator previews, then deploys or discards."""

import hashlib
import json
import math
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app import clock
from app.audit import services as audit
from app.auth.models import Role, User, UserRole
from app.calls.models import Call
from app.errors import ConflictError, ValidationError, WorkflowError
from app.extensions import db
from app.notifications import services as notifications
from app.proposals.models import Proposal
from app.reviews import services
from app.reviews.assignment import (
    AssignmentProblem,
    AssignmentResult,
    ShortfallKind,
    solve_assignment,
    tfidf_affinity,
)
from app.reviews.models import (
    Assignment,
    AssignmentPlan,
    AssignmentState,
    CallReviewer,
    Conflict,
    ConflictStatus,
    PlanState,
    ReviewerProfile,
)
from app.reviews.services import REVIEWING_CALL_STATES
from app.urls import external_url

# The j-th assignment of a reviewer costs (j - 1) x this many affinity points (TF-IDF affinities
# are mostly below 0.5): gentle trades 0.01 of affinity per step of load difference, strong 0.05.
LOAD_BALANCING = {"none": 0.0, "gentle": 0.01, "strong": 0.05}
LOAD_BALANCING_LABELS = {
    "none": "None: the highest total affinity",
    "gentle": "Gentle: even out loads when it costs little affinity",
    "strong": "Strong: loads as even as the limits allow",
}
# A reviewer without a profile gets the profile's default load cap.
DEFAULT_MAX_LOAD: int = ReviewerProfile.__table__.c.max_load.default.arg
STALE_MESSAGE = (
    "The call's proposals, pool, conflicts or assignments changed since this preview; "
    "run the automatic assignment again."
)
RECENT_PLANS = 5


@dataclass(frozen=True)
class PlanOptions:
    """What the administrator asks of an automatic assignment."""

    expert_threshold: float | None = None
    load_balancing: str = "none"

    def validate(self) -> None:
        """Raise ValidationError naming the bad option."""
        threshold = self.expert_threshold
        if threshold is not None and not (math.isfinite(threshold) and 0 <= threshold <= 1):
            raise ValidationError(
                "Give a number from 0 to 1, or leave it empty.", field="expert_threshold"
            )
        if self.load_balancing not in LOAD_BALANCING:
            raise ValidationError("Choose a level of load balancing.", field="load_balancing")

    def as_json(self) -> dict[str, Any]:
        """Return the options as stored with a plan."""
        return {
            "expert_threshold": self.expert_threshold,
            "load_balancing": self.load_balancing,
            "load_penalty": LOAD_BALANCING[self.load_balancing],
        }


@dataclass(frozen=True)
class _PoolEntry:
    """A reviewer of the call's pool with the limits that apply in this call."""

    user_id: int
    name: str
    expertise: str
    max_load: int  # the pool row's, else the profile's, else the default
    max_from_pool: bool
    min_load: int
    # May take new assignments: an active account that still holds the reviewer role.
    eligible: bool


@dataclass(frozen=True)
class _CallData:
    """What an automatic assignment of a call depends on, read in a fixed number of queries."""

    reviews_per_proposal: int
    proposals: list[sa.Row]  # id, reference, title (and abstract, keywords with texts)
    pool: list[_PoolEntry]
    conflicts: frozenset[tuple[int, int]]  # confirmed (proposal, reviewer)
    assignments: list[tuple[int, int, AssignmentState]]  # every assignment of the call


def _load(call: Call, *, texts: bool) -> _CallData:
    """Read the call's reviewable proposals, pool, confirmed conflicts and assignments."""
    columns = [Proposal.id, Proposal.reference, Proposal.title]
    if texts:
        columns += [Proposal.abstract, Proposal.keywords]
    proposals = db.session.execute(
        sa.select(*columns)
        .where(Proposal.call_id == call.id, Proposal.state.in_(services.REVIEWABLE_STATES))
        .order_by(Proposal.reference, Proposal.id)
    ).all()
    holds_role = (
        sa.select(UserRole.id)
        .where(UserRole.user_id == User.id, UserRole.role == Role.REVIEWER)
        .exists()
    )
    pool_rows = db.session.execute(
        sa.select(
            CallReviewer.user_id,
            User.name,
            ReviewerProfile.expertise if texts else sa.literal(""),
            CallReviewer.max_load,
            ReviewerProfile.max_load,
            CallReviewer.min_load,
            sa.and_(User.is_active, holds_role),
        )
        .join(User, User.id == CallReviewer.user_id)
        .outerjoin(ReviewerProfile, ReviewerProfile.user_id == User.id)
        .where(CallReviewer.call_id == call.id)
        .order_by(User.name, User.id)
    )
    pool = []
    for user_id, name, expertise, pool_max, profile_max, pool_min, eligible in pool_rows:
        if pool_max is not None:
            max_load = pool_max
        else:
            max_load = profile_max if profile_max is not None else DEFAULT_MAX_LOAD
        # A pool minimum above the profile's cap cannot be met: the cap wins.
        min_load = min(pool_min or 0, max_load)
        pool.append(
            _PoolEntry(
                user_id,
                name,
                expertise or "",
                max_load,
                pool_max is not None,
                min_load,
                bool(eligible),
            )
        )
    conflicts = frozenset(
        tuple(row)
        for row in db.session.execute(
            sa.select(Conflict.proposal_id, Conflict.reviewer_id)
            .join(Proposal, Proposal.id == Conflict.proposal_id)
            .where(Proposal.call_id == call.id, Conflict.status == ConflictStatus.CONFIRMED)
        )
    )
    assignments = [
        tuple(row)
        for row in db.session.execute(
            sa.select(Assignment.proposal_id, Assignment.reviewer_id, Assignment.state).where(
                Assignment.call_id == call.id
            )
        )
    ]
    return _CallData(call.reviews_per_proposal, proposals, pool, conflicts, assignments)


def _fingerprint(data: _CallData) -> str:
    """Digest what a plan depends on, so that a change since its preview is noticed."""
    payload = {
        "reviews_per_proposal": data.reviews_per_proposal,
        "proposals": sorted(row.id for row in data.proposals),
        "pool": sorted(
            [entry.user_id, entry.max_load, entry.min_load, entry.eligible] for entry in data.pool
        ),
        "conflicts": sorted(data.conflicts),
        "assignments": sorted([p, r, str(state)] for p, r, state in data.assignments),
    }
    text = json.dumps(payload, separators=(",", ":"), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def call_fingerprint(call: Call) -> str:
    """Return the sha256 digest of the call's reviewable proposals, pool, conflicts and
    assignments (four queries)."""
    return _fingerprint(_load(call, texts=False))


@dataclass
class _Reviewer:
    """A reviewer as the plan shows them: the call's limits and where their load comes from."""

    id: int
    name: str
    expertise: str
    max_load: int
    max_from_pool: bool
    min_load: int
    in_pool: bool
    eligible: bool
    existing: int = 0  # active assignments of the call's reviewable proposals
    # Active assignments of the call's other proposals (since withdrawn or decided): they use
    # up the reviewer's capacity in this call as on the pool page, but are not planned.
    elsewhere: int = 0


@dataclass
class PlanningInput:
    """The solver's problem for a call, and what the preview needs besides."""

    problem: AssignmentProblem
    proposals: list[sa.Row]
    reviewers: dict[int, _Reviewer]
    affinity: dict[tuple[int, int], float]
    conflicts: frozenset[tuple[int, int]]
    declined: frozenset[tuple[int, int]]
    # Pairs of proposals that already have more reviewers than the call asks: kept as they are,
    # outside the solver (which needs no more than reviews_per_proposal per proposal).
    settled: list[tuple[int, int]] = field(default_factory=list)


def build_problem(call: Call, options: PlanOptions, data: _CallData | None = None) -> PlanningInput:
    """Return the assignment problem of the call's reviewable proposals and pool.

    Existing (not declined) assignments are kept and count toward demand and loads; a pair the
    reviewer declined is never proposed again; confirmed conflicts are never assigned. A
    reviewer's maximum is the pool row's, else their profile's; the minimum is the pool row's.
    """
    data = data or _load(call, texts=True)
    rpp = data.reviews_per_proposal
    proposal_ids = [row.id for row in data.proposals]
    reviewable = set(proposal_ids)
    active = [
        (p, r)
        for p, r, state in data.assignments
        if p in reviewable and state != AssignmentState.DECLINED
    ]
    declined = frozenset(
        (p, r)
        for p, r, state in data.assignments
        if p in reviewable and state == AssignmentState.DECLINED
    )
    reviewers = {
        entry.user_id: _Reviewer(
            entry.user_id,
            entry.name,
            entry.expertise,
            entry.max_load,
            entry.max_from_pool,
            entry.min_load,
            in_pool=True,
            eligible=entry.eligible,
        )
        for entry in data.pool
    }
    outside = sorted({r for _, r in active} - set(reviewers))
    if outside:
        # Assigned by hand and then dropped from the pool: their assignments still count.
        rows = db.session.execute(
            sa.select(User.id, User.name, ReviewerProfile.expertise)
            .outerjoin(ReviewerProfile, ReviewerProfile.user_id == User.id)
            .where(User.id.in_(outside))
            .order_by(User.name, User.id)
        )
        for user_id, name, expertise in rows:
            reviewers[user_id] = _Reviewer(
                user_id, name, expertise or "", 0, False, 0, in_pool=False, eligible=False
            )
    for _, r in active:
        reviewers[r].existing += 1
    for p, r, state in data.assignments:
        if p not in reviewable and state != AssignmentState.DECLINED and r in reviewers:
            reviewers[r].elsewhere += 1

    per_proposal = Counter(p for p, _ in active)
    settled_ids = {p for p, n in per_proposal.items() if n > rpp}
    settled = [(p, r) for p, r in active if p in settled_ids]
    settled_load = Counter(r for _, r in settled)
    existing = frozenset((p, r) for p, r in active if p not in settled_ids)

    max_load, min_load = {}, {}
    for reviewer in reviewers.values():
        outside_load = settled_load[reviewer.id] + reviewer.elsewhere
        taken = reviewer.existing - settled_load[reviewer.id]
        cap = reviewer.max_load - outside_load if reviewer.eligible else 0
        # Assignments made by hand beyond the cap stay; the reviewer just gets no more.
        max_load[reviewer.id] = max(cap, taken)
        min_load[reviewer.id] = min(max(reviewer.min_load - outside_load, 0), max_load[reviewer.id])

    affinity = tfidf_affinity(
        {row.id: f"{row.title}\n{row.abstract}\n{row.keywords}" for row in data.proposals},
        {reviewer.id: reviewer.expertise for reviewer in reviewers.values()},
    )
    forbidden = (data.conflicts | declined) - existing
    problem = AssignmentProblem(
        proposals=[p for p in proposal_ids if p not in settled_ids],
        reviewers=list(reviewers),
        affinity=affinity,
        reviews_per_proposal=rpp,
        max_load=max_load,
        min_load=min_load,
        conflicts=frozenset(pair for pair in forbidden if pair[0] not in settled_ids),
        existing=existing,
        expert_threshold=options.expert_threshold,
        load_penalty=LOAD_BALANCING[options.load_balancing],
    )
    return PlanningInput(
        problem=problem,
        proposals=data.proposals,
        reviewers=reviewers,
        affinity=affinity,
        conflicts=data.conflicts,
        declined=declined,
        settled=settled,
    )


def _blocked(
    inputs: PlanningInput, proposal_id: int, kind: ShortfallKind, pairs: set, load: Counter
) -> list[list]:
    """Name the reviewers kept off a short proposal, and what keeps each off."""
    threshold = inputs.problem.expert_threshold
    blocked = []
    for reviewer in inputs.reviewers.values():
        pair = (proposal_id, reviewer.id)
        if pair in pairs:
            continue
        if kind == ShortfallKind.NO_EXPERT and inputs.affinity.get(pair, 0.0) < threshold:
            continue
        if pair in inputs.conflicts:
            why = "conflict of interest"
        elif pair in inputs.declined:
            why = "declined it"
        elif not reviewer.in_pool:
            why = "not in the pool"
        elif not reviewer.eligible:
            why = "no longer an active reviewer"
        elif load[reviewer.id] >= reviewer.max_load:
            why = f"at maximum load, {load[reviewer.id]} of {reviewer.max_load}"
        else:
            continue
        blocked.append([reviewer.id, why])
    return blocked


def _result_json(inputs: PlanningInput, result: AssignmentResult, seconds: dict) -> dict:
    """Turn the solver's answer into the plan's stored result."""
    new = result.new_pairs
    pairs = []
    settled: dict[int, list[int]] = defaultdict(list)
    for p, r in inputs.settled:
        settled[p].append(r)
    for row in inputs.proposals:
        chosen = result.per_proposal.get(row.id)
        if chosen is None:
            chosen = sorted(
                ((r, inputs.affinity.get((row.id, r), 0.0)) for r in settled[row.id]),
                key=lambda item: (-item[1], item[0]),
            )
        for r, value in chosen:
            pairs.append(
                {
                    "proposal": row.id,
                    "reviewer": r,
                    "affinity": round(value, 6),
                    "new": (row.id, r) in new,
                }
            )
    values = [pair["affinity"] for pair in pairs]
    load = Counter(pair["reviewer"] for pair in pairs)
    load.update({reviewer.id: reviewer.elsewhere for reviewer in inputs.reviewers.values()})
    paired = {(pair["proposal"], pair["reviewer"]) for pair in pairs}
    shortfalls = []
    for shortfall in result.shortfalls:
        blocked = []
        if shortfall.proposal is not None:
            blocked = _blocked(inputs, shortfall.proposal, shortfall.kind, paired, load)
        shortfalls.append(
            {
                "kind": shortfall.kind.value,
                "proposal": shortfall.proposal,
                "reviewer": shortfall.reviewer,
                "missing": shortfall.missing,
                "reason": shortfall.reason,
                "blocked": blocked,
            }
        )
    new_count = len(new)
    return {
        "complete": result.complete,
        "reviews_per_proposal": inputs.problem.reviews_per_proposal,
        "total_affinity": round(math.fsum(values), 6),
        "mean_affinity": round(math.fsum(values) / len(values), 6) if values else 0.0,
        "min_affinity": min(values, default=0.0),
        "new_count": new_count,
        "kept_count": len(pairs) - new_count,
        "solve_seconds": round(result.solve_seconds, 4),
        "prepare_seconds": round(seconds["prepare"], 4),
        "proposals": [
            {"id": row.id, "reference": row.reference, "title": row.title}
            for row in inputs.proposals
        ],
        "reviewers": [
            {
                "id": reviewer.id,
                "name": reviewer.name,
                "load": load[reviewer.id],
                "existing": reviewer.existing + reviewer.elsewhere,
                "max_load": reviewer.max_load if reviewer.in_pool else None,
                "max_from_pool": reviewer.max_from_pool,
                "min_load": reviewer.min_load,
                "in_pool": reviewer.in_pool,
            }
            for reviewer in inputs.reviewers.values()
        ],
        "pairs": pairs,
        "shortfalls": shortfalls,
    }


def _check_call(call: Call) -> None:
    if call.state not in REVIEWING_CALL_STATES:
        raise WorkflowError(
            "Reviewers are assigned once the call is closed to submissions and until it is "
            f"decided; this call is {call.state.label.lower()}."
        )


def _lock_call(call: Call) -> Call:
    """Take the call's row lock so that plans of one call are created and deployed in turn."""
    return db.session.scalars(
        sa.select(Call)
        .where(Call.id == call.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def _lock_plan(plan: AssignmentPlan) -> AssignmentPlan:
    return db.session.scalars(
        sa.select(AssignmentPlan)
        .where(AssignmentPlan.id == plan.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def create_plan(call: Call, *, actor: User, options: PlanOptions) -> AssignmentPlan:
    """Solve the call's reviewer assignment and keep it as a plan to preview.

    Older proposed plans of the call are discarded.
    Side effects: audit `assignment_plan.created`.
    Raises: ValidationError for a bad option; WorkflowError when the call is not in review,
    its pool is empty or no proposal awaits review.
    """
    options.validate()
    _check_call(call)
    _lock_call(call)
    started = time.perf_counter()
    data = _load(call, texts=True)
    if not data.pool:
        raise WorkflowError("The call's reviewer pool is empty; add reviewers first.")
    if not data.proposals:
        raise WorkflowError("No proposal of this call awaits review.")
    inputs = build_problem(call, options, data)
    prepared = time.perf_counter()
    result = solve_assignment(inputs.problem)
    stored = _result_json(inputs, result, {"prepare": prepared - started})
    now = clock.now()
    # A conditional update: a plan deployed meanwhile by someone else stays deployed.
    replaced = db.session.scalars(
        sa.update(AssignmentPlan)
        .where(AssignmentPlan.call_id == call.id, AssignmentPlan.state == PlanState.PROPOSED)
        .values(state=PlanState.DISCARDED, decided_at=now, decided_by_id=actor.id)
        .returning(AssignmentPlan.id),
        execution_options={"synchronize_session": "fetch"},
    ).all()
    plan = AssignmentPlan(
        call_id=call.id,
        options=options.as_json(),
        result=stored,
        fingerprint=_fingerprint(data),
        created_at=now,
        created_by_id=actor.id,
    )
    db.session.add(plan)
    db.session.flush()
    audit.record(
        actor,
        "assignment_plan.created",
        plan,
        {
            "call_id": call.id,
            "options": options.as_json(),
            "complete": stored["complete"],
            "new": stored["new_count"],
            "kept": stored["kept_count"],
            "shortfalls": len(stored["shortfalls"]),
            "replaced": sorted(replaced),
        },
    )
    return plan


def is_stale(plan: AssignmentPlan) -> bool:
    """Tell whether a proposed plan no longer matches its call (four queries)."""
    return plan.state == PlanState.PROPOSED and call_fingerprint(plan.call) != plan.fingerprint


def deploy_plan(plan: AssignmentPlan, *, actor: User) -> int:
    """Create every new assignment of a proposed plan, all at once; return how many.

    Each reviewer gets one email listing their new proposals (not one per assignment).
    Side effects: the assignments (audit `review.assigned` each); plan deployed; audit
    `assignment_plan.deployed`; notification `reviews_assigned` per reviewer.
    Raises: WorkflowError for a plan already decided or a call no longer in review;
    ConflictError, with nothing written, when anything the plan depends on changed since it
    was computed.
    """
    call = _lock_call(plan.call)
    plan = _lock_plan(plan)
    if plan.state != PlanState.PROPOSED:
        raise WorkflowError(f"This plan is already {plan.state.value}.")
    _check_call(call)
    if call_fingerprint(call) != plan.fingerprint:
        raise ConflictError(STALE_MESSAGE)
    result = plan.result
    new_pairs = [(pair["proposal"], pair["reviewer"]) for pair in result["pairs"] if pair["new"]]
    proposals = {
        proposal.id: proposal
        for proposal in db.session.scalars(
            sa.select(Proposal).where(Proposal.id.in_({p for p, _ in new_pairs}))
        )
    }
    reviewers = {
        user.id: user
        for user in db.session.scalars(
            sa.select(User)
            .where(User.id.in_({r for _, r in new_pairs}))
            .options(selectinload(User.roles))
            .order_by(User.name)
        )
    }
    given: dict[int, list[Proposal]] = {reviewer_id: [] for reviewer_id in reviewers}
    services.assign_reviewers([(proposals[p], reviewers[r]) for p, r in new_pairs], actor=actor)
    for proposal_id, reviewer_id in new_pairs:
        given[reviewer_id].append(proposals[proposal_id])
    url = external_url("reviews.dashboard")
    notified = 0
    for reviewer_id, assigned in given.items():
        if assigned:
            notifications.enqueue(
                "reviews_assigned",
                reviewers[reviewer_id],
                {"call": call, "proposals": assigned, "url": url},
            )
            notified += 1
    _decide(plan, PlanState.DEPLOYED, actor)
    audit.record(
        actor,
        "assignment_plan.deployed",
        plan,
        {
            "call_id": call.id,
            "created": len(new_pairs),
            "kept": result["kept_count"],
            "reviewers_notified": notified,
        },
    )
    return len(new_pairs)


def discard_plan(plan: AssignmentPlan, *, actor: User) -> None:
    """Set a proposed plan aside without assigning anything.

    Side effects: plan discarded; audit `assignment_plan.discarded`.
    Raises: WorkflowError for a plan already deployed or discarded.
    """
    plan = _lock_plan(plan)
    if plan.state != PlanState.PROPOSED:
        raise WorkflowError(f"This plan is already {plan.state.value}.")
    _decide(plan, PlanState.DISCARDED, actor)
    audit.record(actor, "assignment_plan.discarded", plan, {"call_id": plan.call_id})


def _decide(plan: AssignmentPlan, state: PlanState, actor: User) -> None:
    plan.state = state
    plan.decided_at = clock.now()
    plan.decided_by_id = actor.id


# Reads for the pages


@dataclass(frozen=True)
class PlanSummary:
    """A plan in the call's list of recent ones."""

    id: int
    state: PlanState
    created_at: datetime
    created_by: str | None
    complete: bool
    new_count: int
    mean_affinity: float
    stale: bool


def recent_plans(call: Call, limit: int = RECENT_PLANS) -> list[PlanSummary]:
    """Return the call's latest plans, newest first (two queries, four more with a proposed one)."""
    rows = db.session.execute(
        sa.select(AssignmentPlan, User.name)
        .outerjoin(User, User.id == AssignmentPlan.created_by_id)
        .where(AssignmentPlan.call_id == call.id)
        .order_by(AssignmentPlan.created_at.desc(), AssignmentPlan.id.desc())
        .limit(limit)
    ).all()
    fingerprint = None
    if any(plan.state == PlanState.PROPOSED for plan, _ in rows):
        fingerprint = call_fingerprint(call)
    return [
        PlanSummary(
            id=plan.id,
            state=plan.state,
            created_at=plan.created_at,
            created_by=name,
            complete=plan.result["complete"],
            new_count=plan.result["new_count"],
            mean_affinity=plan.result["mean_affinity"],
            stale=plan.state == PlanState.PROPOSED and plan.fingerprint != fingerprint,
        )
        for plan, name in rows
    ]


@dataclass(frozen=True)
class PreviewReviewer:
    """A reviewer of one proposal in the preview."""

    name: str
    affinity: float
    new: bool


@dataclass(frozen=True)
class PreviewProposal:
    """One proposal in the preview: its reviewers, best first."""

    reference: str
    title: str
    reviewers: list[PreviewReviewer]
    needed: int

    @property
    def short(self) -> bool:
        """Tell whether it gets fewer reviewers than the call asks for."""
        return len(self.reviewers) < self.needed


@dataclass(frozen=True)
class PreviewLoad:
    """One reviewer's load in the preview, against their limits."""

    name: str
    load: int
    existing: int
    min_load: int
    max_load: int | None
    max_from_pool: bool
    in_pool: bool

    @property
    def new(self) -> int:
        """Return the assignments this plan adds."""
        return self.load - self.existing


@dataclass(frozen=True)
class PreviewShortfall:
    """Why the plan falls short somewhere, naming the proposal or reviewer."""

    kind: str
    missing: int
    reason: str
    proposal: str | None  # "reference: title"
    reviewer: str | None
    blocked: list[tuple[str, str]]  # (reviewer name, why)


@dataclass(frozen=True)
class Preview:
    """A plan's result, ready for the page."""

    result: dict[str, Any]
    proposals: list[PreviewProposal]
    reviewers: list[PreviewLoad]
    shortfalls: list[PreviewShortfall]


def preview(plan: AssignmentPlan) -> Preview:
    """Return the plan's result grouped by proposal and by reviewer, with names (no queries)."""
    result = plan.result
    names = {reviewer["id"]: reviewer["name"] for reviewer in result["reviewers"]}
    proposals = {row["id"]: row for row in result["proposals"]}
    by_proposal: dict[int, list[PreviewReviewer]] = {p: [] for p in proposals}
    for pair in result["pairs"]:
        by_proposal[pair["proposal"]].append(
            PreviewReviewer(names[pair["reviewer"]], pair["affinity"], pair["new"])
        )
    needed = result["reviews_per_proposal"]
    shortfalls = []
    for shortfall in result["shortfalls"]:
        proposal = proposals.get(shortfall["proposal"])
        shortfalls.append(
            PreviewShortfall(
                kind=shortfall["kind"],
                missing=shortfall["missing"],
                reason=shortfall["reason"],
                proposal=f"{proposal['reference']}: {proposal['title']}" if proposal else None,
                reviewer=names.get(shortfall["reviewer"]),
                blocked=[(names[r], why) for r, why in shortfall["blocked"]],
            )
        )
    return Preview(
        result=result,
        proposals=[
            PreviewProposal(row["reference"], row["title"], by_proposal[p], needed)
            for p, row in proposals.items()
        ],
        reviewers=[
            PreviewLoad(
                reviewer["name"],
                reviewer["load"],
                reviewer["existing"],
                reviewer["min_load"],
                reviewer["max_load"],
                reviewer["max_from_pool"],
                reviewer["in_pool"],
            )
            for reviewer in result["reviewers"]
        ],
        shortfalls=shortfalls,
    )
