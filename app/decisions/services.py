"""Every change to decisions: staging, unstaging, accepting the suggested set, releasing them
to the applicants, and later awarding or declining the waitlist."""

from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from app import clock
from app.audit import services as audit
from app.auth.models import User
from app.calls import services as call_services
from app.calls.models import Call, CallState
from app.decisions.decision_queries import applicant_comments, decision_of
from app.decisions.models import Decision, Outcome
from app.errors import ConflictError, ValidationError, WorkflowError
from app.extensions import db
from app.notifications import services as notifications
from app.proposals.models import Proposal, ProposalState
from app.proposals.services import _transition as transition_proposal
from app.templating import money
from app.urls import external_url


def _lock(obj) -> None:
    # Reload the row under a lock so two administrators acting at once take turns, and the
    # second sees what the first committed (pending changes are flushed first, or the reload
    # would drop them). SQLite has no row locks: its single writer serialises anyway.
    db.session.flush()
    db.session.refresh(obj, with_for_update=True)


def _describe(decision: Decision) -> str:
    text = decision.outcome.label.lower()
    if decision.outcome == Outcome.AWARD:
        text += f" of {money(decision.amount)}"
    return text


def _check_version(decision: Decision | None, expected_version: int | None) -> None:
    """Refuse a change made from a stale view of the decision."""
    if decision is None and expected_version is None:
        return
    if decision is None:
        raise ConflictError(
            "Someone removed the staged decision on this proposal while you were editing it."
        )
    if decision.version != expected_version:
        who = decision.staged_by.name if decision.staged_by else "Someone"
        raise ConflictError(
            f"{who} staged a decision on this proposal meanwhile: {_describe(decision)}. "
            "It is shown below; your entries are kept. Save again to replace it with yours."
        )


def _check_award(proposal: Proposal, amount: Decimal | None, reduction_reason: str) -> None:
    if amount is None:
        raise ValidationError("Give the amount awarded.", field="amount")
    if amount <= 0:
        raise ValidationError("The amount must be more than zero.", field="amount")
    if amount > proposal.requested_amount:
        raise ValidationError(
            f"The amount cannot exceed the {money(proposal.requested_amount)} requested.",
            field="amount",
        )
    if amount < proposal.requested_amount and not reduction_reason:
        raise ValidationError(
            f"Say why the award is less than the {money(proposal.requested_amount)} requested.",
            field="reduction_reason",
        )


def _ensure_stageable(proposal: Proposal) -> None:
    if proposal.state != ProposalState.UNDER_REVIEW:
        raise WorkflowError(
            f"A {proposal.state.label.lower()} proposal takes no staged decision"
            + (
                "; award or decline it from the waitlist."
                if proposal.state == ProposalState.WAITLISTED
                else "."
            )
        )
    if proposal.call.state != CallState.IN_REVIEW:
        raise WorkflowError("Decisions are staged while the call is in review.")


def _flush_guarded() -> None:
    """Flush in a savepoint; a decision written by someone else meanwhile becomes a conflict.

    The unique proposal_id and the version counter are the last guards when row locks did not
    serialise the writers (SQLite, or a caller that skipped the lock).
    """
    try:
        with db.session.begin_nested():
            db.session.flush()
    except (IntegrityError, StaleDataError) as error:
        raise ConflictError(
            "Someone else decided this proposal at the same moment; reload to see their decision."
        ) from error


def stage_decision(
    proposal: Proposal,
    *,
    actor: User,
    outcome: Outcome,
    amount: Decimal | None = None,
    reduction_reason: str = "",
    rationale: str = "",
    comments_to_applicant: str = "",
    expected_version: int | None,
) -> Decision:
    """Create or change the proposal's staged decision; the proposal's state does not change
    and only administrators see it until it is released.

    `expected_version` is the version of the decision the actor saw (None: they saw none).
    Side effects: audit `decision.staged` on the proposal.
    Raises: WorkflowError unless the proposal is under review in a call in review, or its
    decision is already released; ValidationError (naming the field) for an award without an
    amount, above the request, or reduced without a reason; ConflictError when someone else
    staged, changed or removed the decision since the actor saw it.
    """
    _lock(proposal)
    _ensure_stageable(proposal)
    decision = decision_of(proposal, fresh=True)
    if decision is not None and decision.is_released:
        raise WorkflowError("This decision is released and can no longer be changed here.")
    _check_version(decision, expected_version)
    reduction_reason = (reduction_reason or "").strip()
    if outcome == Outcome.AWARD:
        _check_award(proposal, amount, reduction_reason)
        if amount == proposal.requested_amount:
            reduction_reason = ""
    else:
        amount, reduction_reason = None, ""
    before = None if decision is None else _describe(decision)
    values = {
        "outcome": outcome,
        "amount": amount,
        "reduction_reason": reduction_reason or None,
        "rationale": (rationale or "").strip(),
        "comments_to_applicant": (comments_to_applicant or "").strip(),
        "staged_by_id": actor.id,
    }
    # Filled before it joins the session: no autoflush may write half a decision outside the
    # savepoint that turns a duplicate into a conflict.
    if decision is None:
        decision = Decision(call_id=proposal.call_id, proposal_id=proposal.id, **values)
        db.session.add(decision)
    else:
        for name, value in values.items():
            setattr(decision, name, value)
    _flush_guarded()
    audit.record(
        actor,
        "decision.staged",
        proposal,
        {
            "outcome": outcome.value,
            "amount": None if amount is None else str(amount),
            "before": before,
        },
    )
    return decision


def unstage_decision(decision: Decision, *, actor: User) -> None:
    """Remove a staged decision that is not released.

    Side effects: audit `decision.unstaged` on the proposal.
    Raises: WorkflowError for a released decision.
    """
    proposal = decision.proposal
    _lock(proposal)
    db.session.refresh(decision)
    if decision.is_released:
        raise WorkflowError("A released decision cannot be removed.")
    audit.record(actor, "decision.unstaged", proposal, {"was": _describe(decision)})
    db.session.delete(decision)
    db.session.flush()


@dataclass(frozen=True)
class AcceptedSet:
    """What accepting the suggested set did."""

    staged: list[Proposal]
    kept: list[Proposal]  # already had a decision, left as it was
    total: Decimal  # every award of the call, staged or released, afterwards


def _awarded_total(call: Call) -> Decimal:
    return db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(Decision.amount), 0)).where(
            Decision.call_id == call.id, Decision.outcome == Outcome.AWARD
        )
    ) or Decimal("0")


def stage_suggested_awards(call: Call, proposal_ids: list[int], *, actor: User) -> AcceptedSet:
    """Stage an award at the requested amount for each of the proposals; one that already has a
    decision keeps it (nothing decided by hand is overwritten). All or nothing.

    Side effects: audit `decision.staged` per new award and `decisions.suggestion_accepted` on
    the call.
    Raises: WorkflowError unless the call is in review; ValidationError (field `proposal_id`)
    for no proposal, one not under review in the call, or a total above the call's budget
    (with the figures); ConflictError when someone staged one of them at the same moment.
    """
    _lock(call)
    if call.state != CallState.IN_REVIEW:
        raise WorkflowError("Decisions are staged while the call is in review.")
    wanted = set(proposal_ids)
    if not wanted:
        raise ValidationError("Choose at least one proposal.", field="proposal_id")
    proposals = list(
        db.session.scalars(
            sa.select(Proposal)
            .where(
                Proposal.id.in_(wanted),
                Proposal.call_id == call.id,
                Proposal.state == ProposalState.UNDER_REVIEW,
            )
            .order_by(Proposal.reference, Proposal.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    )
    if len(proposals) != len(wanted):
        raise ValidationError(
            "Only proposals under review in this call can be awarded.", field="proposal_id"
        )
    decided = set(
        db.session.scalars(sa.select(Decision.proposal_id).where(Decision.proposal_id.in_(wanted)))
    )
    new = [proposal for proposal in proposals if proposal.id not in decided]
    kept = [proposal for proposal in proposals if proposal.id in decided]
    already = _awarded_total(call)
    adding = sum((proposal.requested_amount for proposal in new), Decimal("0"))
    if already + adding > call.total_budget:
        raise ValidationError(
            f"These awards would bring the call's total to {money(already + adding)} "
            f"({money(adding)} for the {len(new)} new awards, {money(already)} already "
            f"decided), over its budget of {money(call.total_budget)} by "
            f"{money(already + adding - call.total_budget)}.",
            field="proposal_id",
        )
    actor_id = actor.id
    for proposal in new:
        db.session.add(
            Decision(
                call_id=call.id,
                proposal_id=proposal.id,
                outcome=Outcome.AWARD,
                amount=proposal.requested_amount,
                staged_by_id=actor_id,
                rationale="In the suggested award set.",
            )
        )
    _flush_guarded()
    for proposal in new:
        audit.record(
            actor,
            "decision.staged",
            proposal,
            {"outcome": "award", "amount": str(proposal.requested_amount), "suggested": True},
        )
    audit.record(
        actor,
        "decisions.suggestion_accepted",
        call,
        {
            "staged": [p.reference for p in new],
            "kept": [p.reference for p in kept],
            "amount": str(adding),
        },
    )
    return AcceptedSet(new, kept, already + adding)


def _notify(kind: str, proposal: Proposal, decision: Decision, comments: list[str]) -> None:
    notifications.enqueue(
        kind,
        proposal.applicant,
        {
            "proposal": proposal,
            "decision": decision,
            "amount": money(decision.amount) if decision.amount is not None else None,
            "requested": money(proposal.requested_amount),
            "reviewer_comments": comments,
            "url": external_url("proposals.detail", proposal_id=proposal.id),
        },
    )


@dataclass(frozen=True)
class Released:
    """What a release did."""

    counts: dict[str, int]
    notified: int


def release_decisions(call: Call, *, actor: User) -> Released:
    """Release every staged decision of the call at once: each proposal takes its outcome, its
    applicant is told (with the reviewers' comments meant for them, unnamed), and the call
    becomes decided. All or nothing: the caller rolls back on an error.

    Side effects: per proposal its transition (audit `proposal.awarded`...), the decision's
    release time, one `decision_released` notification to the applicant; the call decided
    (audit `call.decided`); audit `decisions.released` on the call with the counts.
    Raises: WorkflowError unless the call is in review, or while a proposal under review has
    no decision (naming them).
    """
    _lock(call)
    if call.state != CallState.IN_REVIEW:
        raise WorkflowError(
            f"Decisions are released from a call in review; this one is {call.state.label.lower()}."
        )
    # Lock the proposals too: a staging in progress finishes first, and its result is released.
    proposals = list(
        db.session.scalars(
            sa.select(Proposal)
            .where(Proposal.call_id == call.id, Proposal.state == ProposalState.UNDER_REVIEW)
            .order_by(Proposal.reference, Proposal.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    )
    decisions = {
        decision.proposal_id: decision
        for decision in db.session.scalars(
            sa.select(Decision)
            .where(Decision.proposal_id.in_([p.id for p in proposals]))
            .execution_options(populate_existing=True)
        )
    }
    missing = [p for p in proposals if p.id not in decisions]
    if missing:
        count = len(missing)
        raise WorkflowError(
            f"{count} proposal{'' if count == 1 else 's'} {'has' if count == 1 else 'have'} "
            f"no decision yet: {', '.join(p.reference or p.display_title for p in missing)}."
        )
    comments = applicant_comments([p.id for p in proposals])
    now = clock.now()
    counts: Counter[str] = Counter()
    for proposal in proposals:
        decision = decisions[proposal.id]
        transition_proposal(
            proposal,
            decision.outcome.proposal_state,
            actor=actor,
            detail={"decision": _describe(decision)},
        )
        decision.released_at = now
        decision.released_by_id = actor.id
        counts[decision.outcome.value] += 1
        _notify("decision_released", proposal, decision, comments[proposal.id])
    call_services.mark_decided(call, actor=actor)
    _flush_guarded()
    summary = {outcome.value: counts[outcome.value] for outcome in Outcome}
    audit.record(actor, "decisions.released", call, summary | {"notified": len(proposals)})
    return Released(summary, len(proposals))


def _ensure_waitlisted(proposal: Proposal) -> Decision:
    _lock(proposal)
    if proposal.state != ProposalState.WAITLISTED:
        raise WorkflowError(
            f"Only a waitlisted proposal can be decided again; this one is "
            f"{proposal.state.label.lower()}."
        )
    decision = decision_of(proposal, fresh=True)
    if decision is None:  # a waitlisted proposal always has its released decision
        raise WorkflowError("This proposal has no decision on record.")
    return decision


def award_waitlisted(
    proposal: Proposal,
    *,
    actor: User,
    amount: Decimal | None,
    reduction_reason: str = "",
    comments_to_applicant: str = "",
    expected_version: int,
) -> Decision:
    """Award a waitlisted proposal after the release (money was freed): the proposal becomes
    awarded, its decision an award released now, and the applicant is told.

    Side effects: proposal awarded (audit `proposal.awarded`); audit `decision.waitlist_awarded`;
    notification `decision_waitlist_awarded` to the applicant.
    Raises: WorkflowError unless the proposal is waitlisted; ValidationError for the amount as
    in `stage_decision`; ConflictError when the decision changed since the actor saw it.
    """
    decision = _ensure_waitlisted(proposal)
    _check_version(decision, expected_version)
    reduction_reason = (reduction_reason or "").strip()
    _check_award(proposal, amount, reduction_reason)
    transition_proposal(proposal, ProposalState.AWARDED, actor=actor, detail={"waitlist": True})
    decision.outcome = Outcome.AWARD
    decision.amount = amount
    decision.reduction_reason = reduction_reason if amount < proposal.requested_amount else None
    if comments_to_applicant.strip():
        decision.comments_to_applicant = comments_to_applicant.strip()
    decision.staged_by_id = actor.id
    decision.released_at = clock.now()
    decision.released_by_id = actor.id
    _flush_guarded()
    audit.record(actor, "decision.waitlist_awarded", proposal, {"amount": str(amount)})
    _notify(
        "decision_waitlist_awarded",
        proposal,
        decision,
        applicant_comments([proposal.id])[proposal.id],
    )
    return decision


def decline_waitlisted(
    proposal: Proposal, *, actor: User, comments_to_applicant: str = "", expected_version: int
) -> Decision:
    """Decline a waitlisted proposal when the waitlist closes, and tell the applicant.

    Side effects: proposal declined (audit `proposal.declined`); audit
    `decision.waitlist_declined`; notification `decision_waitlist_declined` to the applicant.
    Raises: WorkflowError unless the proposal is waitlisted; ConflictError when the decision
    changed since the actor saw it.
    """
    decision = _ensure_waitlisted(proposal)
    _check_version(decision, expected_version)
    transition_proposal(proposal, ProposalState.DECLINED, actor=actor, detail={"waitlist": True})
    decision.outcome = Outcome.DECLINE
    decision.amount = None
    decision.reduction_reason = None
    if comments_to_applicant.strip():
        decision.comments_to_applicant = comments_to_applicant.strip()
    decision.staged_by_id = actor.id
    decision.released_at = clock.now()
    decision.released_by_id = actor.id
    _flush_guarded()
    audit.record(actor, "decision.waitlist_declined", proposal, {})
    _notify("decision_waitlist_declined", proposal, decision, [])
    return decision
