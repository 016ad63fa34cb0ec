"""Proposals: researchers' own drafts, PDFs, submission and withdrawal; administrators see all."""

from dataclasses import replace
from decimal import Decimal

import marshmallow as ma
import sqlalchemy as sa
from flask import abort
from flask_smorest.fields import Upload
from marshmallow import fields, validate
from sqlalchemy.orm import joinedload

from app import clock
from app.api.core import ApiBlueprint, actor, check_version
from app.api.schemas import (
    MAX_INT,
    ApiSchema,
    PageArgs,
    VersionSchema,
    changes_to,
    instant,
    integer,
    money,
    page_of,
    paginate,
    sort_field,
    text,
)
from app.api.schemas import name as not_blank
from app.calls import policy as call_policy
from app.calls.models import Call
from app.extensions import db
from app.proposals import policy, queries, services
from app.proposals.deadlines import accepts_submissions, effective_deadline
from app.proposals.models import BudgetCategory, Proposal, ProposalState
from app.web import get_or_404, require, require_visible, send_private_pdf

blp = ApiBlueprint(
    "proposals",
    "/proposals",
    "Proposals: researchers' own drafts, PDFs, submission and withdrawal; administrators see all.",
)

LONG_TEXT = 5000  # what the web form accepts for the abstract and the relevance to industry


def email(max_length: int = 254, **kwargs) -> fields.Email:
    """An email address, at most `max_length` long (the column's)."""
    return fields.Email(validate=validate.Length(max=max_length), **kwargs)


# Reading


class ApplicantSchema(ma.Schema):
    """A user, as a proposal names them."""

    id = fields.Integer()
    name = fields.String()
    email = fields.String()


class ProposalTeamMemberSchema(ApiSchema):
    """A co-investigator: a member of the team besides the applicant."""

    name = not_blank(200, required=True)
    email = email(required=True)
    affiliation = text(200, load_default="")
    role = text(120, load_default="")


class ProposalBudgetLineSchema(ApiSchema):
    """One line of the budget."""

    category = fields.Enum(BudgetCategory, by_value=True, required=True)
    description = text(300, load_default="")
    amount = money(minimum=Decimal("0.01"), required=True)


class ExcludedPersonSchema(ApiSchema):
    """Someone who should not review the proposal, and why."""

    name = not_blank(200, required=True)
    email = email(
        load_default=None, allow_none=True, metadata={"description": "Optional; null if none."}
    )
    reason = not_blank(500, required=True)


class DeclaredRelationshipSchema(ApiSchema):
    """A member organization the team has a relationship with, and what it is."""

    organization_id = integer(1, required=True)
    organization_name = fields.String(dump_only=True)
    reason = not_blank(500, required=True)


class ProposalPdfSchema(ma.Schema):
    """The proposal's PDF as uploaded (its bytes: GET /proposals/{id}/pdf)."""

    id = fields.Integer()
    filename = fields.String(attribute="original_name")
    size = fields.Integer(metadata={"description": "Bytes."})
    sha256 = fields.String()
    uploaded_at = fields.AwareDateTime()


class ProposalVersionSchema(ma.Schema):
    """A submitted version: kept exactly as it was received."""

    number = fields.Integer()
    submitted_at = fields.AwareDateTime()


class ProposalSummarySchema(ma.Schema):
    """A proposal in a list: who, which call, where it stands."""

    id = fields.Integer()
    call_id = fields.Integer()
    applicant = fields.Nested(ApplicantSchema)
    reference = fields.String(
        allow_none=True, metadata={"description": "Given at the first submission."}
    )
    state = fields.Enum(ProposalState, by_value=True)
    version = fields.Integer()
    title = fields.String()
    requested_amount = money(metadata={"description": "The sum of the budget lines."})
    submitted_at = fields.AwareDateTime(allow_none=True)
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()


class ProposalSchema(ProposalSummarySchema):
    """A proposal in full, as the caller may see it."""

    abstract = fields.String()
    keywords = fields.List(fields.String(), attribute="keyword_list")
    department = fields.String()
    duration_months = fields.Integer(allow_none=True)
    industry_relevance = fields.String()
    co_investigators = fields.List(fields.Nested(ProposalTeamMemberSchema))
    budget_lines = fields.List(fields.Nested(ProposalBudgetLineSchema))
    sponsor_ids = fields.List(fields.Integer())
    excluded_people = fields.List(
        fields.Nested(ExcludedPersonSchema),
        allow_none=True,
        metadata={"description": "Null for co-investigators, who may not read them."},
    )
    relationships = fields.List(
        fields.Nested(DeclaredRelationshipSchema),
        allow_none=True,
        metadata={"description": "Null for co-investigators, who may not read them."},
    )
    attachment = fields.Nested(ProposalPdfSchema, allow_none=True)
    versions = fields.List(fields.Nested(ProposalVersionSchema))
    first_submitted_at = fields.AwareDateTime(allow_none=True)
    withdrawn_at = fields.AwareDateTime(allow_none=True)
    withdrawal_reason = fields.String(allow_none=True)
    deadline = fields.AwareDateTime(
        metadata={"description": "The last instant it may be changed and submitted."}
    )
    deadline_extension = fields.AwareDateTime(allow_none=True)
    accepting = fields.Boolean(
        metadata={"description": "Whether it may be changed and submitted now."}
    )
    problems = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        metadata={
            "description": "What stops the applicant from submitting, by field (editable "
            "drafts, to their applicant; empty otherwise)."
        },
    )


class ShownProposal:
    """A proposal as one caller sees it: its own fields, and those that depend on who asks."""

    def __init__(self, proposal: Proposal):
        self._proposal = proposal
        user, now = actor(), clock.now()
        self.sponsor_ids = [organization.id for organization in proposal.sponsors]
        self.attachment = proposal.current_attachment
        self.deadline = effective_deadline(proposal)
        self.accepting = accepts_submissions(proposal, now)
        can_edit = policy.can_edit_proposal(user, proposal, now)
        self.problems = services.submission_problems(proposal) if can_edit else {}
        declared = policy.can_see_declared_conflicts(user, proposal)
        self.excluded_people = _excluded_people(proposal) if declared else None
        self.relationships = _relationships(proposal) if declared else None

    def __getattr__(self, attribute: str):
        return getattr(self._proposal, attribute)


def _excluded_people(proposal: Proposal) -> list[dict]:
    return [
        {"name": item.person_name, "email": item.person_email, "reason": item.reason}
        for item in proposal.declared_conflicts
        if item.person_name is not None
    ]


def _relationships(proposal: Proposal) -> list[dict]:
    return [
        {
            "organization_id": item.organization_id,
            "organization_name": item.organization.name,
            "reason": item.reason,
        }
        for item in proposal.declared_conflicts
        if item.organization_id is not None
    ]


def _visible_proposal(proposal_id: int) -> Proposal:
    """Load a proposal the caller may see, or answer 404."""
    proposal = get_or_404(Proposal, proposal_id)
    require_visible(policy.can_view_proposal(actor(), proposal))
    return proposal


def _applicants_proposal(proposal_id: int) -> Proposal:
    """Load a proposal the caller may see and is the applicant of (403 if only seen)."""
    proposal = _visible_proposal(proposal_id)
    require(policy.is_applicant(actor(), proposal))
    return proposal


class ProposalListArgs(PageArgs):
    """Filters for the list of proposals."""

    # Not `integer()`: strict integers refuse the strings a query string is made of.
    call_id = fields.Integer(
        validate=validate.Range(1, MAX_INT),
        metadata={"description": "Only proposals to this call."},
    )
    state = fields.List(
        fields.Enum(ProposalState, by_value=True),
        metadata={"description": "Only proposals in these states (repeat the parameter)."},
    )
    applicant_id = fields.Integer(
        validate=validate.Range(1, MAX_INT),
        metadata={"description": "Only this applicant's proposals."},
    )
    q = text(200, metadata={"description": "Words in the title or the reference."})
    sort = sort_field(
        ["created_at", "updated_at", "submitted_at", "title", "reference", "requested_amount"],
        default="-created_at",
    )


PROPOSAL_SORTS = {
    "created_at": Proposal.created_at,
    "updated_at": Proposal.updated_at,
    "submitted_at": Proposal.submitted_at,
    "title": sa.func.lower(Proposal.title),
    "reference": Proposal.reference,
    "requested_amount": Proposal.requested_amount,
}


@blp.route("/")
@blp.arguments(ProposalListArgs, location="query", as_kwargs=True)
@blp.response(200, page_of(ProposalSummarySchema))
def list_proposals(call_id=None, state=None, applicant_id=None, q=None, **page):
    """List proposals: administrators see all; others their own (as applicant or on the team)."""
    query = sa.select(Proposal).options(joinedload(Proposal.applicant))
    if not policy.can_manage_proposals(actor()):
        query = query.where(queries.of_user(actor()))
    if call_id:
        query = query.where(Proposal.call_id == call_id)
    if state:
        query = query.where(Proposal.state.in_(state))
    if applicant_id:
        query = query.where(Proposal.applicant_id == applicant_id)
    if q and q.strip():
        words = q.strip().lower()
        query = query.where(
            sa.or_(
                sa.func.lower(Proposal.title).contains(words, autoescape=True),
                sa.func.lower(Proposal.reference).contains(words, autoescape=True),
            )
        )
    return paginate(query, page, PROPOSAL_SORTS)


class NewProposalSchema(ApiSchema):
    """The call a new draft is for."""

    call_id = integer(1, required=True)


@blp.route("/", methods=["POST"])
@blp.arguments(NewProposalSchema)
@blp.response(201, ProposalSchema)
@blp.documents(403, 404, 409, 422)
def create_proposal(values):
    """Start a draft proposal to an open call (researchers); 409 if the call is not open."""
    call = get_or_404(Call, values["call_id"])
    require_visible(call_policy.can_view_call(actor(), call))
    require(policy.can_write_proposals(actor()))
    proposal = services.start_proposal(call, actor=actor())
    db.session.commit()
    return ShownProposal(proposal)


@blp.route("/<int:proposal_id>")
@blp.response(200, ProposalSchema)
@blp.documents(404)
def get_proposal(proposal_id: int):
    """Read a proposal: its applicant, its co-investigators (without declared conflicts) and
    administrators."""
    return ShownProposal(_visible_proposal(proposal_id))


# Writing


class ProposalDraftSchema(ApiSchema):
    """What the applicant writes; nothing is required until the proposal is submitted."""

    version = integer(1, required=True, metadata={"description": "The version last read."})
    title = text(300)
    abstract = text(LONG_TEXT)
    keywords = text(500, metadata={"description": "Separated by commas."})
    department = text(200)
    duration_months = integer(1, 60, allow_none=True)
    industry_relevance = text(LONG_TEXT)
    co_investigators = fields.List(fields.Nested(ProposalTeamMemberSchema))
    budget_lines = fields.List(fields.Nested(ProposalBudgetLineSchema))
    sponsor_ids = fields.List(
        integer(1), metadata={"description": "Preferred sponsors, among the active members."}
    )
    excluded_people = fields.List(fields.Nested(ExcludedPersonSchema))
    relationships = fields.List(fields.Nested(DeclaredRelationshipSchema))


def _saved_values(proposal: Proposal) -> services.DraftValues:
    """Return the draft as saved, in the values the service takes."""
    return services.DraftValues(
        title=proposal.title,
        abstract=proposal.abstract,
        keywords=proposal.keywords,
        department=proposal.department,
        duration_months=proposal.duration_months,
        industry_relevance=proposal.industry_relevance,
        co_investigators=[
            services.TeamMember(
                name=member.name,
                email=member.email,
                affiliation=member.affiliation,
                role=member.role,
            )
            for member in proposal.co_investigators
        ],
        budget_lines=[
            services.Line(
                category=line.category.value, description=line.description, amount=line.amount
            )
            for line in proposal.budget_lines
        ],
        sponsor_ids=[organization.id for organization in proposal.sponsors],
        excluded_people=[
            services.ExcludedPerson(
                name=item.person_name, email=item.person_email or "", reason=item.reason
            )
            for item in proposal.declared_conflicts
            if item.person_name is not None
        ],
        relationships=[
            services.Relationship(organization_id=item.organization_id, reason=item.reason)
            for item in proposal.declared_conflicts
            if item.organization_id is not None
        ],
    )


def _changed_values(values: dict) -> dict:
    """Turn the fields sent into DraftValues' fields."""
    changes = dict(values)
    for key, make in (
        ("co_investigators", services.TeamMember),
        ("budget_lines", services.Line),
        ("excluded_people", services.ExcludedPerson),
    ):
        if key in changes:
            changes[key] = [make(**item) for item in changes[key]]
    if "excluded_people" in changes:
        changes["excluded_people"] = [
            replace(person, email=person.email or "") for person in changes["excluded_people"]
        ]
    if "relationships" in changes:
        changes["relationships"] = [
            services.Relationship(organization_id=item["organization_id"], reason=item["reason"])
            for item in changes["relationships"]
        ]
    return changes


@blp.route("/<int:proposal_id>", methods=["PATCH"])
@blp.arguments(changes_to(ProposalDraftSchema, required=("version",)))
@blp.response(200, ProposalSchema)
@blp.documents(403, 404, 409, 422)
def update_proposal(values, proposal_id: int):
    """Change the draft (its applicant); fields not sent keep their saved values, and a list
    sent replaces the saved one. Send the version you last read."""
    proposal = _applicants_proposal(proposal_id)
    check_version(proposal, values.pop("version"))
    draft = replace(_saved_values(proposal), **_changed_values(values))
    services.save_draft(proposal, draft, actor=actor(), expected_version=proposal.version)
    db.session.commit()
    return ShownProposal(proposal)


class ProposalPdfUploadSchema(ma.Schema):
    """The proposal's PDF, sent as multipart/form-data."""

    attachment = Upload(required=True, metadata={"description": "The PDF file."})


@blp.route("/<int:proposal_id>/pdf", methods=["PUT"])
@blp.arguments(ProposalPdfUploadSchema, location="files")
@blp.response(200, ProposalPdfSchema)
@blp.documents(403, 404, 409, 413, 422)
def upload_pdf(files, proposal_id: int):
    """Upload the proposal's PDF (its applicant, while a draft), replacing the previous one.

    The file goes in the multipart field `attachment`; one that is not a PDF, or is over the
    size limit, is refused with 422 on that field; a request over the site's limit with 413.
    """
    proposal = _applicants_proposal(proposal_id)
    upload = files["attachment"]
    attachment = services.attach_pdf(
        proposal, actor=actor(), filename=upload.filename or "", data=upload.read()
    )
    db.session.commit()
    return attachment


@blp.route("/<int:proposal_id>/pdf")
@blp.response(
    200,
    {"type": "string", "format": "binary"},
    content_type="application/pdf",
    description="The PDF, as a download.",
)
@blp.documents(404)
def download_pdf(proposal_id: int):
    """Download the proposal's current PDF (whoever may read the proposal)."""
    proposal = get_or_404(Proposal, proposal_id)
    require_visible(policy.can_download_attachment(actor(), proposal))
    attachment = proposal.current_attachment
    if attachment is None:
        abort(404)
    return send_private_pdf(services.attachment_path(attachment), attachment.original_name)


# Actions


@blp.route("/<int:proposal_id>/actions/submit", methods=["POST"])
@blp.arguments(VersionSchema)
@blp.response(200, ProposalSchema)
@blp.documents(403, 404, 409, 422)
def submit_proposal(values, proposal_id: int):
    """Submit the draft (its applicant): a new submitted version, a reference the first time.

    Something missing is a 422 with each problem by field; after the deadline, a 409
    (deadline_passed).
    """
    proposal = _applicants_proposal(proposal_id)
    check_version(proposal, values["version"])
    services.submit_proposal(proposal, actor=actor())
    db.session.commit()
    return ShownProposal(proposal)


@blp.route("/<int:proposal_id>/actions/reopen", methods=["POST"])
@blp.arguments(VersionSchema)
@blp.response(200, ProposalSchema)
@blp.documents(403, 404, 409)
def reopen_proposal(values, proposal_id: int):
    """Reopen a submitted proposal to change it before the deadline (its applicant)."""
    proposal = _applicants_proposal(proposal_id)
    check_version(proposal, values["version"])
    services.reopen_proposal(proposal, actor=actor())
    db.session.commit()
    return ShownProposal(proposal)


class ProposalWithdrawalSchema(VersionSchema):
    """Withdraw a proposal, optionally saying why."""

    reason = text(2000, load_default="")


@blp.route("/<int:proposal_id>/actions/withdraw", methods=["POST"])
@blp.arguments(ProposalWithdrawalSchema)
@blp.response(200, ProposalSchema)
@blp.documents(403, 404, 409, 422)
def withdraw_proposal(values, proposal_id: int):
    """Withdraw a draft, submitted or under-review proposal (its applicant)."""
    proposal = _applicants_proposal(proposal_id)
    check_version(proposal, values["version"])
    services.withdraw_proposal(proposal, actor=actor(), reason=values["reason"])
    db.session.commit()
    return ShownProposal(proposal)


class ProposalExtensionSchema(VersionSchema):
    """Let one proposal be changed and submitted until an instant."""

    until = instant(required=True, metadata={"description": "After the call closes."})


@blp.route("/<int:proposal_id>/actions/grant-extension", methods=["POST"])
@blp.arguments(ProposalExtensionSchema)
@blp.response(200, ProposalSchema)
@blp.documents(403, 404, 409, 422)
def grant_extension(values, proposal_id: int):
    """Let one draft or submitted proposal be changed and submitted until `until`
    (administrators)."""
    proposal = _visible_proposal(proposal_id)
    require(policy.can_manage_proposals(actor()))
    check_version(proposal, values["version"])
    services.grant_extension(proposal, actor=actor(), until=values["until"])
    db.session.commit()
    return ShownProposal(proposal)
