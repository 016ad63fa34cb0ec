"""Every change to proposals: drafts, attachments, submission, versions, withdrawal."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app

from app import clock
from app.audit import services as audit
from app.auth.models import User
from app.calls import services as call_services
from app.calls.models import Call, CallState
from app.errors import ConflictError, DeadlineError, DomainError, ValidationError, WorkflowError
from app.extensions import db
from app.members import queries as member_queries
from app.members.models import MembershipStatus, Organization
from app.notifications import services as notifications
from app.proposals.deadlines import accepts_submissions, effective_deadline
from app.proposals.models import (
    PROPOSAL_TRANSITIONS,
    WITHDRAWABLE_STATES,
    Attachment,
    BudgetCategory,
    BudgetLine,
    CoInvestigator,
    DeclaredConflict,
    Proposal,
    ProposalState,
    ProposalVersion,
)
from app.uploads import check_pdf, private_file_path, store_private_file
from app.urls import external_url


class SubmissionIncomplete(DomainError):
    """A proposal is missing what a submission needs; `problems` maps fields to messages."""

    def __init__(self, problems: dict[str, str]):
        super().__init__("The proposal is not ready to submit: " + " ".join(problems.values()))
        self.problems = problems


@dataclass(frozen=True)
class TeamMember:
    """A co-investigator as entered."""

    name: str
    email: str
    affiliation: str = ""
    role: str = ""


@dataclass(frozen=True)
class Line:
    """A budget line as entered."""

    category: str
    description: str
    amount: Decimal


@dataclass(frozen=True)
class ExcludedPerson:
    """Someone the applicant says should not review the proposal, as entered."""

    name: str
    email: str = ""
    reason: str = ""


@dataclass(frozen=True)
class Relationship:
    """A member organization the team declares a relationship with, as entered."""

    organization_id: int
    reason: str = ""


MAX_EXCLUDED_PEOPLE = 10
KEYWORDS_MAX_LENGTH = 500  # the column's
LARGEST_TOTAL = Decimal("9999999999.99")  # what the requested amount's Numeric(12, 2) holds
MAX_RELATIONSHIPS = 10


@dataclass(frozen=True)
class DraftValues:
    """Everything the applicant writes; any of it may be missing in a draft."""

    title: str = ""
    abstract: str = ""
    keywords: str = ""
    department: str = ""
    duration_months: int | None = None
    industry_relevance: str = ""
    co_investigators: list[TeamMember] = field(default_factory=list)
    budget_lines: list[Line] = field(default_factory=list)
    sponsor_ids: list[int] = field(default_factory=list)
    excluded_people: list[ExcludedPerson] = field(default_factory=list)
    relationships: list[Relationship] = field(default_factory=list)


STATE_STAMPS = {
    ProposalState.WITHDRAWN: "withdrawn_at",
    ProposalState.AWARDED: "decided_at",
    ProposalState.DECLINED: "decided_at",
    ProposalState.WAITLISTED: "decided_at",
}
STATE_ACTIONS = {
    ProposalState.SUBMITTED: "proposal.submitted",
    ProposalState.DRAFT: "proposal.reopened",
    ProposalState.UNDER_REVIEW: "proposal.review_started",
    ProposalState.WITHDRAWN: "proposal.withdrawn",
    ProposalState.AWARDED: "proposal.awarded",
    ProposalState.DECLINED: "proposal.declined",
    ProposalState.WAITLISTED: "proposal.waitlisted",
}


def _transition(
    proposal: Proposal, to: ProposalState, *, actor: User | None, detail: dict | None = None
) -> None:
    """Move a proposal to another state: the only code that assigns Proposal.state."""
    if to not in PROPOSAL_TRANSITIONS[proposal.state]:
        raise WorkflowError(
            f"A proposal that is {proposal.state.label.lower()} cannot become {to.label.lower()}."
        )
    before = proposal.state
    proposal.state = to
    stamp = STATE_STAMPS.get(to)
    if stamp:
        setattr(proposal, stamp, clock.now())
    audit.record(
        actor, STATE_ACTIONS[to], proposal, {"from": before.value, "to": to.value} | (detail or {})
    )


def _lock(proposal: Proposal) -> None:
    # Reload the row under a lock, so that two requests acting on the same proposal at once
    # take turns and the second sees what the first did (pending changes are flushed first,
    # or the reload would drop them).
    db.session.flush()
    db.session.refresh(proposal, with_for_update=True)


def start_proposal(call: Call, *, actor: User) -> Proposal:
    """Start a draft proposal to an open call.

    Side effects: audit `proposal.started`.
    Raises: DeadlineError when the call does not accept proposals now.
    """
    now = clock.now()
    grace = current_app.config["SUBMISSION_GRACE_SECONDS"]
    if call.state != CallState.OPEN or now > call.closes_at + timedelta(seconds=grace):
        raise DeadlineError("This call is not open for proposals.")
    proposal = Proposal(call=call, applicant=actor, state=ProposalState.DRAFT)
    db.session.add(proposal)
    db.session.flush()
    audit.record(actor, "proposal.started", proposal, {"call_id": call.id})
    return proposal


def _ensure_editable(proposal: Proposal, actor: User) -> None:
    if proposal.applicant_id != actor.id:
        raise WorkflowError("Only the applicant changes a proposal.")
    if proposal.state != ProposalState.DRAFT:
        raise WorkflowError(
            f"The proposal is {proposal.state.label.lower()}; reopen it to change it."
            if proposal.state == ProposalState.SUBMITTED
            else f"A {proposal.state.label.lower()} proposal cannot change."
        )
    if not accepts_submissions(proposal, clock.now()):
        raise DeadlineError("The deadline has passed; the proposal can no longer change.")


def _tidy_keywords(keywords: str) -> str:
    """Return the keywords as stored: trimmed, without empty ones, joined by ", "."""
    return ", ".join(word.strip() for word in keywords.split(",") if word.strip())


def _check_draft(values: DraftValues) -> None:
    # Tidying adds a space after each comma: "a,b,…" typed within the limit can outgrow it.
    if len(_tidy_keywords(values.keywords)) > KEYWORDS_MAX_LENGTH:
        raise ValidationError(
            f"The keywords take at most {KEYWORDS_MAX_LENGTH} characters, with a comma and a "
            "space between them.",
            field="keywords",
        )
    limit = current_app.config["MAX_CO_INVESTIGATORS"]
    if len(values.co_investigators) > limit:
        raise ValidationError(
            f"A proposal lists at most {limit} co-investigators.", field="co_investigators"
        )
    emails = [member.email.strip().lower() for member in values.co_investigators]
    if len(set(emails)) != len(emails):
        raise ValidationError("Each co-investigator is listed once.", field="co_investigators")
    lines = current_app.config["MAX_BUDGET_LINES"]
    if len(values.budget_lines) > lines:
        raise ValidationError(f"A budget has at most {lines} lines.", field="budget_lines")
    for line in values.budget_lines:
        if line.amount is None or line.amount <= 0:
            raise ValidationError(
                "Each budget line needs an amount above zero.", field="budget_lines"
            )
        BudgetCategory(line.category)
    total = sum((line.amount for line in values.budget_lines), Decimal("0"))
    if total > LARGEST_TOTAL:
        raise ValidationError(
            f"The budget may total at most {LARGEST_TOTAL:,.2f}.", field="budget_lines"
        )
    if values.duration_months is not None and not 1 <= values.duration_months <= 60:
        raise ValidationError("The duration is between 1 and 60 months.", field="duration_months")
    _check_declared_conflicts(values)


def _same_name(name: str) -> str:
    return " ".join(name.lower().split())


def _check_declared_conflicts(values: DraftValues) -> None:
    people = values.excluded_people
    if len(people) > MAX_EXCLUDED_PEOPLE:
        raise ValidationError(
            f"Name at most {MAX_EXCLUDED_PEOPLE} people.", field="excluded_people"
        )
    for person in people:
        if not person.name.strip():
            raise ValidationError("Give the person's name.", field="excluded_people")
        if not person.reason.strip():
            raise ValidationError(
                "Say why each person should not review the proposal.", field="excluded_people"
            )
    # Someone named twice, by the same address or (without one) by the same name.
    keys = [person.email.strip().lower() or _same_name(person.name) for person in people]
    if len(set(keys)) != len(keys):
        raise ValidationError("Each person is named once.", field="excluded_people")
    relationships = values.relationships
    if len(relationships) > MAX_RELATIONSHIPS:
        raise ValidationError(
            f"Declare at most {MAX_RELATIONSHIPS} relationships.", field="relationships"
        )
    if any(not item.reason.strip() for item in relationships):
        raise ValidationError(
            "Say what the relationship with each organization is.", field="relationships"
        )
    ids = [item.organization_id for item in relationships]
    if len(set(ids)) != len(ids):
        raise ValidationError("Each organization is declared once.", field="relationships")


def active_sponsor_choices(today) -> list[Organization]:
    """Return the members a proposal may name as preferred sponsors (active or in grace)."""
    grace_days = current_app.config["MEMBERSHIP_GRACE_DAYS"]
    status = member_queries.status_expression(today, grace_days)
    return list(
        db.session.scalars(
            sa.select(Organization)
            .where(status.in_([MembershipStatus.ACTIVE.value, MembershipStatus.GRACE.value]))
            .order_by(sa.func.lower(Organization.name))
        )
    )


def relationship_choices(proposal: Proposal, today) -> list[Organization]:
    """Return the organizations the team may declare a relationship with: the active members
    (as for sponsors) and any already declared, so that a member lapsing does not stop the
    draft from saving again."""
    organizations = {
        organization.id: organization for organization in active_sponsor_choices(today)
    }
    for declared in proposal.declared_conflicts:
        if declared.organization is not None:
            organizations.setdefault(declared.organization.id, declared.organization)
    return sorted(organizations.values(), key=lambda organization: organization.name.lower())


def save_draft(
    proposal: Proposal, values: DraftValues, *, actor: User, expected_version: int | None = None
) -> None:
    """Save the applicant's draft; an incomplete draft always saves.

    Replaces the team, the budget, the sponsors and the declared conflicts (people who should
    not review it, organizations the team has a relationship with) with what was entered and
    recomputes the requested amount.
    Side effects: audit `proposal.saved`.
    Raises: ConflictError if saved elsewhere since `expected_version`; WorkflowError,
    DeadlineError when it may not change; ValidationError for impossible values.
    """
    _ensure_editable(proposal, actor)
    if expected_version is not None and proposal.version != expected_version:
        raise ConflictError(
            "This proposal was saved in another window since you opened it. Your text is "
            "shown below; check it against the saved version and save again."
        )
    _check_draft(values)
    allowed = {
        organization.id: organization for organization in active_sponsor_choices(clock.today())
    }
    unknown = [ident for ident in values.sponsor_ids if ident not in allowed]
    if unknown:
        raise ValidationError("Choose sponsors from the active members.", field="sponsor_ids")
    related = {
        organization.id: organization
        for organization in relationship_choices(proposal, clock.today())
    }
    if any(item.organization_id not in related for item in values.relationships):
        raise ValidationError(
            "Choose organizations from the list of members.", field="relationships"
        )
    proposal.title = values.title.strip()
    proposal.abstract = values.abstract.strip()
    proposal.keywords = _tidy_keywords(values.keywords)
    proposal.department = values.department.strip()
    proposal.duration_months = values.duration_months
    proposal.industry_relevance = values.industry_relevance.strip()
    # The old rows go before the new come in: the unit of work inserts before it deletes, and
    # a team saved again repeats addresses that are unique per proposal.
    proposal.co_investigators.clear()
    proposal.budget_lines.clear()
    proposal.declared_conflicts.clear()
    db.session.flush()
    proposal.co_investigators = [
        CoInvestigator(
            position=position,
            name=member.name.strip(),
            email=member.email.strip().lower(),
            affiliation=member.affiliation.strip(),
            role=member.role.strip(),
        )
        for position, member in enumerate(values.co_investigators, start=1)
    ]
    proposal.budget_lines = [
        BudgetLine(
            position=position,
            category=BudgetCategory(line.category),
            description=line.description.strip(),
            amount=line.amount,
        )
        for position, line in enumerate(values.budget_lines, start=1)
    ]
    proposal.sponsors = [allowed[ident] for ident in dict.fromkeys(values.sponsor_ids)]
    proposal.declared_conflicts = [
        DeclaredConflict(
            position=position,
            person_name=person.name.strip(),
            person_email=person.email.strip().lower() or None,
            reason=person.reason.strip(),
        )
        for position, person in enumerate(values.excluded_people, start=1)
    ] + [
        DeclaredConflict(
            position=position,
            organization=related[item.organization_id],
            reason=item.reason.strip(),
        )
        for position, item in enumerate(values.relationships, start=len(values.excluded_people) + 1)
    ]
    proposal.requested_amount = sum((line.amount for line in values.budget_lines), Decimal("0"))
    # Stamped by hand so that every save updates the row, and so bumps its version, even one
    # that changes only rows in other tables (team, budget, sponsors, declared conflicts): a
    # second window is caught.
    proposal.updated_at = clock.now()
    db.session.flush()
    audit.record(
        actor, "proposal.saved", proposal, {"requested_amount": str(proposal.requested_amount)}
    )


# Attachments


def attach_pdf(proposal: Proposal, *, actor: User, filename: str, data: bytes) -> Attachment:
    """Store the proposal's PDF (replacing the previous one, which is kept for old versions).

    Side effects: writes the file under UPLOAD_DIR with a random name; audit
    `proposal.attachment_uploaded`.
    Raises: ValidationError for an empty file, one over the size limit, or one that is not a
    PDF whatever its name; WorkflowError, DeadlineError when the proposal may not change.
    """
    _ensure_editable(proposal, actor)
    check_pdf(data)
    stored = store_private_file(data)
    now = clock.now()
    for previous in proposal.attachments:
        if previous.removed_at is None:
            previous.removed_at = now
    # A client may name the file anything: NUL cannot be stored (PostgreSQL text refuses it).
    original = Path((filename or "").replace("\x00", "")).name[:255] or "proposal.pdf"
    attachment = Attachment(
        proposal_id=proposal.id,
        original_name=original,
        stored_name=stored.stored_name,
        size=stored.size,
        sha256=stored.sha256,
        uploaded_at=now,
        uploaded_by_id=actor.id,
    )
    db.session.add(attachment)
    proposal.attachments.insert(0, attachment)
    db.session.flush()
    audit.record(
        actor,
        "proposal.attachment_uploaded",
        proposal,
        {"name": original, "sha256": attachment.sha256, "size": len(data)},
    )
    return attachment


def attachment_path(attachment: Attachment) -> Path:
    """Return where an attachment's bytes are stored."""
    return private_file_path(attachment.stored_name)


# Submission


def submission_problems(proposal: Proposal) -> dict[str, str]:
    """Return what stops the proposal from being submitted, by field (empty when ready)."""
    problems = {}
    required = {
        "title": "Give the proposal a title.",
        "abstract": "Write an abstract.",
        "keywords": "Add at least one keyword.",
        "department": "Say which department you are in.",
        "industry_relevance": "Explain the relevance to industry.",
    }
    for name, message in required.items():
        if not getattr(proposal, name):
            problems[name] = message
    if not proposal.duration_months:
        problems["duration_months"] = "Give the duration in months."
    if not proposal.budget_lines:
        problems["budget_lines"] = "Add at least one budget line."
    elif proposal.requested_amount > proposal.call.max_award:
        problems["budget_lines"] = (
            f"The budget totals {proposal.requested_amount:,.2f}, above this call's largest "
            f"award of {proposal.call.max_award:,.2f}."
        )
    if proposal.current_attachment is None:
        problems["attachment"] = "Attach the proposal as a PDF."
    return problems


def _next_reference(call: Call) -> str:
    # UPDATE … RETURNING takes the call's row lock, so two first submissions at once get
    # different numbers; a rollback gives the number back.
    number = db.session.execute(
        sa.update(Call)
        .where(Call.id == call.id)
        .values(last_reference_number=Call.last_reference_number + 1)
        .returning(Call.last_reference_number),
        execution_options={"synchronize_session": False},
    ).scalar_one()
    return f"{call.reference_prefix}-{call.opens_at.year}-{number:03d}"


def snapshot(proposal: Proposal) -> dict:
    """Return everything a submitted version keeps, as plain JSON."""
    attachment = proposal.current_attachment
    return {
        "reference": proposal.reference,
        "title": proposal.title,
        "abstract": proposal.abstract,
        "keywords": proposal.keyword_list,
        "department": proposal.department,
        "duration_months": proposal.duration_months,
        "industry_relevance": proposal.industry_relevance,
        "requested_amount": str(proposal.requested_amount),
        "co_investigators": [
            {"name": m.name, "email": m.email, "affiliation": m.affiliation, "role": m.role}
            for m in proposal.co_investigators
        ],
        "budget_lines": [
            {
                "category": line.category.value,
                "description": line.description,
                "amount": str(line.amount),
            }
            for line in proposal.budget_lines
        ],
        "sponsors": [{"id": org.id, "name": org.name} for org in proposal.sponsors],
        "declared_conflicts": [
            {
                "name": declared.person_name,
                "email": declared.person_email,
                "organization_id": declared.organization_id,
                "organization": declared.organization.name if declared.organization else None,
                "reason": declared.reason,
            }
            for declared in proposal.declared_conflicts
        ],
        "attachment": {
            "id": attachment.id,
            "name": attachment.original_name,
            "sha256": attachment.sha256,
            "size": attachment.size,
        }
        if attachment
        else None,
    }


def submit_proposal(proposal: Proposal, *, actor: User) -> ProposalVersion:
    """Submit the draft: a new immutable version, a reference on the first time, a receipt.

    Two submits of the same proposal at once leave one new version: the row is locked and
    the second finds it already submitted.
    Side effects: state submitted; version N; audit `proposal.submitted`; notification
    `proposal_submitted` (the receipt).
    Raises: WorkflowError unless a draft of the actor's; DeadlineError after the deadline;
    SubmissionIncomplete listing what is missing.
    """
    _lock(proposal)
    _ensure_editable(proposal, actor)
    problems = submission_problems(proposal)
    if problems:
        raise SubmissionIncomplete(problems)
    now = clock.now()
    if proposal.reference is None:
        proposal.reference = _next_reference(proposal.call)
    proposal.first_submitted_at = proposal.first_submitted_at or now
    proposal.submitted_at = now
    proposal.version_count += 1
    version = ProposalVersion(
        proposal=proposal,
        number=proposal.version_count,
        submitted_at=now,
        submitted_by_id=actor.id,
        snapshot=snapshot(proposal),
    )
    db.session.add(version)
    _transition(
        proposal,
        ProposalState.SUBMITTED,
        actor=actor,
        detail={"version": version.number, "reference": proposal.reference},
    )
    local = now.astimezone(ZoneInfo(proposal.applicant.timezone))
    notifications.enqueue(
        "proposal_submitted",
        proposal.applicant,
        {
            "proposal": proposal,
            "version": version.number,
            "submitted_local": f"{local:%d %b %Y %H:%M:%S} {local.tzname()}",
            "deadline_local": _local(effective_deadline(proposal), proposal.applicant.timezone),
            "url": external_url("proposals.detail", proposal_id=proposal.id),
        },
    )
    return version


def _local(instant: datetime, zone: str) -> str:
    local = instant.astimezone(ZoneInfo(zone))
    return f"{local:%d %b %Y %H:%M} {local.tzname()}"


def reopen_proposal(proposal: Proposal, *, actor: User) -> None:
    """Reopen a submitted proposal to change it before the deadline (version N stays as is).

    Side effects: state draft; audit `proposal.reopened`.
    Raises: WorkflowError unless submitted and the actor's; DeadlineError after the deadline.
    """
    _lock(proposal)
    if proposal.applicant_id != actor.id:
        raise WorkflowError("Only the applicant reopens a proposal.")
    if proposal.state != ProposalState.SUBMITTED:
        raise WorkflowError("Only a submitted proposal can be reopened.")
    if not accepts_submissions(proposal, clock.now()):
        raise DeadlineError("The deadline has passed; the submitted version is final.")
    _transition(proposal, ProposalState.DRAFT, actor=actor)


def withdraw_proposal(proposal: Proposal, *, actor: User, reason: str = "") -> None:
    """Withdraw a proposal from consideration.

    Side effects: state withdrawn; audit `proposal.withdrawn`; notification `proposal_withdrawn`.
    Raises: WorkflowError unless the actor's and draft, submitted or under review.
    """
    _lock(proposal)
    if proposal.applicant_id != actor.id:
        raise WorkflowError("Only the applicant withdraws a proposal.")
    if proposal.state not in WITHDRAWABLE_STATES:
        raise WorkflowError(f"A {proposal.state.label.lower()} proposal cannot be withdrawn.")
    proposal.withdrawal_reason = reason.strip() or None
    _transition(proposal, ProposalState.WITHDRAWN, actor=actor, detail={"reason": reason.strip()})
    notifications.enqueue(
        "proposal_withdrawn",
        proposal.applicant,
        {"proposal": proposal, "url": external_url("proposals.detail", proposal_id=proposal.id)},
    )


def grant_extension(proposal: Proposal, *, actor: User, until: datetime) -> None:
    """Let one proposal be changed and submitted until `until`.

    Side effects: audit `proposal.extension_granted`; notification `proposal_extension`.
    Raises: ValidationError for an instant not after the call's close or in the past;
    WorkflowError for a proposal past the submission stage.
    """
    if proposal.state not in (ProposalState.DRAFT, ProposalState.SUBMITTED):
        raise WorkflowError("Only a draft or submitted proposal can get more time.")
    if until <= clock.now():
        raise ValidationError("The extension must end in the future.", field="until")
    if until <= proposal.call.closes_at:
        raise ValidationError("The extension must end after the call closes.", field="until")
    proposal.deadline_extension = until
    audit.record(actor, "proposal.extension_granted", proposal, {"until": until.isoformat()})
    notifications.enqueue(
        "proposal_extension",
        proposal.applicant,
        {
            "proposal": proposal,
            "until_local": _local(until, proposal.applicant.timezone),
            "url": external_url("proposals.detail", proposal_id=proposal.id),
        },
    )


def begin_review(call: Call, *, actor: User) -> int:
    """Move a closed call into review with all its submitted proposals; return how many.

    Side effects: call state in review (audit `call.review_started`); each submitted
    proposal under review (audit `proposal.review_started`).
    Raises: WorkflowError unless the call is closed.
    """
    call_services.start_review(call, actor=actor)
    moved = 0
    for proposal in db.session.scalars(
        sa.select(Proposal).where(
            Proposal.call_id == call.id, Proposal.state == ProposalState.SUBMITTED
        )
    ):
        _transition(proposal, ProposalState.UNDER_REVIEW, actor=actor)
        moved += 1
    return moved


def change_call_state(call: Call, to: CallState, *, actor: User) -> int:
    """Move a call to a state; starting review also moves its submitted proposals.

    Returns how many proposals moved to review (0 for the other states).
    Raises: WorkflowError when the call cannot take that step.
    """
    if to == CallState.IN_REVIEW:
        return begin_review(call, actor=actor)
    call_services.STATE_ACTIONS[to](call, actor=actor)
    return 0
