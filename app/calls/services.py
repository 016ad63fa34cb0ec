"""Every change to calls and their rubrics."""

import re
from datetime import datetime
from decimal import Decimal
from enum import Enum

from app import clock
from app.audit import services as audit
from app.auth.models import User
from app.calls.models import (
    CALL_STATE_STAMPS,
    CALL_TRANSITIONS,
    Call,
    CallState,
    Criterion,
    InterestMode,
    MemberVisibility,
)
from app.calls.queries import rubric_is_frozen
from app.errors import ConflictError, ValidationError, WorkflowError
from app.extensions import db

CALL_FIELDS = (
    "title",
    "theme",
    "description",
    "eligibility",
    "reference_prefix",
    "opens_at",
    "closes_at",
    "review_deadline",
    "total_budget",
    "max_award",
    "reviews_per_proposal",
    "is_blind",
    "member_visibility",
    "interest_mode",
    "interest_weight",
)
PREFIX = re.compile(r"^[A-Z][A-Z0-9]{1,9}$")

# Member interest may take at most half of a weighted ranking: merit stays the larger part.
INTEREST_WEIGHT_MIN = 1
INTEREST_WEIGHT_MAX = 50
WEIGHT_REQUIRED = "Enter the weight of member interest, in percent."
WEIGHT_RANGE = f"The weight must be {INTEREST_WEIGHT_MIN} to {INTEREST_WEIGHT_MAX}%."


def _settle_interest(values: dict) -> None:
    """Check the interest setting; an advisory call has no weight, whatever was typed."""
    if "interest_mode" not in values:
        return
    mode = InterestMode(values["interest_mode"])
    values["interest_mode"] = mode
    if mode == InterestMode.ADVISORY:
        values["interest_weight"] = 0
        return
    if values.get("member_visibility") != MemberVisibility.TITLES_ABSTRACTS:
        raise ValidationError(
            "Member interest can be weighted only when members may see titles and abstracts.",
            field="interest_mode",
        )
    weight = values.get("interest_weight")
    if weight is None:
        raise ValidationError(WEIGHT_REQUIRED, field="interest_weight")
    if not INTEREST_WEIGHT_MIN <= weight <= INTEREST_WEIGHT_MAX:
        raise ValidationError(WEIGHT_RANGE, field="interest_weight")


def _check_call(values: dict) -> None:
    if not PREFIX.match(values["reference_prefix"]):
        raise ValidationError(
            "Use 2 to 10 capital letters or digits, starting with a letter (e.g. AIM).",
            field="reference_prefix",
        )
    if values["closes_at"] <= values["opens_at"]:
        raise ValidationError("The call must close after it opens.", field="closes_at")
    deadline = values.get("review_deadline")
    if deadline is not None and deadline <= values["closes_at"]:
        raise ValidationError("Reviews are due after the call closes.", field="review_deadline")
    if values["total_budget"] <= 0:
        raise ValidationError("The budget must be more than zero.", field="total_budget")
    if values["max_award"] <= 0 or values["max_award"] > values["total_budget"]:
        raise ValidationError(
            "The largest award must be more than zero and no more than the budget.",
            field="max_award",
        )
    if values["reviews_per_proposal"] < 1:
        raise ValidationError("At least one review per proposal.", field="reviews_per_proposal")
    _settle_interest(values)


def _plain(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return value.value if isinstance(value, Enum) else value


def create_call(*, actor: User, **values) -> Call:
    """Create a call in draft.

    Side effects: audit `call.created`. Raises: ValidationError for inconsistent values.
    """
    values["reference_prefix"] = values["reference_prefix"].strip().upper()
    _check_call(values)
    call = Call(
        **{name: values[name] for name in CALL_FIELDS if name in values}, state=CallState.DRAFT
    )
    db.session.add(call)
    db.session.flush()
    audit.record(actor, "call.created", call, {"title": call.title})
    return call


def update_call(call: Call, *, actor: User, expected_version: int, **values) -> None:
    """Change a call's settings (not its state).

    An open call's closing time may move, but not into the past.
    Side effects: audit `call.updated` with the changes.
    Raises: ConflictError on a concurrent edit or for an archived call; ValidationError.
    """
    # Re-read under a lock: of two saves at the same instant, the second waits, then sees the
    # first one's version and is told, instead of failing on the version counter.
    db.session.flush()
    db.session.refresh(call, with_for_update=True)
    if call.version != expected_version:
        raise ConflictError(
            "Someone else saved this call while you were editing. Your changes are shown below; "
            "check them against the current settings and save again."
        )
    if call.state == CallState.ARCHIVED:
        raise ConflictError("An archived call cannot change.")
    values["reference_prefix"] = values["reference_prefix"].strip().upper()
    _check_call(values)
    if call.state == CallState.OPEN and values["closes_at"] <= clock.now():
        raise ValidationError(
            "An open call cannot close in the past; close it instead.", field="closes_at"
        )
    if call.last_reference_number and values["reference_prefix"] != call.reference_prefix:
        raise ValidationError(
            "References have been given with this prefix; it cannot change.",
            field="reference_prefix",
        )
    if call.state == CallState.DECIDED and (
        values.get("interest_mode", call.interest_mode) != call.interest_mode
        or values.get("interest_weight", call.interest_weight) != call.interest_weight
    ):
        raise ValidationError(
            "The call is decided: how member interest counted in its ranking cannot change.",
            field="interest_mode",
        )
    changes = {}
    for name in CALL_FIELDS:
        if name in values and getattr(call, name) != values[name]:
            changes[name] = [_plain(getattr(call, name)), _plain(values[name])]
            setattr(call, name, values[name])
    if changes:
        audit.record(actor, "call.updated", call, changes)


TRANSITION_ACTIONS = {
    CallState.OPEN: "call.opened",
    CallState.CLOSED: "call.closed",
    CallState.IN_REVIEW: "call.review_started",
    CallState.DECIDED: "call.decided",
    CallState.ARCHIVED: "call.archived",
}


def _transition(call: Call, to: CallState, *, actor: User | None) -> None:
    """Move a call to another state: the only code that assigns Call.state."""
    if to not in CALL_TRANSITIONS[call.state]:
        raise WorkflowError(
            f"A call that is {call.state.label.lower()} cannot become {to.label.lower()}."
        )
    before = call.state
    call.state = to
    setattr(call, CALL_STATE_STAMPS[to], clock.now())
    action = (
        "call.reopened"
        if to == CallState.OPEN and before == CallState.CLOSED
        else TRANSITION_ACTIONS[to]
    )
    audit.record(actor, action, call, {"from": before.value, "to": to.value})


def open_call(call: Call, *, actor: User) -> None:
    """Open a call for submissions.

    Raises: WorkflowError unless it is a draft (or closed) with a future closing time and
    at least one rubric criterion.
    """
    if call.closes_at <= clock.now():
        raise WorkflowError("Set a closing time in the future before opening the call.")
    if not call.criteria:
        raise WorkflowError("Add at least one rubric criterion before opening the call.")
    _transition(call, CallState.OPEN, actor=actor)


def close_call(call: Call, *, actor: User) -> None:
    """Close a call to submissions (proposals with extensions may still come in)."""
    _transition(call, CallState.CLOSED, actor=actor)


def start_review(call: Call, *, actor: User) -> None:
    """Move a closed call into review."""
    _transition(call, CallState.IN_REVIEW, actor=actor)


def mark_decided(call: Call, *, actor: User) -> None:
    """Mark a call decided (the decisions feature releases decisions with it)."""
    _transition(call, CallState.DECIDED, actor=actor)


def archive_call(call: Call, *, actor: User) -> None:
    """Archive a decided call."""
    _transition(call, CallState.ARCHIVED, actor=actor)


STATE_ACTIONS = {
    CallState.OPEN: open_call,
    CallState.CLOSED: close_call,
    CallState.IN_REVIEW: start_review,
    CallState.DECIDED: mark_decided,
    CallState.ARCHIVED: archive_call,
}


# Rubric: its events are recorded against the call, so the call's history keeps them all,
# including those of criteria since removed.


def _ensure_rubric_editable(call: Call) -> None:
    if rubric_is_frozen(call):
        raise ConflictError("The rubric is frozen: reviews have been submitted against it.")
    if call.state in (CallState.DECIDED, CallState.ARCHIVED):
        raise ConflictError("The rubric of a decided call cannot change.")


def _check_criterion(values: dict) -> None:
    if values["weight"] is None or values["weight"] <= 0:
        raise ValidationError("The weight must be more than zero.", field="weight")
    if values["scale_max"] <= values["scale_min"]:
        raise ValidationError("The top of the scale must be above its bottom.", field="scale_max")


CRITERION_FIELDS = ("name", "guidance", "weight", "scale_min", "scale_max")


def add_criterion(call: Call, *, actor: User, **values) -> Criterion:
    """Add a criterion at the end of the rubric.

    Side effects: audit `criterion.added`. Raises: ConflictError when frozen; ValidationError.
    """
    _ensure_rubric_editable(call)
    _check_criterion(values)
    position = max((criterion.position for criterion in call.criteria), default=0) + 1
    criterion = Criterion(
        call=call, position=position, **{name: values[name] for name in CRITERION_FIELDS}
    )
    db.session.add(criterion)
    db.session.flush()
    audit.record(
        actor, "criterion.added", call, {"criterion_id": criterion.id, "name": criterion.name}
    )
    return criterion


def update_criterion(criterion: Criterion, *, actor: User, **values) -> None:
    """Change a criterion. Side effects: audit `criterion.updated`. Raises: as add_criterion."""
    _ensure_rubric_editable(criterion.call)
    _check_criterion(values)
    changes = {}
    for name in CRITERION_FIELDS:
        if getattr(criterion, name) != values[name]:
            changes[name] = [_plain(getattr(criterion, name)), _plain(values[name])]
            setattr(criterion, name, values[name])
    if changes:
        audit.record(
            actor, "criterion.updated", criterion.call, {"criterion_id": criterion.id} | changes
        )


def remove_criterion(criterion: Criterion, *, actor: User) -> None:
    """Remove a criterion. Side effects: audit `criterion.removed`. Raises: ConflictError."""
    call = criterion.call
    _ensure_rubric_editable(call)
    if call.state != CallState.DRAFT and len(call.criteria) == 1:
        raise ConflictError("A published call keeps at least one criterion.")
    audit.record(
        actor, "criterion.removed", call, {"criterion_id": criterion.id, "name": criterion.name}
    )
    call.criteria.remove(criterion)


def move_criterion(criterion: Criterion, *, actor: User, offset: int) -> None:
    """Move a criterion up (offset -1) or down (+1) the rubric.

    Side effects: renumbers positions; audit `criterion.moved`.
    """
    call = criterion.call
    _ensure_rubric_editable(call)
    ordered = list(call.criteria)
    index = ordered.index(criterion)
    target = index + offset
    if not 0 <= target < len(ordered):
        return
    ordered[index], ordered[target] = ordered[target], ordered[index]
    for position, item in enumerate(ordered, start=1):
        item.position = position
    call.criteria = ordered  # keep the loaded list in rubric order too
    audit.record(
        actor, "criterion.moved", call, {"criterion_id": criterion.id, "position": target + 1}
    )
